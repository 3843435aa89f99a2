"""Schemathesis against the OpenAPI schema on a live server, signed out and signed in as an
alumnus (session cookie + CSRF): no operation answers a 5xx, and every error is in the API's
JSON shape ({"detail": "<Japanese>", "errors"?: {...}})."""

import os
import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode
from wagtail.models import Locale, Page

from cms.push.services import vapid_key_create
from tests.browser.live_api import pwa_api_origin
from tests.content.factories import NoticeIndexPageFactory, NoticePageFactory, make_site
from tests.groups.factories import AlumnusFactory

# Operations that end the very session the signed-in run uses; they are run signed out.
ENDS_THE_SESSION = {("DELETE", "/api/v1/auth/session"), ("DELETE", "/api/v1/me")}
EXAMPLES = settings(
    max_examples=int(os.environ.get("API_FUZZ_EXAMPLES", "10")),
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: report the first failing case
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def live_api(
    migrated_data_left_behind: None,
    transactional_db: None,
    django_db_serialized_rollback: None,
    settings: Any,
    tmp_path: Any,
) -> Iterator[str]:
    """The live origin (an empty dist/: only the API matters here), with a few notices and the
    VAPID key a deployment makes (without it /push/key is a documented 503)."""
    (tmp_path / "dist").mkdir()
    with pwa_api_origin(tmp_path / "dist", settings) as base:
        if Page.get_first_root_node() is None:  # an earlier transactional test flushed it
            Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
            Page.add_root(instance=Page(title="Root", slug="root"))
        vapid_key_create()
        index = NoticeIndexPageFactory(parent=make_site())
        for n in range(3):
            NoticePageFactory(parent=index, slug=f"notice-{n}")
        yield base


@pytest.fixture
def api_schema(live_api: str) -> Any:
    document = requests.get(
        f"{live_api}/api/v1/schema/", headers={"Accept": "application/json"}, timeout=30
    ).json()
    schema = schemathesis.openapi.from_dict(document)
    return schema


def json_error_shape(response: Any) -> None:
    """Every 4xx/5xx under /api/ is JSON with a Japanese `detail` (and `errors` a mapping)."""
    if response.status_code < 400:
        return
    headers = {name.lower(): value for name, value in response.headers.items()}
    content_type = headers.get("content-type", "")
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.startswith("application/json"), (response.status_code, content_type)
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("detail"), str), body
    assert any("\u3040" <= ch <= "\u9fff" for ch in body["detail"]), body
    assert isinstance(body.get("errors", {}), dict), body


def not_a_server_error(response: Any) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:500])


@pytest.fixture
def alumnus_session(live_api: str) -> requests.Session:
    """A browser-like session of an alumnus: Django's session cookie and the CSRF pair."""
    client = Client()
    client.force_login(AlumnusFactory().user)
    assert client.session.get(SESSION_KEY)
    token = secrets.token_hex(16)  # 32 characters: a CSRF secret, sent as cookie and header
    session = requests.Session()
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    session.cookies.set(django_settings.SESSION_COOKIE_NAME, cookie)
    session.cookies.set(django_settings.CSRF_COOKIE_NAME, token)
    session.headers["X-CSRFToken"] = token
    session.headers["Referer"] = live_api + "/"
    return session


def failures_of(schema: Any, base: str, session: requests.Session) -> list[str]:
    """Each operation with schema-conforming and schema-violating cases (Hypothesis, a fixed
    seed); what failed, one line per operation. (Driven by hand: schemathesis' lazy pytest
    loader does not work with pytest 9.2.)"""
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith(os.environ.get("API_FUZZ_ONLY", "/")):
            continue
        if (operation.method.upper(), operation.path) in ENDS_THE_SESSION and session.cookies:
            continue
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @EXAMPLES
        @given(case=cases)
        def run(case: Any) -> None:
            response = case.call(base_url=base, session=session, timeout=30)
            not_a_server_error(response)
            json_error_shape(response)

        started = time.monotonic()
        try:
            run()
        except Exception as error:
            failures.append(f"{operation.method.upper()} {operation.path}: {error!r}"[:600])
        if os.environ.get("API_FUZZ_VERBOSE"):
            print(operation.method, operation.path, round(time.monotonic() - started, 1))
    return failures


def test_signed_out_no_5xx_and_errors_in_the_api_shape(live_api: str, api_schema: Any) -> None:
    assert failures_of(api_schema, live_api, requests.Session()) == []


def test_signed_in_no_5xx_and_errors_in_the_api_shape(
    live_api: str, api_schema: Any, alumnus_session: requests.Session
) -> None:
    assert failures_of(api_schema, live_api, alumnus_session) == []
