"""HR's admin: roster upload → preview → confirm, lists that write the audit log, dashboard."""

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cms.alumni.models import ROSTER_FIELDS, AuditLogEntry, Invitation, RosterEntry, RosterUpload
from tests.admin.visible_text import visible_texts
from tests.alumni.factories import AlumnusFactory, RosterEntryFactory
from tests.alumni.test_roster import ROWS, csv_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr(client: Client) -> Client:
    user = get_user_model().objects.create_superuser("hr", "hr@example.jp", "pw")
    client.force_login(user)
    return client


def test_roster_upload_previews_then_imports_on_confirm(hr: Client) -> None:
    upload = SimpleUploadedFile("roster.csv", csv_bytes(ROWS, "cp932"))

    preview = hr.post("/admin/alumni/roster-import/", {"file": upload})

    assert "新規 3 件" in preview.content.decode()
    assert RosterEntry.objects.count() == 0
    confirm = hr.post("/admin/alumni/roster-import/", {"confirm": RosterUpload.objects.get().pk})
    assert confirm.status_code == 302
    assert RosterEntry.objects.count() == 3
    assert not RosterUpload.objects.exists()


def test_roster_preview_shows_the_rows_as_read_before_anything_is_stored(hr: Client) -> None:
    # The preview gave only counts (新規 3 件): HR confirmed a CP932 file without seeing how its
    # half-width kana and 和暦 dates were read.
    upload = SimpleUploadedFile("roster.csv", csv_bytes(ROWS, "cp932"))

    text = " ".join(
        visible_texts(hr.post("/admin/alumni/roster-import/", {"file": upload}).content.decode())
    )

    assert "A003 石巻 三郎 イシノマキ さぶろう 平成2年12月24日 令和5年3月31日" in text
    assert "A002 仙台 次郎 せんだい じろう 昭和60年4月1日 令和4年3月31日 — 980-0811" in text
    assert "hanako@example.jp 980-8570 仙台市青葉区本町3-8-1" in text
    assert RosterEntry.objects.count() == 0


def test_roster_upload_with_bad_rows_lists_them_and_offers_no_confirm(hr: Client) -> None:
    upload = SimpleUploadedFile("roster.csv", csv_bytes([ROWS[0], "A9,,,,,,,,,,,"], "utf-8"))

    page = hr.post("/admin/alumni/roster-import/", {"file": upload}).content.decode()

    assert "3 行目" in page and "姓が空です" in page
    assert 'name="confirm"' not in page
    assert not RosterUpload.objects.exists() and not RosterEntry.objects.exists()


def test_roster_upload_with_a_stray_quote_in_a_long_file_is_a_form_error_not_a_500(
    hr: Client,
) -> None:
    rows = [ROWS[0], 'A004,"登米,四郎,とめ,しろう,1980-01-01,,,,,,', *[ROWS[1]] * 2000]
    upload = SimpleUploadedFile("roster.csv", csv_bytes(rows, "cp932"))

    response = hr.post("/admin/alumni/roster-import/", {"file": upload})

    assert response.status_code == 200
    assert "引用符" in response.content.decode()
    assert not RosterUpload.objects.exists() and not RosterEntry.objects.exists()


def test_alumni_list_searches_and_writes_the_audit_log(hr: Client) -> None:
    wanted = AlumnusFactory(family_name="石巻")
    AlumnusFactory(family_name="気仙沼")

    page = hr.get("/admin/alumni_alumnus/", {"q": "石巻"})

    assert page.status_code == 200
    assert "石巻" in page.content.decode() and "気仙沼" not in page.content.decode()
    entry = AuditLogEntry.objects.get(target="alumnus")
    assert entry.actor_username == "hr" and entry.record_ids == [str(wanted.pk)]


def test_letters_pdf_download_issues_codes_and_is_audited(hr: Client) -> None:
    RosterEntryFactory(email="")

    response = hr.post("/admin/alumni/invitations/letters.pdf")

    assert response["Content-Type"] == "application/pdf"
    assert Invitation.objects.filter(channel="letter").count() == 1
    assert AuditLogEntry.objects.filter(action="export", target="letters").exists()


def test_hr_is_told_before_downloading_which_labels_shift_jis_cannot_hold(hr: Client) -> None:
    """The invitations page names the person whose label the Excel (Shift_JIS) file changes;
    that file downloads in CP932 and its audit entry says what it replaced."""
    yoshida = RosterEntryFactory(email="", family_name="𠮷田", given_name="花子")
    RosterEntryFactory(email="", family_name="髙橋", given_name="一郎")
    hr.post("/admin/alumni/invitations/letters.pdf")

    page = hr.get("/admin/alumni/invitations/").content.decode()
    response = hr.get("/admin/alumni/invitations/labels-sjis.csv")

    warning = " ".join(
        visible_texts(page.split("data-labels-beyond-sjis", 1)[1].split("</div>")[0])
    )
    assert f"{yoshida.staff_number} 𠮷田 花子 さん（𠮷→〓）" in warning
    assert "髙橋" not in warning
    assert response["Content-Type"] == "text/csv; charset=Shift_JIS"
    assert response["Content-Disposition"].endswith('_SJIS.csv"')
    assert "〓田 花子 様" in response.content.decode("cp932")
    entry = AuditLogEntry.objects.get(action="export", target="labels")
    assert entry.detail == "置き換えた文字: 𠮷→〓"
    assert len(entry.record_ids) == 2


def test_send_invitations_from_the_admin_queues_and_sends(
    hr: Client, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    RosterEntryFactory(email="a@example.jp")

    with django_capture_on_commit_callbacks(execute=True):
        hr.post("/admin/alumni/invitations/send/")

    assert len(smtp.wait_for(1)) == 1
    assert "送信済み" in hr.get("/admin/alumni/invitations/").content.decode()


def test_dashboard_shows_registrations_against_the_target(hr: Client) -> None:
    AlumnusFactory()

    page = hr.get("/admin/").content.decode()

    assert "登録者 <strong>1</strong> 人" in page and "目標 50 人" in page


def test_audit_log_cannot_be_edited_by_staff(hr: Client) -> None:
    editor = get_user_model().objects.create_user("editor", password="pw", is_staff=True)

    assert not editor.has_perm("alumni.change_auditlogentry")
    assert hr.get("/admin/alumni/audit-log/").status_code == 200
    assert hr.post("/admin/alumni/audit-log/").status_code in {200, 405}


def test_opening_and_saving_an_alumnus_in_the_admin_is_audited(hr: Client) -> None:
    alumnus = AlumnusFactory(family_name="石巻")
    url = f"/admin/alumni_alumnus/edit/{alumnus.pk}/"

    shown = hr.get(url)
    saved = hr.post(
        url,
        {
            "family_name": "石巻",
            "given_name": "次郎",
            "family_name_kana": "いしのまき",
            "given_name_kana": "じろう",
            "status": "active",
        },
    )

    assert shown.status_code == 200 and saved.status_code == 302
    assert list(
        AuditLogEntry.objects.filter(target="alumnus")
        .order_by("at", "pk")
        .values_list("action", "record_ids")
    ) == [("view", [str(alumnus.pk)]), ("edit", [str(alumnus.pk)])]


def test_opening_a_roster_entry_in_the_admin_is_audited(hr: Client) -> None:
    entry = RosterEntryFactory()

    assert hr.get(f"/admin/alumni_roster/edit/{entry.pk}/").status_code == 200
    assert AuditLogEntry.objects.get(target="rosterentry").record_ids == [str(entry.pk)]


def _roster_form(entry: RosterEntry, **changed: str) -> dict[str, str]:
    """What HR's edit form of `entry` posts, with `changed` typed over it."""
    fields = {
        name: "" if getattr(entry, name) is None else str(getattr(entry, name))
        for name in ROSTER_FIELDS
        if name != "staff_number"
    }
    return fields | changed


def test_an_address_too_long_for_the_letters_window_is_refused_by_hrs_edit_form(
    hr: Client,
) -> None:
    entry = RosterEntryFactory(address="宮城県仙台市青葉区本町三丁目8番1号")
    too_long = (
        "宮城県仙台市青葉区本町三丁目8番1号 " + "ロイヤルガーデンレジデンス仙台青葉通り壱番館" * 4
    )

    response = hr.post(
        f"/admin/alumni_roster/edit/{entry.pk}/", _roster_form(entry, address=too_long)
    )

    # Next to the field, in Japanese, and nothing saved: the letter would have cut it.
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "address": ["長すぎて案内状の宛名の窓に収まりません（全角で約 80 文字まで）"]
    }
    entry.refresh_from_db()
    assert entry.address == "宮城県仙台市青葉区本町三丁目8番1号"


def test_hrs_edit_form_keeps_a_value_as_the_roster_import_would(hr: Client) -> None:
    entry = RosterEntryFactory(postal_code="980-8570")

    response = hr.post(
        f"/admin/alumni_roster/edit/{entry.pk}/",
        _roster_form(entry, postal_code="９８１０００１", address="宮城県仙台市泉区泉中央１－１"),
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.postal_code == "981-0001"
    assert entry.address.startswith("宮城県仙台市泉区泉中央")


def test_hrs_edit_form_takes_a_date_in_the_japanese_era_as_the_import_does(hr: Client) -> None:
    entry = RosterEntryFactory()

    response = hr.post(
        f"/admin/alumni_roster/edit/{entry.pk}/",
        _roster_form(entry, birth_date="昭和63年5月12日", retired_on="R8.3.31"),
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.birth_date == dt.date(1988, 5, 12)
    assert entry.retired_on == dt.date(2026, 3, 31)


def test_hrs_edit_form_refuses_a_date_it_cannot_read_beside_the_field(hr: Client) -> None:
    entry = RosterEntryFactory()
    before = entry.birth_date

    response = hr.post(
        f"/admin/alumni_roster/edit/{entry.pk}/", _roster_form(entry, birth_date="昭和99年")
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["birth_date"]
    entry.refresh_from_db()
    assert entry.birth_date == before
