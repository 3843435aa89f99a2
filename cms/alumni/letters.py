"""Invitation letters: one A4 PDF (長形3号 window envelope) and a CSV of address labels."""

import csv
import datetime as dt
import io
from collections.abc import Sequence

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from cms.alumni.export import inert_cell
from cms.alumni.models import RosterEntry
from cms.alumni.services import registration_url
from cms.content.models import ContactSettings
from cms.surveys.exports import ExportFile, cp932_safe, csv_file, replacements_text

FONT = "IPAexGothic"
# What IPAex Gothic lacks is drawn in IPAmj Mincho (the 文字情報基盤 font made for the names in Japan's
# registers): 𠮷 (U+20BB7, つちよし) of 𠮷田 printed as a blank before.
FALLBACK_FONT = "IPAmjMincho"
# Older readers: nothing on the letter is smaller than BODY (the URL and code included).
BODY = 10.5
LINE = 6.5 * mm

# An A4 sheet folded in three fits a 長形3号 envelope (120 x 235 mm); its window sits about
# 20 mm from the left and 12 mm from the top, 90 x 45 mm. The address block stays inside that
# window with a few millimetres to spare on each side.
ADDRESS_LEFT = 25 * mm
ADDRESS_TOP = 17 * mm
ADDRESS_WIDTH = 80 * mm
# The address in 11 pt on up to three lines, or in BODY size on four; with the postal code
# above and the name below, four lines still sit inside the window.
ADDRESS_SIZES = ((11, 3, 5.5 * mm), (BODY, 4, 5 * mm))


def pdf_font() -> str:
    """The IPAex Gothic font registered with reportlab (embedded in every PDF we make)."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, settings.ALUMNI_LETTER_FONT))
    return FONT


def _fallback_font() -> str:
    """IPAmj Mincho registered with reportlab, the first time a letter needs it."""
    if FALLBACK_FONT not in pdfmetrics.getRegisteredFontNames():
        path = settings.ALUMNI_LETTER_FALLBACK_FONT
        try:
            font = TTFont(FALLBACK_FONT, path)
        except OSError as error:  # a character would print as a blank: refuse instead
            raise ImproperlyConfigured(
                f"ALUMNI_LETTER_FALLBACK_FONT ({path}) を開けません"
                "（Debian: apt-get install fonts-ipamj-mincho）"
            ) from error
        pdfmetrics.registerFont(font)
    return FALLBACK_FONT


def _runs(text: str) -> list[tuple[str, str]]:
    """`text` cut into runs of one font each: the letter's font wherever it has the character,
    the fallback font for the rest."""
    has = pdfmetrics.getFont(pdf_font()).face.charToGlyph
    runs: list[tuple[str, str]] = []
    for ch in text:
        font = FONT if ord(ch) in has else _fallback_font()
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + ch)
        else:
            runs.append((font, ch))
    return runs


def _width(text: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(run, font, size) for font, run in _runs(text))


def _draw(pdf: Canvas, x: float, y: float, text: str, size: float, *, right: bool = False) -> None:
    """`text` at (x, y) in `size` points, each character in a font that has it; `right`: ending
    at x."""
    if right:
        x -= _width(text, size)
    line = pdf.beginText(x, y)
    for font, run in _runs(text):
        line.setFont(font, size)
        line.textOut(run)
    pdf.drawText(line)


def _wrap(text: str, *, width: float, size: float) -> list[str]:
    """Japanese text broken into lines that fit `width` (no spaces to break at)."""
    lines: list[str] = []
    current, used = "", 0.0
    for ch in text:
        advance = _width(ch, size)  # no kerning: a line is as wide as its characters
        if used + advance > width and current:
            lines.append(current)
            current, used = "", 0.0
        current += ch
        used += advance
    if current:
        lines.append(current)
    return lines


def letters_pdf(*, letters: Sequence[tuple[RosterEntry, str]]) -> bytes:
    """One page per person: address in the window, the code, and a QR of the registration URL."""
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{settings.SITE_NAME} 登録のご案内")
    pdf.setAuthor(f"{settings.ORG_NAME} 人事課")
    today = timezone.localdate()
    contact = ContactSettings.load()
    for entry, code in letters:
        _letter_page(pdf, entry=entry, code=code, today=today, contact=contact)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _letter_page(
    pdf: Canvas,
    *,
    entry: RosterEntry,
    code: str,
    today: dt.date,
    contact: ContactSettings,
) -> None:
    width, height = A4
    url = registration_url(code=code)
    _address_block(pdf, entry=entry)
    _draw(pdf, width - 20 * mm, height - 20 * mm, f"{today:%Y年%-m月%-d日}", BODY, right=True)
    department = f"{settings.ORG_NAME} {contact.department}"
    _draw(pdf, width - 20 * mm, height - 26 * mm, department, BODY, right=True)
    y = _invitation_block(pdf, code=code, url=url, today=today)
    _contact_block(pdf, contact=contact, top=y - 6 * mm)

    qr = segno.make(url, error="m")
    png = io.BytesIO()
    qr.save(png, kind="png", scale=8, border=4)
    png.seek(0)
    pdf.drawImage(ImageReader(png), width - 65 * mm, height - 165 * mm, 45 * mm, 45 * mm)
    _draw(
        pdf,
        20 * mm,
        18 * mm,
        "お心当たりのない場合や、ご不要の場合は、このお手紙を破棄してください。",
        BODY,
    )


def _address_block(pdf: Canvas, *, entry: RosterEntry) -> None:
    """The postal address and name, placed for a window envelope."""
    y = A4[1] - ADDRESS_TOP
    _draw(pdf, ADDRESS_LEFT, y, f"〒{entry.postal_code}", BODY)
    y -= 6 * mm
    size, lines, most, leading = _address_layout(entry.address)
    for line in lines[:most]:  # an address too long for the window is cut at its edge
        _draw(pdf, ADDRESS_LEFT, y, line, size)
        y -= leading
    y -= 2 * mm
    _draw(pdf, ADDRESS_LEFT, y, f"{entry.family_name} {entry.given_name} 様", 14)


def _address_layout(address: str) -> tuple[float, list[str], int, float]:
    """The address's font size, its lines, how many lines the window holds at that size, and
    the line spacing: the largest size at which it fits, else the smallest."""
    pdf_font()
    for size, most, leading in ADDRESS_SIZES:
        lines = _wrap(address, width=ADDRESS_WIDTH, size=size)
        if len(lines) <= most:
            return size, lines, most, leading
    return size, lines, most, leading


def address_fits_window(address: str) -> bool:
    """Whether the whole address can be printed inside the envelope's window."""
    _, lines, most, _ = _address_layout(address)
    return len(lines) <= most


def _invitation_block(pdf: Canvas, *, code: str, url: str, today: dt.date) -> float:
    """The invitation text, the code and the URL; returns the height where it ends."""
    y = A4[1] - 100 * mm
    _draw(pdf, 20 * mm, y, f"「{settings.SITE_NAME}」ご登録のご案内", 16)
    y -= 12 * mm
    body = (
        "退職された職員の皆さまと県をつなぐネットワークを開設しました。"
        "カムバック採用の情報やお知らせをスマートフォンでお受け取りいただけます。"
        "右の QR コードを読み取るか、下の URL を開いて、招待コードでご登録ください。"
        "登録の際に生年月日を確認します。"
    )
    for line in _wrap(body, width=120 * mm, size=BODY):
        _draw(pdf, 20 * mm, y, line, BODY)
        y -= LINE
    y -= 4 * mm
    _draw(pdf, 20 * mm, y, "招待コード", 12)
    y -= 10 * mm
    _draw(pdf, 20 * mm, y, code, 20)
    y -= 8 * mm
    expires = today + dt.timedelta(days=settings.ALUMNI_INVITATION_VALID_DAYS)
    _draw(pdf, 20 * mm, y, f"有効期限: {expires:%Y年%-m月%-d日}　一度だけ使えます。", BODY)
    y -= 9 * mm
    _draw(pdf, 20 * mm, y, "登録用の URL", BODY)
    y -= LINE
    for line in _wrap(url, width=170 * mm, size=BODY):
        _draw(pdf, 20 * mm, y, line, BODY)
        y -= LINE
    return y


def _contact_block(pdf: Canvas, *, contact: ContactSettings, top: float) -> None:
    """HR's help desk, with the phone number large: people without a smartphone register with
    HR's help by phone."""
    y = top
    _draw(pdf, 20 * mm, y, "お問い合わせ", 12)
    y -= LINE
    for line in _wrap(
        "スマートフォンやパソコンをお持ちでない方、登録の方法がわからない方は、"
        "お電話でお問い合わせください。ご登録をお手伝いします。",
        width=170 * mm,
        size=BODY,
    ):
        _draw(pdf, 20 * mm, y, line, BODY)
        y -= LINE
    _draw(pdf, 20 * mm, y, f"{settings.ORG_NAME} {contact.department}", BODY)
    y -= 8 * mm
    if contact.phone:
        _draw(pdf, 20 * mm, y, f"電話 {contact.phone}", 16)
        y -= 8 * mm
    details = [
        f"受付時間 {contact.hours}" if contact.hours else "",
        f"メール {contact.email}" if contact.email else "",
    ]
    if any(details):
        _draw(pdf, 20 * mm, y, "　".join(part for part in details if part), BODY)


LABEL_HEADINGS = ("郵便番号", "住所", "氏名", "職員番号")


def _label_row(entry: RosterEntry) -> list[str]:
    """One label's cells, each shown by Excel as text (never run as a formula)."""
    return [
        f"〒{entry.postal_code}" if entry.postal_code else "",
        inert_cell(entry.address),
        inert_cell(f"{entry.family_name} {entry.given_name} 様"),
        inert_cell(entry.staff_number),
    ]


def address_labels_csv(*, entries: Sequence[RosterEntry], shift_jis: bool = False) -> ExportFile:
    """Address labels as Excel opens them: UTF-8 with a BOM, or (`shift_jis`, for Excel and
    label software that read only Shift_JIS) CP932, where a character it lacks (𠮷) becomes 〓
    and is listed in `replaced` (see `labels_beyond_shift_jis`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(LABEL_HEADINGS)
    writer.writerows(_label_row(entry) for entry in entries)
    stem = f"labels-{timezone.localdate():%Y%m%d}"
    return csv_file(
        out.getvalue(), name=f"{stem}_SJIS.csv" if shift_jis else f"{stem}.csv", shift_jis=shift_jis
    )


def labels_beyond_shift_jis(*, entries: Sequence[RosterEntry]) -> list[tuple[RosterEntry, str]]:
    """The entries whose label the Shift_JIS file cannot hold as written, each with what it
    replaces (「𠮷→〓」): HR is told before downloading, to use the UTF-8 file or mend them."""
    found = []
    for entry in entries:
        _text, replaced = cp932_safe("".join(_label_row(entry)))
        if replaced:
            found.append((entry, replacements_text(replaced)))
    return found
