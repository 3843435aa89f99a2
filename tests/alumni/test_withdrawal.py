"""Withdrawal (退会) is remembered: the roster entry is marked, and no invitation or letter
reaches it again unless HR explicitly and audibly undoes it."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from cms.alumni import selectors, services
from cms.alumni.models import Alumnus, AuditLogEntry, Invitation, RosterEntry
from cms.alumni.roster import roster_file_read
from cms.staff_roles import ALUMNI_HR, role_grant
from tests.alumni.factories import AlumnusFactory, RosterEntryFactory
from tests.alumni.test_roster import ROWS, csv_bytes
from tests.fixtures.smtp import SMTPInbox

pytestmark = pytest.mark.django_db


def staff_member(username: str) -> Any:
    """A member of staff who may open the admin, in no role yet."""
    user = get_user_model().objects.create_user(username, password="pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user


@pytest.fixture
def hr(client: Client) -> Client:
    user = staff_member("hr-clerk")
    role_grant(user, ALUMNI_HR)
    client.force_login(user)
    return client


def registered(entry: RosterEntry) -> Alumnus:
    """The person of `entry` registered with an invitation that is now spent."""
    Invitation.objects.create(
        roster_entry=entry, channel="email", delivery="sent", used_at=timezone.now()
    )
    return AlumnusFactory(roster_entry=entry, email=entry.email)


def withdrawn_entry(**fields: Any) -> RosterEntry:
    entry = RosterEntryFactory(**fields)
    services.alumnus_delete(alumnus=registered(entry))
    entry.refresh_from_db()
    return entry


def test_deleting_the_account_marks_the_roster_entry_withdrawn_and_keeps_only_hr_data() -> None:
    entry = RosterEntryFactory(email="hanako@example.jp")
    before = {
        field.name: getattr(entry, field.name)
        for field in RosterEntry._meta.concrete_fields
        if field.name not in {"withdrawn_at", "updated_at"}
    }

    services.alumnus_delete(alumnus=registered(entry))

    entry.refresh_from_db()
    assert entry.withdrawn_at is not None
    assert {name: getattr(entry, name) for name in before} == before
    assert not Alumnus.objects.exists()


def test_send_to_all_skips_a_withdrawn_person_and_mails_the_others(
    hr: Client, smtp: SMTPInbox, django_capture_on_commit_callbacks: Any
) -> None:
    withdrawn_entry(email="gone@example.jp")
    RosterEntryFactory(email="new@example.jp")

    with django_capture_on_commit_callbacks(execute=True):
        hr.post("/admin/alumni/invitations/send/")

    assert [m["To"] for m in smtp.wait_for(1)] == ["new@example.jp"]
    assert len(smtp.wait_for(2, timeout=0.5)) == 1
    assert selectors.roster_entries_to_invite(channel="email").count() == 0


def test_the_invitation_service_never_queues_a_withdrawn_entry() -> None:
    entry = withdrawn_entry()

    assert services.invitation_queue_emails(entries=[entry], actor=None) == []
    assert not Invitation.objects.filter(roster_entry=entry, used_at__isnull=True).exists()


def test_an_invitation_queued_before_the_withdrawal_is_never_sent(smtp: SMTPInbox) -> None:
    entry = RosterEntryFactory()
    queued = Invitation.objects.create(roster_entry=entry, channel="email", delivery="queued")
    RosterEntry.objects.filter(pk=entry.pk).update(withdrawn_at=timezone.now())

    assert services.invitation_email_send(invitation_id=queued.pk) == "queued"
    assert len(smtp.wait_for(1, timeout=0.5)) == 0


def test_withdrawing_retires_any_live_invitation_of_the_entry() -> None:
    entry = RosterEntryFactory()
    alumnus = registered(entry)
    live = Invitation.objects.create(roster_entry=entry, channel="letter", delivery="printed")

    services.alumnus_delete(alumnus=alumnus)

    live.refresh_from_db()
    assert live.retired_at is not None


def test_no_letter_is_issued_for_a_withdrawn_entry() -> None:
    entry = withdrawn_entry(email="")

    assert services.invitation_issue_letters(entries=[entry], actor=None) == []
    assert selectors.roster_entries_to_invite(channel="letter").count() == 0


def test_letters_pdf_for_all_leaves_out_a_withdrawn_entry(hr: Client) -> None:
    withdrawn_entry(email="")

    response = hr.post("/admin/alumni/invitations/letters.pdf", follow=True)

    assert response["Content-Type"].startswith("text/html")
    assert "郵送の対象者がいません。" in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/admin/alumni/invitations/send/", "/admin/alumni/invitations/letters.pdf"]
)
def test_a_per_entry_button_refuses_a_withdrawn_entry_in_japanese(
    hr: Client, smtp: SMTPInbox, url: str, django_capture_on_commit_callbacks: Any
) -> None:
    entry = withdrawn_entry(staff_number="W001", family_name="石巻", given_name="一郎")

    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(url, {"entry": [entry.pk]}, follow=True)

    page = response.content.decode()
    assert "W001 石巻 一郎 さん: 退会されたため、招待メール・郵送の案内" in page
    assert response["Content-Type"].startswith("text/html")
    assert not Invitation.objects.filter(roster_entry=entry, used_at__isnull=True).exists()
    assert len(smtp.wait_for(1, timeout=0.5)) == 0


def test_invitation_screen_shows_withdrawn_entries_and_why(hr: Client) -> None:
    entry = withdrawn_entry(staff_number="W002", family_name="気仙沼", given_name="花子")
    RosterEntryFactory(email="new@example.jp")

    page = hr.get("/admin/alumni/invitations/").content.decode()

    assert "退会済みのため対象外: 1 人" in page
    assert "メール未送信の対象者: 1 人" in page
    assert "W002" in page and "気仙沼 花子" in page and "退会済み" in page
    assert selectors.WITHDRAWN_REASON in page
    assert f"/admin/alumni/invitations/withdrawn/{entry.pk}/undo/" in page
    assert str(entry.pk) in AuditLogEntry.objects.get(target="invitations").record_ids


def test_hr_can_undo_a_withdrawal_explicitly_and_it_is_audited(hr: Client) -> None:
    entry = withdrawn_entry()
    url = f"/admin/alumni/invitations/withdrawn/{entry.pk}/undo/"

    confirm = hr.get(url).content.decode()
    entry.refresh_from_db()
    assert "ご本人から再登録の希望があった場合に限り" in confirm
    assert entry.withdrawn_at is not None

    assert hr.post(url).status_code == 302
    entry.refresh_from_db()
    assert entry.withdrawn_at is None
    assert list(selectors.roster_entries_to_invite(channel="email")) == [entry]
    audit = AuditLogEntry.objects.get(target="roster_withdrawal", action="edit")
    assert audit.actor_username == "hr-clerk" and audit.record_ids == [str(entry.pk)]


def test_undoing_a_withdrawal_needs_the_roster_change_permission(client: Client) -> None:
    entry = withdrawn_entry()
    viewer = staff_member("viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_invitation"))
    client.force_login(viewer)

    response = client.post(f"/admin/alumni/invitations/withdrawn/{entry.pk}/undo/")

    entry.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == "/admin/"  # Wagtail's refusal
    assert entry.withdrawn_at is not None


def test_someone_registered_without_a_code_withdraws_their_roster_entry_by_address() -> None:
    entry = RosterEntryFactory(email="open@example.jp")
    alumnus = AlumnusFactory(email="open@example.jp", channel="open")

    services.alumnus_delete(alumnus=alumnus)

    entry.refresh_from_db()
    assert entry.withdrawn_at is not None


def test_importing_the_roster_again_keeps_the_withdrawal() -> None:
    services.roster_import(
        roster=roster_file_read(filename="r.csv", content=csv_bytes(ROWS, "utf-8"))
    )
    entry = RosterEntry.objects.order_by("staff_number").first()
    assert entry is not None
    services.alumnus_delete(alumnus=registered(entry))

    services.roster_import(
        roster=roster_file_read(filename="r.csv", content=csv_bytes(ROWS, "utf-8"))
    )

    entry.refresh_from_db()
    assert entry.withdrawn_at is not None
