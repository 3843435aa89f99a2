"""Staff sign-in (#18 finding 4): /admin/login/ is throttled and locks an account out after a
day's failures; Django's own admin is not mounted."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

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
