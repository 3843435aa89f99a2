"""Staff sign-in (#18 finding 4): /admin/login/ is throttled and locks an account out after a
day's failures; staff who can see personal data give a second factor (TOTP); Django's own admin
is not mounted."""

import base64
import io
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from cms.staff_roles import ALUMNI_HR, CHAT_HR, DELIVERY_HR, role_grant
from tests.fixtures.staff_otp import totp_code

pytestmark = pytest.mark.django_db

LOCKED = "ログインの失敗が続いたため"


@pytest.fixture
def hr() -> Any:
    return get_user_model().objects.create_superuser("hr", "hr@example.jp", "pw-hr-123")


def sign_in(password: str, ip: str, client: Client | None = None) -> Any:
    client = client or Client()
    return client.post("/admin/login/", {"username": "hr", "password": password}, REMOTE_ADDR=ip)


def signed_in(response: Any) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


def test_five_wrong_passwords_from_one_network_stop_that_network(hr: Any) -> None:
    wrong = [sign_in("guess", "2001:db8:5::1") for _ in range(5)]
    locked = sign_in("pw-hr-123", "2001:db8:5::99")  # the same /64
    elsewhere = sign_in("pw-hr-123", "192.0.2.10")

    assert all(r.status_code == 200 and LOCKED not in r.content.decode() for r in wrong)
    assert locked.status_code == 200
    assert LOCKED in locked.content.decode()
    assert "_auth_user_id" not in locked.client.session
    assert signed_in(elsewhere)


def test_a_days_failures_lock_the_account_out_everywhere(hr: Any, settings: Any) -> None:
    settings.STAFF_LOGIN_FAILURES_PER_DAY = 4
    for n in range(4):
        sign_in("guess", f"2001:db8:{n + 1}::1")

    locked = sign_in("pw-hr-123", "192.0.2.10")

    assert LOCKED in locked.content.decode()
    assert "_auth_user_id" not in locked.client.session


def test_django_admin_is_not_mounted(hr: Any) -> None:
    client = Client()
    client.force_login(hr)

    assert client.get("/django-admin/").status_code == 404


def _code_from(page: str) -> str:
    found = re.search(r'id="totp-secret">([A-Z2-7=]+)<', page)
    assert found is not None
    return totp_code(base64.b32decode(found.group(1)))


def _pause_over(device: TOTPDevice) -> None:
    """django-otp pauses a device after a wrong code (1 s, doubling): that pause is over."""
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()


def test_hr_staff_enrol_an_authenticator_app_and_then_give_its_code(hr: Any) -> None:
    client = Client()
    assert sign_in("pw-hr-123", "192.0.2.1", client).status_code == 302

    to_enrol = client.get("/admin/alumni/approvals/")
    enrol = client.get(to_enrol["Location"])
    wrong = client.post(to_enrol["Location"], {"token": "000000"})
    _pause_over(TOTPDevice.objects.get(user=hr))
    done = client.post(to_enrol["Location"], {"token": _code_from(enrol.content.decode())})

    assert to_enrol.status_code == 302
    assert to_enrol["Location"].startswith("/admin/2fa/enrol/?next=/admin/alumni/approvals/")
    assert "<svg" in enrol.content.decode()  # the QR code for the app
    assert "確認コードが正しくありません" in wrong.content.decode()
    assert done.status_code == 302 and done["Location"] == "/admin/alumni/approvals/"
    assert client.get("/admin/alumni/approvals/").status_code == 200

    # The next sign-in asks for the app's code before any screen.
    later = Client()
    sign_in("pw-hr-123", "192.0.2.1", later)
    to_verify = later.get("/admin/")
    device = TOTPDevice.objects.get(user=hr, confirmed=True)
    refused = later.post("/admin/2fa/verify/", {"token": "000000", "next": "/admin/"})
    assert later.get("/admin/").status_code == 302
    _pause_over(device)
    code = totp_code(device.bin_key, drift=device.drift, after=device.last_t)
    verified = later.post("/admin/2fa/verify/", {"token": code, "next": "/admin/"})

    assert to_verify["Location"].startswith("/admin/2fa/verify/")
    assert "確認コードが正しくありません" in refused.content.decode()
    assert verified.status_code == 302
    assert later.get("/admin/").status_code == 200


@pytest.mark.parametrize("role", [ALUMNI_HR, DELIVERY_HR, CHAT_HR])
def test_every_hr_role_needs_the_second_factor(role: str) -> None:
    user = get_user_model().objects.create_user("clerk", password="pw-clerk-123", is_staff=True)
    role_grant(user, role)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client = Client()
    client.post("/admin/login/", {"username": "clerk", "password": "pw-clerk-123"})

    assert client.get("/admin/")["Location"].startswith("/admin/2fa/enrol/")


def test_an_editor_without_personal_data_signs_in_with_the_password_alone() -> None:
    user = get_user_model().objects.create_user("editor", password="pw-editor-123")
    user.groups.add(Group.objects.get(name="Editors"))
    client = Client()
    client.post("/admin/login/", {"username": "editor", "password": "pw-editor-123"})

    assert client.get("/admin/").status_code == 200


def test_the_demo_accounts_sign_in_with_the_code_demo_totp_prints() -> None:
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo_alumni", stdout=io.StringIO())
    call_command("demo_totp", "--enrol", stdout=io.StringIO())
    printed = io.StringIO()
    call_command("demo_totp", stdout=printed)
    found = re.search(r"hr-editor: 確認コード (\d{6})", printed.getvalue())
    assert found is not None
    client = Client()

    client.post("/admin/login/", {"username": "hr-editor", "password": "demo-editor-2026"})
    verified = client.post("/admin/2fa/verify/", {"token": found.group(1), "next": "/admin/"})

    assert verified.status_code == 302
    assert client.get("/admin/").status_code == 200
