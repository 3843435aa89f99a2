"""HR's admin actions with ids that are no ids (a tampered form): a 404, never a 500."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from cms.alumni.models import Alumnus, AlumnusStatus, Invitation

pytestmark = pytest.mark.django_db
NOT_IDS = ["abc", str(2**70), ""]


@pytest.fixture
def hr(client: Client) -> Client:
    user = get_user_model().objects.create_superuser("hr", "hr@example.jp", "pw")
    client.force_login(user)
    return client


@pytest.mark.parametrize("value", NOT_IDS)
def test_roster_confirm_with_a_bad_upload_id_is_404(hr: Client, value: str) -> None:
    assert hr.post("/admin/alumni/roster-import/", {"confirm": value}).status_code == 404


@pytest.mark.parametrize("value", NOT_IDS)
@pytest.mark.parametrize(
    "url", ["/admin/alumni/invitations/send/", "/admin/alumni/invitations/letters.pdf"]
)
def test_invitations_for_bad_entry_ids_are_404_and_send_nothing(
    hr: Client, url: str, value: str
) -> None:
    response = hr.post(url, {"entry": ["1", value]})

    assert response.status_code == 404
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("value", NOT_IDS)
def test_approving_a_bad_alumnus_id_is_404(hr: Client, value: str) -> None:
    response = hr.post("/admin/alumni/approvals/", {"alumnus": value})

    assert response.status_code == 404
    assert not Alumnus.objects.filter(status=AlumnusStatus.ACTIVE).exists()


def test_a_missing_alumnus_id_is_404(hr: Client, settings: Any) -> None:
    assert hr.post("/admin/alumni/approvals/", {}).status_code == 404


BEYOND_64_BITS = str(2**70)
# The admin's own routes with an id in the path (cms/alumni/wagtail_hooks.py): the invitations'
# resend and the withdrawal's undo, and the alumni and roster viewsets' screens.
ID_ROUTES = [
    ("post", "/admin/alumni/invitations/{}/resend/"),
    ("get", "/admin/alumni/invitations/withdrawn/{}/undo/"),
    ("post", "/admin/alumni/invitations/withdrawn/{}/undo/"),
    ("get", "/admin/alumni_alumnus/edit/{}/"),
    ("get", "/admin/alumni_alumnus/history/{}/"),
    ("get", "/admin/alumni_alumnus/delete/{}/"),
    ("get", "/admin/alumni_roster/edit/{}/"),
    ("get", "/admin/alumni_roster/delete/{}/"),
    ("get", "/admin/alumni_roster/history/{}/"),
]


@pytest.mark.parametrize("value", [BEYOND_64_BITS, "9" * 19, "abc", "-1", "1e3"])
@pytest.mark.parametrize(("method", "route"), ID_ROUTES)
def test_an_admin_route_with_no_id_in_its_path_is_404(
    hr: Client, method: str, route: str, value: str
) -> None:
    response = getattr(hr, method)(route.format(value))

    assert response.status_code == 404


@pytest.mark.parametrize(("method", "route"), ID_ROUTES)
def test_the_largest_id_of_an_admin_route_is_an_unknown_record(
    hr: Client, method: str, route: str
) -> None:
    assert getattr(hr, method)(route.format("9" * 18)).status_code == 404
