"""Which admin screens each of HR's roles opens: a role-by-screen matrix, with accounts made as
the demo and a real installation make them (Wagtail's groups and cms.staff_roles, no is_staff)."""

import io
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

from cms.staff_roles import (
    ALUMNI_HR,
    CHAT_HR,
    DELIVERY_HR,
    PAGE_EDITORS,
    PAGE_PUBLISHERS,
    role_grant,
)
from tests.groups.chat.factories import CommunityGroupFactory

pytestmark = pytest.mark.django_db

# Screen → the role that opens it (Wagtail's 編集者 alone opens none of them).
SCREENS = {
    "/admin/chat/reports/": CHAT_HR,
    "/admin/chat/log/": CHAT_HR,
    "/admin/snippets/chat/communitygroup/": CHAT_HR,
    "/admin/delivery-monitor/": DELIVERY_HR,
    "/admin/snippets/groups/audiencegroup/": DELIVERY_HR,
    "/admin/alumni/audit-log/": ALUMNI_HR,
    "/admin/alumni/invitations/": ALUMNI_HR,
    "/admin/alumni/approvals/": ALUMNI_HR,
    "/admin/alumni/roster-import/": ALUMNI_HR,
    "/admin/alumni_alumnus/": ALUMNI_HR,
    "/admin/alumni_roster/": ALUMNI_HR,
    "/admin/comeback/": ALUMNI_HR,
    "/admin/comeback/outcomes/import/": ALUMNI_HR,
    "/admin/comeback/models/": ALUMNI_HR,
    "/admin/comeback_season/": ALUMNI_HR,
}
ROLES = (None, ALUMNI_HR, DELIVERY_HR, CHAT_HR)


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _opens(client: Client, url: str) -> bool:
    status = client.get(url).status_code
    assert status in {200, 302, 403}, (url, status)
    return status == 200


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role or "editor-only")
def test_each_role_opens_its_screens_and_no_other(role: str | None, django_user_model: Any) -> None:
    user = django_user_model.objects.create_user("staff-member", is_staff=False)
    user.groups.add(Group.objects.get(name=PAGE_EDITORS))
    if role:
        role_grant(user, role)
    client = _signed_in(user)

    opened = {url: _opens(client, url) for url in SCREENS}

    assert opened == {url: needed == role for url, needed in SCREENS.items()}


def test_a_staff_moderator_of_a_group_opens_the_queue_and_the_log(django_user_model: Any) -> None:
    user = django_user_model.objects.create_user("group-moderator", is_staff=False)
    user.groups.add(Group.objects.get(name=PAGE_PUBLISHERS))
    CommunityGroupFactory().staff_moderators.add(user)
    client = _signed_in(user)
    assert _opens(client, "/admin/chat/reports/") and _opens(client, "/admin/chat/log/")


def test_the_demo_accounts_open_the_moderation_screens() -> None:
    for command in ("load_demo", "load_demo_chat"):
        call_command(command, stdout=io.StringIO())
    from django.contrib.auth import get_user_model

    for username in ("hr-editor", "moderator"):
        client = _signed_in(get_user_model().objects.get(username=username))
        assert _opens(client, "/admin/chat/reports/"), username
        assert _opens(client, "/admin/chat/log/"), username
