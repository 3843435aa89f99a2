"""Survey responses carried to Excel: XLSX (typed cells, a questionnaire sheet), CSV in UTF-8
with a BOM, and CSV in CP932 with every character it cannot hold replaced and listed.

One row per response, one column per question — per option for a multiple choice — over every
question and option ever published (a removed one under its last label), so that no edit of a
live survey drops or shifts an answer. Pure functions over `cms.surveys.results` data.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from cms.alumni.export import inert_cell

from .results import (
    CatalogueQuestion,
    ResponseRecord,
    age_on,
    chosen_options,
    date_value,
    number_value,
    version_label,
)

Cell = str | int | float | Decimal | dt.date | dt.datetime | None

# CP932 (Windows' Shift_JIS) lacks these code points but has the character Windows users see
# for them (the 〜 of a Mac or a phone is U+301C; Windows types U+FF5E).
CP932_EQUIVALENTS = {
    "\u301c": "\uff5e",  # 〜 WAVE DASH -> ～
    "\u2212": "\uff0d",  # − MINUS SIGN -> －
    "\u2016": "\u2225",  # ‖ -> ∥
    "\u2014": "\u2015",  # — EM DASH -> ―
    "\u00a2": "\uffe0",  # ¢
    "\u00a3": "\uffe1",  # £
    "\u00ac": "\uffe2",  # ¬
}
CP932_REPLACEMENT = "〓"


@dataclass(frozen=True)
class Column:
    """One column of the responses table: its heading and how a response fills it."""

    heading: str
    question: CatalogueQuestion | None = None
    option_id: str = ""
    kind: str = ""  # a response field ("id", "alumnus", ...) or the question's type


@dataclass
class ExportFile:
    """A finished export: what the browser downloads, and the characters it had to replace."""

    filename: str
    content_type: str
    content: bytes
    replaced: dict[str, str] = field(default_factory=dict)

    @property
    def replaced_text(self) -> str:
        """「〜→～、😀→〓」: what the admin and the audit log say."""
        return replacements_text(self.replaced)


def replacements_text(replaced: dict[str, str]) -> str:
    """「〜→～、😀→〓」 of what `cp932_safe` replaced."""
    return "、".join(f"{old}→{new}" for old, new in replaced.items())


RESPONSE_COLUMNS = (
    Column("回答番号", kind="id"),
    Column("登録者番号", kind="alumnus"),
    Column("回答した版", kind="version"),
    Column("最初の回答日時", kind="submitted_at"),
    Column("最後の更新日時", kind="updated_at"),
    Column("退職時の所属", kind="department"),
    Column("退職年", kind="retired_year"),
    Column("年齢（出力日）", kind="age"),
)


def export_columns(*, catalogue: Sequence[CatalogueQuestion]) -> list[Column]:
    """The response fields, then 問1, 問2 … in the questionnaire's order; a multiple choice
    has one column per option ever offered; a scale is its point (1–5)."""
    columns = list(RESPONSE_COLUMNS)
    for number, question in enumerate(catalogue, start=1):
        heading = f"問{number} {question.label}"
        if question.type == "multiple":
            columns.extend(
                Column(f"{heading}：{option.label}", question, option.id, "multiple")
                for option in question.options
            )
        elif question.type == "scale":
            columns.append(Column(f"{heading}（1〜5）", question, kind="scale"))
        else:
            columns.append(Column(heading, question, kind=question.type))
    return columns


def _local(value: dt.datetime) -> dt.datetime:
    """Excel has no time zones: the site's local time (JST), without a zone."""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return local.replace(tzinfo=None, microsecond=0)


def _answer(column: Column, record: ResponseRecord) -> Cell:
    question = column.question
    assert question is not None
    value = record.answers.get(question.id)
    if value in (None, "", []):
        return None
    if column.kind == "multiple":
        # 1 chosen, 0 offered and not chosen; empty when this version did not offer it.
        if column.option_id in chosen_options(value):
            return 1
        offered = record.offered.get(question.id)
        return 0 if offered is None or column.option_id in offered else None
    if column.kind == "scale":
        offered = record.offered.get(question.id, ())
        oid = chosen_options(value)[0]
        return offered.index(oid) + 1 if oid in offered else None
    if column.kind == "single":
        option = question.option(chosen_options(value)[0])
        return option.label if option else str(value)
    if column.kind == "number":
        return number_value(value)
    if column.kind == "date":
        return date_value(value)
    return str(value)


def export_row(*, columns: Sequence[Column], record: ResponseRecord, today: dt.date) -> list[Cell]:
    row: list[Cell] = []
    for column in columns:
        if column.question is not None:
            row.append(_answer(column, record))
        elif column.kind == "id":
            row.append(record.id)
        elif column.kind == "alumnus":
            row.append(record.alumnus_id)
        elif column.kind == "version":
            row.append(record.version)
        elif column.kind == "submitted_at":
            row.append(_local(record.submitted_at))
        elif column.kind == "updated_at":
            row.append(_local(record.updated_at))
        elif column.kind == "department":
            row.append(record.department or None)
        elif column.kind == "retired_year":
            row.append(record.retired_year)
        elif column.kind == "age":
            row.append(age_on(record.birth_date, today) if record.birth_date else None)
    return row


def export_table(
    *,
    catalogue: Sequence[CatalogueQuestion],
    records: Sequence[ResponseRecord],
    today: dt.date | None = None,
) -> tuple[list[str], list[list[Cell]]]:
    """Headings and one row of typed values per response, in response order."""
    today = today or timezone.localdate()
    columns = export_columns(catalogue=catalogue)
    rows = [export_row(columns=columns, record=r, today=today) for r in records]
    return [c.heading for c in columns], rows


# --- XLSX --------------------------------------------------------------------------------------

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text_cell(cell: Any, value: str) -> None:
    # openpyxl takes a string starting with "=" for a formula: an answer is always text.
    cell.value = value
    cell.data_type = "s"


def export_xlsx(
    *,
    title: str,
    catalogue: Sequence[CatalogueQuestion],
    records: Sequence[ResponseRecord],
    today: dt.date | None = None,
) -> ExportFile:
    """Sheet 「回答」: a row per response with numbers, dates and times as Excel's own types;
    sheet 「質問票」: every question and option ever published, its last label and versions."""
    headings, rows = export_table(catalogue=catalogue, records=records, today=today)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "回答"
    for column, heading in enumerate(headings, start=1):
        cell = sheet.cell(row=1, column=column)
        _text_cell(cell, heading)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(column)].width = 16
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=c)
            if isinstance(value, str):
                _text_cell(cell, value)
                continue
            cell.value = value
            if isinstance(value, dt.datetime):
                cell.number_format = "yyyy/mm/dd hh:mm"
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy/mm/dd"
    sheet.freeze_panes = "B2"

    questionnaire = book.create_sheet("質問票")
    questionnaire.append(["番号", "質問・選択肢", "種類", "掲載された版", "現在の版にある"])
    latest = max((v for q in catalogue for v in q.versions), default=0)
    for number, question in enumerate(catalogue, start=1):
        questionnaire.append(
            [
                f"問{number}",
                question.label,
                question.type_label,
                version_label(question.versions),
                "はい" if latest in question.versions else "いいえ（削除済み）",
            ]
        )
        for point, option in enumerate(question.options, start=1):
            questionnaire.append(
                [
                    f"問{number}-{point}",
                    option.label,
                    "選択肢",
                    version_label(option.versions),
                    "はい" if latest in option.versions else "いいえ（削除済み）",
                ]
            )
    for row in questionnaire.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                _text_cell(cell, cell.value)
    for letter, width in zip("ABCDE", (10, 50, 12, 20, 18), strict=True):
        questionnaire.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return ExportFile(f"{title}.xlsx", XLSX_TYPE, out.getvalue())


# --- CSV ---------------------------------------------------------------------------------------

CSV_TYPE = "text/csv"


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{value:%Y/%m/%d %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%Y/%m/%d}"
    if isinstance(value, str):
        return inert_cell(value)
    return str(value)


def _csv(headings: Sequence[str], rows: Sequence[Sequence[Cell]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([inert_cell(h) for h in headings])
    writer.writerows([_csv_text(v) for v in row] for row in rows)
    return out.getvalue()


def export_csv_utf8(
    *,
    title: str,
    catalogue: Sequence[CatalogueQuestion],
    records: Sequence[ResponseRecord],
    today: dt.date | None = None,
) -> ExportFile:
    """The 「回答」 table as CSV in UTF-8 with a BOM (Excel then reads it as UTF-8)."""
    headings, rows = export_table(catalogue=catalogue, records=records, today=today)
    return csv_file(_csv(headings, rows), name=f"{title}.csv", shift_jis=False)


def cp932_safe(text: str) -> tuple[str, dict[str, str]]:
    """`text` with every character CP932 cannot hold replaced (by its Windows equivalent, else
    by 〓), and what was replaced by what."""
    out: list[str] = []
    replaced: dict[str, str] = {}
    for char in text:
        try:
            char.encode("cp932")
        except UnicodeEncodeError:
            new = CP932_EQUIVALENTS.get(char, CP932_REPLACEMENT)
            replaced[char] = new
            out.append(new)
        else:
            out.append(char)
    return "".join(out), replaced


def csv_file(text: str, *, name: str, shift_jis: bool) -> ExportFile:
    """CSV text as Excel on Windows opens it, the one way every export writes one: UTF-8 with a
    BOM, or (`shift_jis`) CP932 with every character it cannot hold replaced and listed."""
    if not shift_jis:
        return ExportFile(name, f"{CSV_TYPE}; charset=utf-8", ("\ufeff" + text).encode("utf-8"))
    safe, replaced = cp932_safe(text)
    return ExportFile(name, f"{CSV_TYPE}; charset=Shift_JIS", safe.encode("cp932"), replaced)


def export_csv_cp932(
    *,
    title: str,
    catalogue: Sequence[CatalogueQuestion],
    records: Sequence[ResponseRecord],
    today: dt.date | None = None,
) -> ExportFile:
    """The 「回答」 table as CSV in CP932 (older Excel and other office software): every
    character it cannot hold is replaced, and `replaced` lists them."""
    headings, rows = export_table(catalogue=catalogue, records=records, today=today)
    return csv_file(_csv(headings, rows), name=f"{title}_SJIS.csv", shift_jis=True)


EXPORT_FORMATS = {
    "xlsx": ("Excel（XLSX）", export_xlsx),
    "csv": ("CSV（UTF-8）", export_csv_utf8),
    "csv-sjis": ("CSV（Shift_JIS／CP932）", export_csv_cp932),
}
