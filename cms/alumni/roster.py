"""Reading HR's roster file (CSV in UTF-8, UTF-8 with BOM or CP932; XLSX) into checked rows."""

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from cms.alumni.models import ROSTER_FIELDS, RosterEntry
from cms.alumni.normalise import (
    normalise_email,
    normalise_name,
    normalise_text,
    parse_japanese_date,
)

# Header (after NFKC and removing spaces and brackets) -> field. Japanese as HR writes it,
# and the field names themselves.
_HEADERS = {
    "職員番号": "staff_number",
    "姓": "family_name",
    "名": "given_name",
    "姓かな": "family_name_kana",
    "姓ふりがな": "family_name_kana",
    "姓フリガナ": "family_name_kana",
    "姓カナ": "family_name_kana",
    "ふりがな姓": "family_name_kana",
    "フリガナ姓": "family_name_kana",
    "かな姓": "family_name_kana",
    "カナ姓": "family_name_kana",
    "セイ": "family_name_kana",
    "名かな": "given_name_kana",
    "名ふりがな": "given_name_kana",
    "名フリガナ": "given_name_kana",
    "名カナ": "given_name_kana",
    "ふりがな名": "given_name_kana",
    "フリガナ名": "given_name_kana",
    "かな名": "given_name_kana",
    "カナ名": "given_name_kana",
    "メイ": "given_name_kana",
    "生年月日": "birth_date",
    "退職時の所属": "former_department",
    "所属": "former_department",
    "採用日": "hired_on",
    "退職日": "retired_on",
    "メールアドレス": "email",
    "メール": "email",
    "郵便番号": "postal_code",
    "住所": "address",
    "退職時の住所": "address",
}
FIELDS = ROSTER_FIELDS
_HEADERS.update({name: name for name in FIELDS})
# The columns the model requires (staff number, names, kana, birth date).
REQUIRED = tuple(
    name for name in ROSTER_FIELDS if not getattr(RosterEntry._meta.get_field(name), "blank", True)
)
# A dash as typed in Japanese (the long-vowel mark ー among them) and a leading 〒 are kept out.
_POSTAL = re.compile(r"^〒?\s*(\d{3})[-‐‑–—―−ー]?(\d{4})$")


@dataclass(frozen=True)
class RosterRow:
    line: int
    values: dict[str, Any]


@dataclass
class RosterFile:
    """The rows that passed every check and one message per bad row (line number: reason)."""

    rows: list[RosterRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors and bool(self.rows)


class RosterFileError(ValueError):
    """The file as a whole cannot be read (format, encoding, missing columns)."""


def roster_file_read(*, filename: str, content: bytes) -> RosterFile:
    """Parse and check every row; never stops at the first bad row."""
    if content[:2] == b"PK" or filename.lower().endswith(".xlsx"):
        table = _xlsx_rows(content)
    else:
        table = _csv_rows(content)
    header, *body = [row for row in table] or [[]]
    columns = [_HEADERS.get(_header_key(cell)) for cell in header]
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise RosterFileError(
            "必須の列がありません: "
            + "、".join(_LABELS[name] for name in missing)
            + "（1 行目の見出しを確認してください）"
        )
    result = RosterFile()
    seen: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for number, cells in enumerate(body, start=2):
        if all(_blank(cell) for cell in cells):
            continue
        raw = {name: cell for name, cell in zip(columns, cells, strict=False) if name}
        try:
            values = _check_row(raw)
        except ValueError as error:
            result.errors.append((number, str(error)))
            continue
        if values["staff_number"] in seen:
            result.errors.append(
                (number, f"職員番号が {seen[values['staff_number']]} 行目と重複しています")
            )
            continue
        # One address, one account (Alumnus.email is unique): the second person invited at the
        # same address could never register with it.
        if values["email"] in seen_emails:
            result.errors.append(
                (number, f"メールアドレスが {seen_emails[values['email']]} 行目と重複しています")
            )
            continue
        seen[values["staff_number"]] = number
        if values["email"]:
            seen_emails[values["email"]] = number
        result.rows.append(RosterRow(line=number, values=values))
    if not result.rows and not result.errors:
        raise RosterFileError("データの行がありません")
    return result


def _header_key(cell: Any) -> str:
    return re.sub(r"[\s()（）「」]", "", normalise_text(str(cell or "")))


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _csv_rows(content: bytes) -> Iterable[Sequence[Any]]:
    # A BOM says UTF-8; text after it saved in CP932 (an editor that keeps the BOM of the file it
    # opened) is refused like any other undecodable file, not read as CP932 with the BOM inside
    # the first heading.
    encodings = ("utf-8-sig",) if content.startswith(codecs.BOM_UTF8) else ("utf-8", "cp932")
    for encoding in encodings:
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterFileError(
            "文字コードを判別できません（UTF-8 または Shift_JIS で保存してください）"
        )
    reader = csv.reader(io.StringIO(text))
    try:
        return list(reader)
    except csv.Error:
        # The csv module's limit on one cell (131,072 characters): in a roster only reached when
        # a stray double quote runs on to the end of the file, turning the rest into one cell.
        raise RosterFileError(
            f"{reader.line_num} 行目付近で CSV として読めなくなりました。"
            '引用符（"）の閉じ忘れや、長すぎる欄がないか確認してください'
        ) from None


def _xlsx_rows(content: bytes) -> Iterable[Sequence[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise RosterFileError("Excel (XLSX) ファイルとして読めません") from None
    sheet = book.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


_LABELS = {
    "staff_number": "職員番号",
    "family_name": "姓",
    "given_name": "名",
    "family_name_kana": "姓（かな）",
    "given_name_kana": "名（かな）",
    "birth_date": "生年月日",
    "hired_on": "採用日",
    "retired_on": "退職日",
    "email": "メールアドレス",
    "postal_code": "郵便番号",
    "address": "住所",
}


def _check_row(raw: dict[str, Any]) -> dict[str, Any]:
    reasons: list[str] = []
    values: dict[str, Any] = {}
    for name in FIELDS:
        cell = raw.get(name)
        label = _LABELS.get(name, name)
        if _blank(cell):
            if name in REQUIRED:
                reasons.append(f"{label}が空です")
            values[name] = None if name in {"hired_on", "retired_on"} else ""
            continue
        try:
            values[name] = roster_value_check(name, cell)
        except (ValueError, ValidationError) as error:
            message = error.messages[0] if isinstance(error, ValidationError) else str(error)
            reasons.append(f"{label}: {message}")
    if not reasons:
        hired, retired = values["hired_on"], values["retired_on"]
        if hired and retired and retired < hired:
            reasons.append("退職日が採用日より前です")
    if reasons:
        raise ValueError("、".join(reasons))
    return values


def roster_value_check(name: str, cell: Any) -> Any:
    """One roster column's value as the import keeps it (normalised), or ValueError saying why
    not in Japanese: the import's rule for a cell, and HR's edit form's for a field."""
    if name in {"birth_date", "hired_on", "retired_on"}:
        if isinstance(cell, dt.date):
            return parse_japanese_date(cell)
        return parse_japanese_date(str(cell))
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = str(cell)
    if name == "email":
        return normalise_email(text)
    if name in {"family_name", "given_name", "family_name_kana", "given_name_kana", "address"}:
        value = normalise_name(text)
        if len(value) > (200 if name == "address" else 50):
            raise ValueError("長すぎます")
        if name == "address":
            from cms.alumni.letters import address_fits_window  # letters -> services -> roster

            if not address_fits_window(value):
                # The letter's address would be cut at the envelope's window and go astray.
                raise ValueError("長すぎて案内状の宛名の窓に収まりません（全角で約 80 文字まで）")
        return value
    value = normalise_text(text)
    if name == "staff_number" and not re.fullmatch(r"[0-9A-Za-z-]{1,20}", value):
        raise ValueError("半角英数字とハイフン 20 文字以内で入力してください")
    if name == "postal_code":
        match = _POSTAL.match(value)
        if not match:
            raise ValueError("7 桁で入力してください")
        return f"{match.group(1)}-{match.group(2)}"
    if name == "former_department" and len(value) > 100:
        raise ValueError("長すぎます")
    return value
