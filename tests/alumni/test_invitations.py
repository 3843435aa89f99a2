"""Invitations: codes, email through a real SMTP server, letters read back with pypdf and zxing."""

import csv
import io
import re
from typing import Any

import pytest
import zxingcpp
from fontTools.ttLib import TTFont
from PIL import Image
from pypdf import PdfReader

from cms.alumni import codes, services
from cms.alumni.letters import address_labels_csv, labels_beyond_shift_jis, letters_pdf
from cms.alumni.models import Invitation, LetterPrint
from cms.alumni.selectors import invitation_find_usable
from cms.alumni.tasks import invitation_emails_send
from tests.alumni.factories import RosterEntryFactory
from tests.fixtures.smtp import SMTPInbox, html_body, text_body

pytestmark = pytest.mark.django_db
CODE = re.compile(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}")


def test_invitation_code_is_four_readable_groups_without_look_alikes() -> None:
    code = codes.invitation_code_new()

    assert re.fullmatch(r"([A-Z0-9]{4}-){3}[A-Z0-9]{4}", code)
    assert not set(code) & set("0O1IL5S2Z8BUV")
    assert codes.invitation_code_hash(code.lower().replace("-", " ")) == codes.invitation_code_hash(
        code
    )


def test_email_invitations_arrive_in_japanese_with_link_and_code(
    smtp: SMTPInbox, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    entry = RosterEntryFactory(email="hanako@example.jp", family_name="宮城", given_name="花子")

    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_queue_emails(entries=[entry], actor=None)

    [message] = smtp.wait_for(1)
    assert "ご登録のご案内" in message["Subject"]
    body = text_body(message)
    assert "宮城 花子 様" in body
    code = CODE.search(body)
    assert code is not None
    assert f"{settings.PWA_BASE_URL}/app/register/#code={code.group(0)}" in body
    assert code.group(0) in html_body(message)
    invitation = Invitation.objects.get(roster_entry=entry)
    assert invitation.delivery == "sent"
    assert invitation.code_hash == codes.invitation_code_hash(code.group(0))
    assert code.group(0) not in str(Invitation.objects.values().get())


def test_rerunning_the_send_task_never_sends_an_invitation_twice(
    smtp: SMTPInbox, django_capture_on_commit_callbacks: Any
) -> None:
    entries = [RosterEntryFactory(), RosterEntryFactory()]
    with django_capture_on_commit_callbacks(execute=True):
        ids = services.invitation_queue_emails(entries=entries, actor=None)
    smtp.wait_for(2)

    with django_capture_on_commit_callbacks(execute=True):
        invitation_emails_send.enqueue(invitation_ids=ids)
        services.invitation_queue_emails(entries=entries, actor=None)

    assert len(smtp.wait_for(3, timeout=0.5)) == 2


def test_a_failed_send_is_recorded_for_hr(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MAIL_MAX_ATTEMPTS = 1
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    entry = RosterEntryFactory()

    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_queue_emails(entries=[entry], actor=None)

    invitation = Invitation.objects.get(roster_entry=entry)
    assert invitation.delivery == "failed"
    assert invitation.delivery_error
    assert invitation.code_hash is None


def _qr_texts(page: Any) -> list[str]:
    texts = []
    for image in page.images:
        picture = Image.open(io.BytesIO(image.data))
        texts += [result.text for result in zxingcpp.read_barcodes(picture)]
    return texts


def test_letters_pdf_holds_each_name_code_and_a_qr_of_the_registration_url(settings: Any) -> None:
    people = [
        RosterEntryFactory(email="", family_name="宮城", given_name="花子"),
        RosterEntryFactory(email="", family_name="仙台", given_name="次郎"),
    ]
    letters = services.invitation_issue_letters(entries=people, actor=None)

    reader = PdfReader(io.BytesIO(letters_pdf(letters=letters)))

    assert len(reader.pages) == 2
    for page, (entry, code) in zip(reader.pages, letters, strict=True):
        text = page.extract_text()
        assert f"{entry.family_name} {entry.given_name} 様" in text
        assert code in text
        assert _qr_texts(page) == [f"{settings.PWA_BASE_URL}/app/register/#code={code}"]
    fonts = str(reader.pages[0]["/Resources"]["/Font"].get_object())
    assert (
        "IPAexGothic"
        in str(
            [f.get_object()["/BaseFont"] for f in reader.pages[0]["/Resources"]["/Font"].values()]
        )
        or "IPAex" in fonts
    )
    assert LetterPrint.objects.count() == 2


def test_reissuing_a_letter_retires_the_old_code_and_records_each_print() -> None:
    entry = RosterEntryFactory(email="")
    [(_, first)] = services.invitation_issue_letters(entries=[entry], actor=None)
    [(_, second)] = services.invitation_issue_letters(entries=[entry], actor=None)

    assert first != second
    assert invitation_find_usable(code_hash=codes.invitation_code_hash(first)) is None
    assert invitation_find_usable(code_hash=codes.invitation_code_hash(second)) is not None
    assert LetterPrint.objects.filter(invitation__roster_entry=entry).count() == 2


def test_address_labels_csv_opens_in_excel_with_postal_code_address_and_name() -> None:
    entry = RosterEntryFactory(
        email="", family_name="宮城", given_name="花子", postal_code="980-8570"
    )

    labels = address_labels_csv(entries=[entry])

    assert labels.content.startswith("\ufeff".encode())
    assert labels.content_type == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(labels.content.decode("utf-8-sig"))))
    assert rows[1][:3] == ["〒980-8570", entry.address, "宮城 花子 様"]


def test_an_address_label_excel_would_run_as_a_formula_stays_text() -> None:
    entry = RosterEntryFactory(email="", address='=HYPERLINK("http://example.com")')

    labels = address_labels_csv(entries=[entry], shift_jis=True)

    rows = list(csv.reader(io.StringIO(labels.content.decode("cp932"))))
    assert rows[1][1] == '\'=HYPERLINK("http://example.com")'


def test_address_labels_for_excel_are_shift_jis_and_name_what_it_cannot_hold() -> None:
    """髙 is in Shift_JIS (CP932) and stays; 𠮷 is not: it becomes 〓, said in `replaced` and
    by `labels_beyond_shift_jis` for that one person, and the UTF-8 file keeps it."""
    takahashi = RosterEntryFactory(email="", family_name="髙橋", given_name="一郎")
    yoshida = RosterEntryFactory(email="", family_name="𠮷田", given_name="花子")

    sjis = address_labels_csv(entries=[takahashi, yoshida], shift_jis=True)
    utf8 = address_labels_csv(entries=[takahashi, yoshida])

    assert sjis.content_type == "text/csv; charset=Shift_JIS"
    assert sjis.filename.endswith("_SJIS.csv")
    rows = list(csv.reader(io.StringIO(sjis.content.decode("cp932"))))
    assert rows[0] == ["郵便番号", "住所", "氏名", "職員番号"]
    assert [row[2] for row in rows[1:]] == ["髙橋 一郎 様", "〓田 花子 様"]
    assert sjis.replaced == {"𠮷": "〓"}
    assert labels_beyond_shift_jis(entries=[takahashi, yoshida]) == [(yoshida, "𠮷→〓")]
    assert "𠮷田 花子 様" in utf8.content.decode("utf-8-sig")


def _text_sizes(page: Any) -> list[tuple[str, float]]:
    """Each piece of text on the page with the font size it is drawn at."""
    pieces: list[tuple[str, float]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if text.strip():
            pieces.append((text.strip(), float(size)))

    page.extract_text(visitor_text=visit)
    return pieces


def test_letters_are_readable_and_give_hr_phone_number_for_people_without_a_smartphone(
    settings: Any,
) -> None:
    from cms.content.models import ContactSettings

    contact = ContactSettings.load()
    contact.department = "総務部 人事課"
    contact.phone = "022-211-2222"
    contact.hours = "平日 8時30分〜17時15分"
    contact.save()
    [(entry, code)] = services.invitation_issue_letters(
        entries=[RosterEntryFactory(email="")], actor=None
    )

    page = PdfReader(io.BytesIO(letters_pdf(letters=[(entry, code)]))).pages[0]
    pieces = _text_sizes(page)

    assert min(size for _, size in pieces) >= 10.5
    url = f"{settings.PWA_BASE_URL}/app/register/#code={code}"
    sizes = dict(pieces)
    assert sizes[url] >= 10 and sizes[code] >= 10
    assert next(size for text, size in pieces if "退職された職員の皆さま" in text) >= 10.5
    text = page.extract_text()
    assert "022-211-2222" in text and "スマートフォンやパソコンをお持ちでない方" in text
    assert "平日 8時30分〜17時15分" in text and "総務部 人事課" in text


LONG_ADDRESS = (
    "宮城県仙台市青葉区本町三丁目8番1号 宮城県庁舎東棟ハイツ・ロイヤルガーデンレジデンス"
    "仙台青葉通り壱番館 1203号室 株式会社ほにゃらら気付 山田様方"
)


def test_a_long_address_is_printed_whole_in_the_window_not_cut_after_three_lines() -> None:
    entry = RosterEntryFactory(email="", address=LONG_ADDRESS)
    letters = services.invitation_issue_letters(entries=[entry], actor=None)

    page = PdfReader(io.BytesIO(letters_pdf(letters=letters))).pages[0]

    assert "山田様方" in page.extract_text()  # the 気付/様方 the postman delivers by
    assert min(size for _, size in _text_sizes(page)) >= 10.5


def _glyphs_drawn_for(page: Any, char: str) -> list[tuple[str, int, bool]]:
    """Each embedded font of `page` that has a code for `char` (read from its ToUnicode map):
    its name, the number of contours of the glyph at that code in the embedded font file, and
    whether that glyph is the font's .notdef (the blank or box of a missing character)."""
    wanted = {f"{ord(char):04X}", char.encode("utf-16-be").hex().upper()}
    found: list[tuple[str, int, bool]] = []
    for ref in page["/Resources"]["/Font"].values():
        font = ref.get_object()
        if "/ToUnicode" not in font:
            continue
        to_unicode = font["/ToUnicode"].get_object().get_data().decode("latin-1")
        codes = [
            int(code, 16)
            for code, text in re.findall(r"<([0-9A-F]{2})> <([0-9A-F]+)>", to_unicode)
            if text in wanted
        ]
        if not codes:
            continue
        file = font["/FontDescriptor"].get_object()["/FontFile2"].get_object().get_data()
        embedded = TTFont(io.BytesIO(file))
        glyphs = embedded["glyf"]
        notdef = glyphs[".notdef"].getCoordinates(glyphs)[0]
        for code in codes:
            glyph = glyphs[embedded["cmap"].getcmap(1, 0).cmap[code]]
            coordinates = glyph.getCoordinates(glyphs)[0] if glyph.numberOfContours else []
            found.append((str(font["/BaseFont"]), glyph.numberOfContours, coordinates == notdef))
    return found


def test_tsuchiyoshi_in_a_name_and_an_address_is_printed_from_an_embedded_font_not_left_blank() -> (
    None
):
    entry = RosterEntryFactory(
        email="",
        family_name="𠮷田",
        given_name="花子",
        address="宮城県仙台市青葉区𠮷成一丁目1番1号",
    )
    letters = services.invitation_issue_letters(entries=[entry], actor=None)

    page = PdfReader(io.BytesIO(letters_pdf(letters=letters))).pages[0]

    # IPAex Gothic has no 𠮷: it comes from IPAmj Mincho, embedded, a real outline.
    [(font, contours, is_notdef)] = _glyphs_drawn_for(page, "\U00020bb7")
    assert font.endswith("+IPAmjMincho") and contours > 0 and not is_notdef
    assert _glyphs_drawn_for(page, "田")[0][0].endswith("+IPAexGothic")  # the rest as before
