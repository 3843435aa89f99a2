"""Limits of the alumni API: email changes per alumnus, client address behind proxies, CORS."""

import runpy
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import override_settings
from rest_framework.test import APIClient

from cms.alumni.models import Alumnus, OneTimeCode
from tests.alumni.factories import AlumnusFactory
from tests.alumni.test_api import sign_in
from tests.fixtures.smtp import SMTPInbox

pytestmark = pytest.mark.django_db
BASE_SETTINGS = Path(django_settings.BASE_DIR) / "cms" / "settings" / "base.py"


@pytest.fixture
def client() -> APIClient:
    return APIClient(enforce_csrf_checks=True)


def test_asking_for_new_email_addresses_is_throttled_per_alumnus(
    client: APIClient, smtp: SMTPInbox, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ALUMNI_THROTTLE_EMAIL_CHANGES_PER_ALUMNUS = 2
    AlumnusFactory(email="taro@example.jp", industry="")
    session = sign_in(client, smtp, "taro@example.jp", django_capture_on_commit_callbacks)
    csrf = {"HTTP_X_CSRFTOKEN": session["csrf_token"]}
    smtp.clear()

    def ask(address: str) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client.patch(
                "/api/v1/me", {"email": address, "industry": "製造業"}, format="json", **csrf
            )

    allowed = [ask(f"new{n}@example.jp").status_code for n in range(2)]
    Alumnus.objects.update(industry="")
    blocked = ask("third@example.jp")

    assert allowed == [200, 200]
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert "しばらく待って" in blocked.json()["detail"]
    assert smtp.to("third@example.jp") == []
    assert not OneTimeCode.objects.filter(email="third@example.jp").exists()
    assert Alumnus.objects.get().industry == ""


def test_profile_changes_without_a_new_email_are_not_counted(
    client: APIClient, smtp: SMTPInbox, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ALUMNI_THROTTLE_EMAIL_CHANGES_PER_ALUMNUS = 1
    AlumnusFactory(email="taro@example.jp")
    session = sign_in(client, smtp, "taro@example.jp", django_capture_on_commit_callbacks)
    csrf = {"HTTP_X_CSRFTOKEN": session["csrf_token"]}

    statuses = [
        client.patch(
            "/api/v1/me",
            {"email": "taro@example.jp", "industry": f"業種{n}"},
            format="json",
            **csrf,
        ).status_code
        for n in range(3)
    ]

    assert statuses == [200, 200, 200]


def code_requests(client: APIClient, forwarded_for: str, count: int) -> list[int]:
    return [
        client.post(
            "/api/v1/auth/code",
            {"email": f"nobody{n}@example.jp"},
            format="json",
            HTTP_X_FORWARDED_FOR=forwarded_for,
            REMOTE_ADDR="10.0.0.2",
        ).status_code
        for n in range(count)
    ]


def test_without_trusted_proxies_a_forged_forwarded_for_does_not_escape_the_ip_limit(
    client: APIClient, settings: Any
) -> None:
    settings.ALUMNI_THROTTLE_CODE_REQUESTS_PER_IP = 2
    settings.TRUSTED_PROXY_COUNT = 0

    first = code_requests(client, "198.51.100.1", 2)
    forged = code_requests(client, "198.51.100.99", 1)

    assert first == [202, 202]
    assert forged == [429]


def test_behind_a_trusted_proxy_each_client_address_has_its_own_ip_limit(
    client: APIClient, settings: Any
) -> None:
    settings.ALUMNI_THROTTLE_CODE_REQUESTS_PER_IP = 2
    settings.TRUSTED_PROXY_COUNT = 1

    first = code_requests(client, "203.0.113.50, 198.51.100.1", 3)
    other = code_requests(client, "198.51.100.7", 1)

    # The client wrote "203.0.113.50" itself; only the proxy's last entry counts.
    assert first == [202, 202, 429]
    assert other == [202]


def cors_settings(monkeypatch: pytest.MonkeyPatch, pwa: str, api: str) -> dict[str, Any]:
    """The CORS settings cms/settings/base.py computes from this environment."""
    monkeypatch.setenv("PWA_BASE_URL", pwa)
    monkeypatch.setenv("API_ORIGIN", api)
    computed = runpy.run_path(str(BASE_SETTINGS))
    return {
        name: computed[name]
        for name in ("CORS_ALLOWED_ORIGINS", "CORS_ALLOW_CREDENTIALS", "CORS_URLS_REGEX")
    }


def test_cors_allows_exactly_the_pwa_origin_with_credentials(
    client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    pwa = "https://alumni.example.jp"
    cors = cors_settings(monkeypatch, pwa, "https://api.alumni.example.jp")

    with override_settings(**cors):
        preflight = client.options(
            "/api/v1/auth/session",
            HTTP_ORIGIN=pwa,
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type, x-csrftoken",
        )
        state = client.get("/api/v1/auth/session", HTTP_ORIGIN=pwa)
        foreign = client.get("/api/v1/auth/session", HTTP_ORIGIN="https://evil.example.com")

    assert cors["CORS_ALLOWED_ORIGINS"] == [pwa]
    assert preflight["Access-Control-Allow-Origin"] == pwa
    assert preflight["Access-Control-Allow-Credentials"] == "true"
    assert "x-csrftoken" in preflight["Access-Control-Allow-Headers"]
    assert state["Access-Control-Allow-Origin"] == pwa
    assert state["Access-Control-Allow-Credentials"] == "true"
    assert "Access-Control-Allow-Origin" not in foreign
    for response in (preflight, state, foreign):
        assert response.get("Access-Control-Allow-Origin") != "*"


def test_cors_allows_no_origin_when_the_pwa_and_api_share_one(
    client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    cors = cors_settings(monkeypatch, "https://alumni.example.jp", "https://alumni.example.jp")

    with override_settings(**cors):
        response = client.get("/api/v1/auth/session", HTTP_ORIGIN="https://other.example.jp")

    assert cors["CORS_ALLOWED_ORIGINS"] == []
    assert "Access-Control-Allow-Origin" not in response
