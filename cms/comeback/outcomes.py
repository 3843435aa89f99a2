"""Reading HR's list of applicants (CSV in UTF-8, UTF-8 with BOM or CP932; XLSX) and matching
each row to a registered alumnus: by 職員番号 through the roster, else by 氏名 and 生年月日.

Columns (Japanese as HR writes them; order free): 職員番号, 氏名 (or 姓 and 名), 生年月日,
応募 and 採用 (○, はい, 1, true… mark yes; a missing 応募 column means everyone listed applied)."""

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from cms.alumni.models import Alumnus, RosterEntry
from cms.alumni.normalise import normalise_text, parse_japanese_date
from cms.alumni.roster import RosterFileError, _csv_rows, _xlsx_rows
from cms.errors import ServiceError

HEADERS = {
    "職員番号": "staff_number",
    "氏名": "name",
    "名前": "name",
    "姓": "family_name",
    "名": "given_name",
    "生年月日": "birth_date",
    "応募": "applied",
    "受験": "applied",
    "採用": "hired",
    "合格": "hired",
}
YES = {"○", "〇", "◯", "はい", "1", "true", "yes", "済", "あり", "応募", "採用", "合格"}
NO = {"", "×", "いいえ", "0", "false", "no", "なし", "-", "−", "ー"}


class OutcomeFileError(ServiceError):
    """The file as a whole cannot be read: nothing was recorded."""


@dataclass(frozen=True)
class MatchedRow:
    row: int
    alumnus: Alumnus
    applied: bool
    hired: bool

    def __str__(self) -> str:
        state = "採用" if self.hired else ("応募" if self.applied else "応募なし")
        return f"{self.row}行目: {self.alumnus}（{state}）"


@dataclass(frozen=True)
class UnmatchedRow:
    row: int
    values: dict[str, str]
    reason: str

    @property
    def text(self) -> str:
        return "、".join(value for value in self.values.values() if value)


@dataclass
class OutcomeImport:
    """The preview (and, once committed, the result) of an import."""

    matched: list[MatchedRow] = field(default_factory=list)
    unmatched: list[UnmatchedRow] = field(default_factory=list)
    recorded: int = 0


def _key(cell: Any) -> str:
    return re.sub(r"[\s()（）「」]", "", normalise_text(str(cell or "")))


def _cell_text(cell: Any) -> str:
    """A cell as text; Excel's dates (datetime) as ISO dates."""
    if cell is None:
        return ""
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return normalise_text(str(cell))


def _name_key(text: str) -> str:
    return re.sub(r"\s", "", normalise_text(text))


def _flag(cell: str, *, default: bool) -> bool:
    text = normalise_text(cell).lower()
    if cell == "" and default:
        return True
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(f"「{cell}」を はい/いいえ として読めません（○ または空欄で書いてください）")


def _refuse_run_on_cell(rows: list[Any]) -> None:
    """No column of this list holds a line break; in a CSV one means a stray double quote that
    joined the following lines into one cell, rows that would otherwise be silently lost."""
    for number, row in enumerate(rows, start=1):
        if any("\n" in str(cell) or "\r" in str(cell) for cell in row):
            raise OutcomeFileError(
                f"{number} 行目の欄が次の行まで続いています。"
                '引用符（"）の閉じ忘れがないか確認してください',
                field="file",
            )


def _table(*, filename: str, data: bytes) -> tuple[list[str | None], list[list[str]]]:
    is_xlsx = data[:2] == b"PK" or filename.lower().endswith(".xlsx")
    try:
        rows = list(_xlsx_rows(data) if is_xlsx else _csv_rows(data))
    except RosterFileError as error:
        raise OutcomeFileError(str(error), field="file") from None
    if not is_xlsx:
        _refuse_run_on_cell(rows)
    if not rows:
        raise OutcomeFileError("ファイルが空です", field="file")
    header, *body = rows
    columns = [HEADERS.get(_key(cell)) for cell in header]
    has_name = "name" in columns or {"family_name", "given_name"} <= set(columns)
    if "staff_number" not in columns and not (has_name and "birth_date" in columns):
        raise OutcomeFileError(
            "「職員番号」の列、または「氏名」と「生年月日」の列が必要です", field="file"
        )
    cells = [[_cell_text(cell) for cell in row] for row in body]
    if not any(any(row) for row in cells):
        raise OutcomeFileError("データの行がありません", field="file")
    return columns, cells


class _Roster:
    """Registered alumni by staff number and by (name, birth date)."""

    def __init__(self) -> None:
        self.by_staff: dict[str, Alumnus | None] = {}
        for entry in RosterEntry.objects.select_related("alumnus"):
            self.by_staff[entry.staff_number] = getattr(entry, "alumnus", None)
        self.by_name: dict[tuple[str, dt.date], list[Alumnus]] = {}
        for alumnus in Alumnus.objects.all():
            key = (_name_key(alumnus.family_name + alumnus.given_name), alumnus.birth_date)
            self.by_name.setdefault(key, []).append(alumnus)

    def find(self, values: dict[str, str]) -> Alumnus:
        staff = values.get("staff_number", "").upper()
        if staff:
            if staff not in self.by_staff:
                raise ValueError("職員番号が名簿にありません")
            found = self.by_staff[staff]
            if found is None:
                raise ValueError("名簿にありますが、アルムナイとして登録されていません")
            return found
        name = values.get("name") or values.get("family_name", "") + values.get("given_name", "")
        if not name or not values.get("birth_date"):
            raise ValueError("職員番号、または氏名と生年月日がありません")
        people = self.by_name.get((_name_key(name), parse_japanese_date(values["birth_date"])), [])
        if not people:
            raise ValueError("氏名と生年月日が一致する登録者がいません")
        if len(people) > 1:
            raise ValueError(
                "氏名と生年月日が一致する登録者が複数います（職員番号で指定してください）"
            )
        return people[0]


def outcomes_read(*, filename: str, data: bytes) -> OutcomeImport:
    """Every row matched or set aside with its reason (a bad file raises OutcomeFileError)."""
    columns, body = _table(filename=filename, data=data)
    roster = _Roster()
    result = OutcomeImport()
    seen: dict[int, int] = {}
    for number, cells in enumerate(body, start=2):
        if not any(cells):
            continue
        values = {name: cell for name, cell in zip(columns, cells, strict=False) if name}
        try:
            alumnus = roster.find(values)
            applied = _flag(values.get("applied", ""), default="applied" not in columns)
            hired = _flag(values.get("hired", ""), default=False)
            if alumnus.pk in seen:
                raise ValueError(f"{seen[alumnus.pk]}行目と同じ方です")
        except ValueError as error:
            result.unmatched.append(UnmatchedRow(row=number, values=values, reason=str(error)))
            continue
        seen[alumnus.pk] = number
        result.matched.append(
            MatchedRow(row=number, alumnus=alumnus, applied=applied or hired, hired=hired)
        )
    return result
