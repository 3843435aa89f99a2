"""The demo walk-through: the demo roster, HR's permissions, and the DEBUG-only mailbox."""

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

from cms.alumni import services
from cms.alumni.models import RosterEntry
from cms.staff_roles import PAGE_EDITORS
from tests.alumni.factories import RosterEntryFactory

pytestmark = pytest.mark.django_db


def load_demo_alumni() -> str:
    from io import StringIO

    out = StringIO()
    call_command("load_demo_alumni", stdout=out)
    return out.getvalue()


def test_demo_roster_is_imported_once_and_explains_how_to_invite() -> None:
    first = load_demo_alumni()
    again = load_demo_alumni()

    assert "新規 5 件" in first and "変更なし 5 件" in again
    assert RosterEntry.objects.count() == 5
    assert RosterEntry.objects.filter(email="").count() == 1
    assert all(e.email.endswith("@example.jp") for e in RosterEntry.objects.exclude(email=""))
    assert "/admin/alumni/invitations/" in again and "/admin/dev/mail/" in again
    assert "1988-05-12" in again  # the birth date the presenter registers with


def test_the_demo_hr_editor_may_send_invitations(client: Client) -> None:
    editor = get_user_model().objects.create_user("hr-editor", password="pw")
    editor.groups.add(Group.objects.get(name=PAGE_EDITORS))
    load_demo_alumni()
    client.force_login(editor)

    assert client.get("/admin/alumni/invitations/").status_code == 200
    assert client.post("/admin/alumni/invitations/send/").status_code == 302
    assert editor.has_perm("alumni.add_invitation")


@pytest.fixture
def staff_client(client: Client) -> Client:
    client.force_login(get_user_model().objects.create_superuser("hr", "hr@example.jp", "pw"))
    return client


@pytest.fixture
def file_mail(settings: Any, tmp_path: Path) -> Path:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }
    return tmp_path


def test_demo_mailbox_shows_the_invitation_decoded_with_its_link(
    staff_client: Client, file_mail: Path, settings: Any
) -> None:
    settings.DEBUG = True
    entry = RosterEntryFactory(email="sakura@example.jp", family_name="青葉", given_name="さくら")
    [invitation_id] = services.invitation_queue_emails(entries=[entry], actor=None)
    services.invitation_email_send(invitation_id=invitation_id)
    assert list(file_mail.glob("*.log"))

    page = staff_client.get("/admin/dev/mail/").content.decode()

    assert "【宮城県 アルムナイネットワーク】ご登録のご案内" in page
    assert "sakura@example.jp" in page and "青葉 さくら 様" in page
    assert f'href="{settings.PWA_BASE_URL}/app/register/#code=' in page


def test_demo_mailbox_is_not_found_without_debug(
    staff_client: Client, file_mail: Path, settings: Any
) -> None:
    settings.DEBUG = False

    response = staff_client.get("/admin/dev/mail/")

    assert response.status_code == 404
