"""HR's export of the comeback estimates: XLSX and CSV (UTF-8 with a BOM, and CP932), each
opening with the policy line, then one row per person as the list shows them."""

import csv
import datetime as dt
import io
from collections.abc import Callable, Sequence
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from cms.alumni.export import inert_cell
from cms.alumni.normalise import wareki_with_year
from cms.surveys.exports import XLSX_TYPE, ExportFile, csv_file

from .models import Estimate
from .selectors import estimate_as_result

Cell = str | float | dt.date | None
HEADINGS = [
    "登録者番号",
    "氏名",
    "ふりがな",
    "退職時の所属",
    "受験資格",
    "受験資格の期限",
    "区分",
    "応募の見込み（%）",
    "理由1",
    "理由2",
    "理由3",
    "推計しない理由",
    "推計の方法",
    "計算日",
]


def estimate_rows(*, estimates: Sequence[Estimate]) -> list[list[Cell]]:
    """One row per estimate (as `HEADINGS`); dates as dates, the probability in percent."""
    rows: list[list[Cell]] = []
    for estimate in estimates:
        result = estimate_as_result(estimate)
        alumnus = estimate.alumnus
        reasons = [*result.top_reasons, "", "", ""][:3]
        closes = result.eligibility.window_closes_on
        rows.append(
            [
                str(alumnus.pk),
                f"{alumnus.family_name} {alumnus.given_name}",
                f"{alumnus.family_name_kana} {alumnus.given_name_kana}",
                alumnus.former_department,
                "対象" if result.eligibility.eligible else "対象外",
                wareki_with_year(closes) if closes else "",
                result.band_label,
                round(result.probability * 100, 1) if result.probability is not None else None,
                *reasons,
                result.reason or result.eligibility.reason,
                result.model_label,
                result.computed_on,
            ]
        )
    return rows


def _title() -> str:
    return f"カムバック推計_{timezone.localdate():%Y%m%d}"


def export_xlsx(*, rows: Sequence[Sequence[Cell]], policy: str) -> ExportFile:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "カムバック推計"
    sheet.cell(row=1, column=1, value=policy).font = Font(bold=True)
    for column, heading in enumerate(HEADINGS, start=1):
        cell = sheet.cell(row=2, column=column, value=heading)
        cell.font = Font(bold=True)
    for r, values in enumerate(rows, start=3):
        for c, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy/mm/dd"
    sheet.freeze_panes = "C3"
    out = io.BytesIO()
    book.save(out)
    return ExportFile(f"{_title()}.xlsx", XLSX_TYPE, out.getvalue())


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return f"{value:%Y/%m/%d}"
    return inert_cell(value) if isinstance(value, str) else str(value)


def _csv(rows: Sequence[Sequence[Cell]], policy: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([policy])
    writer.writerow(HEADINGS)
    writer.writerows([_csv_text(v) for v in row] for row in rows)
    return out.getvalue()


def export_csv_utf8(*, rows: Sequence[Sequence[Cell]], policy: str) -> ExportFile:
    return csv_file(_csv(rows, policy), name=f"{_title()}.csv", shift_jis=False)


def export_csv_cp932(*, rows: Sequence[Sequence[Cell]], policy: str) -> ExportFile:
    return csv_file(_csv(rows, policy), name=f"{_title()}_SJIS.csv", shift_jis=True)


# Keyed by the download's file extension (the URL ends with it).
EXPORT_FORMATS: dict[str, tuple[str, Callable[..., Any]]] = {
    "xlsx": ("Excel（XLSX）", export_xlsx),
    "csv": ("CSV（UTF-8）", export_csv_utf8),
    "sjis.csv": ("CSV（Shift_JIS／CP932）", export_csv_cp932),
}
