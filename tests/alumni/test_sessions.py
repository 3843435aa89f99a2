"""Sessions: alumni stay signed in for months (sliding, renewed on use); staff sessions stay
short; 「すべての端末からログアウト」 ends every session of the person."""

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.alumni.factories import AlumnusFactory
from tests.alumni.test_api import sign_in
from tests.fixtures.smtp import SMTPInbox

pytestmark = pytest.mark.django_db
DAY = 24 * 60 * 60


def days_left(client: Client | APIClient) -> float:
    session = Session.objects.get(session_key=client.cookies["sessionid"].value)
    return (session.expire_date - timezone.now()).total_seconds() / DAY


@pytest.fixture
def alumnus_client(
    smtp: SMTPInbox, django_capture_on_commit_callbacks: Any
) -> tuple[APIClient, dict[str, Any]]:
    AlumnusFactory(email="taro@example.jp")
    client = APIClient(enforce_csrf_checks=True)
    session = sign_in(client, smtp, "taro@example.jp", django_capture_on_commit_callbacks)
    return client, session


def test_an_alumni_session_lasts_180_days_from_sign_in(
    alumnus_client: tuple[APIClient, dict[str, Any]],
) -> None:
    client, _ = alumnus_client

    assert 179.9 < days_left(client) <= 180
    assert 179.9 * DAY < int(client.cookies["sessionid"]["max-age"]) <= 180 * DAY


def test_the_alumni_session_period_is_a_setting(
    settings: Any, smtp: SMTPInbox, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ALUMNI_SESSION_DAYS = 30
    AlumnusFactory(email="taro@example.jp")
    client = APIClient()

    sign_in(client, smtp, "taro@example.jp", django_capture_on_commit_callbacks)

    assert 29.9 < days_left(client) <= 30
    assert client.get("/api/v1/auth/session").json()["session_days"] == 30  # マイページ says so


def test_using_the_app_renews_a_session_once_a_day_has_passed(
    alumnus_client: tuple[APIClient, dict[str, Any]],
) -> None:
    client, _ = alumnus_client
    store = SessionStore(session_key=client.cookies["sessionid"].value)
    store.set_expiry(timezone.now() + dt.timedelta(days=150))  # a month after the last visit
    store.save()
    assert days_left(client) < 151

    response = client.get("/api/v1/me")

    assert response.status_code == 200
    assert 179.9 < days_left(client) <= 180
    assert int(response.cookies["sessionid"]["max-age"]) > 179 * DAY


def test_a_fresh_session_is_not_written_again_on_every_request(
    alumnus_client: tuple[APIClient, dict[str, Any]],
) -> None:
    client, _ = alumnus_client
    store = SessionStore(session_key=client.cookies["sessionid"].value)
    store.set_expiry(timezone.now() + dt.timedelta(days=179, hours=12))
    store.save()

    response = client.get("/api/v1/me")

    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert days_left(client) < 179.6


def test_staff_sessions_stay_short_and_are_not_renewed(client: Client, settings: Any) -> None:
    get_user_model().objects.create_superuser("hr", "hr@example.jp", "pw-hr-123")

    response = client.post("/admin/login/", {"username": "hr", "password": "pw-hr-123"})

    assert response.status_code == 302
    assert settings.STAFF_SESSION_HOURS == 8
    assert client.cookies["sessionid"]["max-age"] == ""  # ends with the browser
    assert days_left(client) * 24 <= 8
    client.get("/admin/")
    assert days_left(client) * 24 <= 8


def test_staff_who_ask_to_stay_signed_in_get_eight_hours_not_months(client: Client) -> None:
    get_user_model().objects.create_superuser("hr", "hr@example.jp", "pw-hr-123")

    client.post("/admin/login/", {"username": "hr", "password": "pw-hr-123", "remember": "on"})

    assert int(client.cookies["sessionid"]["max-age"]) == 8 * 60 * 60
    assert days_left(client) * 24 <= 8


def test_sign_out_everywhere_ends_every_session_of_the_person_only(
    smtp: SMTPInbox, django_capture_on_commit_callbacks: Any
) -> None:
    taro = AlumnusFactory(email="taro@example.jp")
    phone, laptop, neighbour = APIClient(), APIClient(), APIClient()
    session = sign_in(phone, smtp, "taro@example.jp", django_capture_on_commit_callbacks)
    laptop.force_login(taro.user)
    neighbour.force_login(AlumnusFactory().user)

    response = phone.delete("/api/v1/auth/sessions", HTTP_X_CSRFTOKEN=session["csrf_token"])

    assert response.status_code == 200
    assert response.json()["ended"] == 2
    assert response.json()["detail"].startswith("すべての端末からログアウトしました")
    assert phone.get("/api/v1/me").status_code == 401
    assert laptop.get("/api/v1/me").status_code == 401
    assert neighbour.get("/api/v1/me").status_code == 200


def test_sign_out_everywhere_needs_a_signed_in_alumnus_and_the_csrf_token(
    alumnus_client: tuple[APIClient, dict[str, Any]],
) -> None:
    client, _ = alumnus_client

    assert client.delete("/api/v1/auth/sessions").status_code == 403
    assert client.get("/api/v1/me").status_code == 200
    anonymous = APIClient().delete("/api/v1/auth/sessions")
    assert anonymous.status_code == 401 and anonymous.json()["detail"]
