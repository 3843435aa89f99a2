"""Input normalised once, at the edge: NFKC width folding, trimming, refusal of invisible characters."""

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

# Bidi overrides and isolates, zero-width characters and other format (Cf) or control (Cc)
# characters make a name look different from what is stored: refused, never silently removed.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs"}


def normalise_text(value: str) -> str:
    """NFKC (full-width digits and letters, half-width kana) and trimmed."""
    return unicodedata.normalize("NFKC", value).strip()


def has_invisible_characters(value: str) -> bool:
    return any(unicodedata.category(ch) in _INVISIBLE_CATEGORIES for ch in value)


def normalise_name(value: str) -> str:
    """A name or its kana: NFKC, trimmed; control, bidi and zero-width characters refused."""
    if has_invisible_characters(value):
        raise ValidationError("改行や制御文字、見えない文字は使えません。", code="invisible")
    text = normalise_text(value)
    if has_invisible_characters(text):
        raise ValidationError("改行や制御文字、見えない文字は使えません。", code="invisible")
    if not text:
        raise ValidationError("入力してください。", code="required")
    return re.sub(r"\s+", " ", text)


_KANA = re.compile(r"^[\u3041-\u309f\u30a0-\u30ff ]+$")


def normalise_kana(value: str) -> str:
    """A name's reading: a name (`normalise_name`) written in hiragana or katakana only."""
    text = normalise_name(value)
    if not _KANA.match(text):
        raise ValidationError("ふりがなで入力してください。", code="kana")
    return text


def normalise_email(value: str) -> str:
    """An email address: NFKC (a full-width copy equals the original), trimmed, lower case."""
    if has_invisible_characters(value.strip()):
        raise ValidationError("メールアドレスに改行や制御文字は使えません。", code="invisible")
    text = normalise_text(value).lower()
    try:
        validate_email(text)
    except ValidationError:
        raise ValidationError("メールアドレスの形式が正しくありません。", code="invalid") from None
    return text


_ERAS: list[tuple[tuple[str, ...], dt.date, dt.date | None]] = [
    (("明治", "M"), dt.date(1868, 1, 25), dt.date(1912, 7, 29)),
    (("大正", "T"), dt.date(1912, 7, 30), dt.date(1926, 12, 24)),
    (("昭和", "S"), dt.date(1926, 12, 25), dt.date(1989, 1, 7)),
    (("平成", "H"), dt.date(1989, 1, 8), dt.date(2019, 4, 30)),
    (("令和", "R"), dt.date(2019, 5, 1), None),
]


def wareki_year(day: dt.date) -> str:
    """2031-03-31 -> 令和13年 (the eras above; before Meiji the Western year)."""
    for (era, _letter), start, _end in reversed(_ERAS):
        if day >= start:
            year = day.year - start.year + 1
            return f"{era}{'元' if year == 1 else year}年"
    return f"{day.year}年"


def wareki(day: dt.date) -> str:
    """2031-03-31 -> 令和13年3月31日: the Japanese calendar public offices write."""
    return f"{wareki_year(day)}{day.month}月{day.day}日"


def wareki_with_year(day: dt.date) -> str:
    """1980-05-12 -> 昭和55年（1980年）5月12日: the 和暦 with the Western year beside it, as
    official forms print a date a person may count in either (a birth date)."""
    year, western = wareki_year(day), f"{day.year}年"
    beside = "" if year == western else f"（{western}）"
    return f"{year}{beside}{day.month}月{day.day}日"


def wareki_fiscal_year(year: int) -> str:
    """2026 -> 令和8年度: the 年度 (April to March) named, as offices do, by the era year of
    its 1 April."""
    return f"{wareki_year(dt.date(year, 4, 1)).removesuffix('年')}年度"


_WAREKI = re.compile(
    r"^(明治|大正|昭和|平成|令和|[MTSHR])\s*(元|\d{1,2})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?$"
)
_SEIREKI = re.compile(r"^(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?$")


def parse_japanese_date(value: str | dt.date | dt.datetime) -> dt.date:
    """A date in 西暦 (1985-04-01, 1985/4/1, 1985年4月1日) or 和暦 (昭和60年4月1日, S60.4.1)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = normalise_text(value).upper()
    if match := _SEIREKI.match(text):
        year, month, day = (int(part) for part in match.groups())
        return _date(year, month, day)
    if match := _WAREKI.match(text):
        era, era_year, month_text, day_text = match.groups()
        for names, start, end in _ERAS:
            if era in names:
                year = start.year + (1 if era_year == "元" else int(era_year)) - 1
                date = _date(year, int(month_text), int(day_text))
                if date < start or (end is not None and date > end):
                    raise ValueError(f"{names[0]}の期間外の日付です")
                return date
    raise ValueError("日付として読めません（例: 1985-04-01、昭和60年4月1日、S60.4.1）")


def _date(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError("存在しない日付です") from None
