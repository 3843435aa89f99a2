"""The beacon `POST /api/v1/signals` and the consent `GET`/`PATCH /api/v1/me/consents`."""

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from cms.alumni.models import Alumnus
from cms.analytics.models import PageViewCount, Signal, SignalMonthly, SignalType
from tests.alumni.factories import AlumnusFactory
from tests.analytics.conftest import SitePages, signed_in

pytestmark = pytest.mark.django_db


def beacon(client: Client, body: Any, *, content_type: str = "text/plain", origin: str = "") -> Any:
    """What `navigator.sendBeacon(url, JSON.stringify(body))` sends: text/plain, an Origin."""
    return client.post(
        "/api/v1/signals",
        data=body if isinstance(body, str) else json.dumps(body),
        content_type=content_type,
        headers={"origin": origin or settings.PWA_BASE_URL},
    )


def test_views_of_a_consenting_alumnus_are_stored_by_kind(
    pages: SitePages, consenting: Alumnus
) -> None:
    client = signed_in(consenting)
    response = beacon(
        client,
        {
            "signals": [
                {"type": "page_view", "id": pages.notice.pk},
                {"type": "page_view", "id": pages.job.pk},
                {"type": "page_view", "id": pages.page.pk},
            ]
        },
    )
    assert response.status_code == 204
    stored = set(Signal.objects.values_list("alumnus_id", "type", "content_kind", "content_id"))
    assert stored == {
        (consenting.pk, SignalType.PAGE_VIEW, "notice", pages.notice.pk),
        (consenting.pk, SignalType.JOB_VIEWED, "job", pages.job.pk),
        (consenting.pk, SignalType.PAGE_VIEW, "page", pages.page.pk),
    }
    month = SignalMonthly.objects.get()
    assert (month.page_views, month.jobs_viewed) == (2, 1)
    assert month.view_counts() == {"notice": 1, "job": 1, "page": 1}
    assert not PageViewCount.objects.exists()


def test_json_content_type_is_accepted_too(pages: SitePages, consenting: Alumnus) -> None:
    body = {"signals": [{"type": "page_view", "id": pages.notice.pk}]}
    response = beacon(signed_in(consenting), body, content_type="application/json")
    assert response.status_code == 204
    assert Signal.objects.count() == 1


def test_without_consent_views_count_only_anonymously(pages: SitePages) -> None:
    alumnus = AlumnusFactory(consent_analytics=False)
    client = signed_in(alumnus)
    for _ in range(2):
        beacon(client, {"signals": [{"type": "page_view", "id": pages.notice.pk}]})
    beacon(
        client, {"signals": [{"type": "notice_opened", "id": pages.notice.pk, "channel": "push"}]}
    )
    assert not Signal.objects.exists()
    assert not SignalMonthly.objects.exists()
    [row] = PageViewCount.objects.all()
    assert (row.content_kind, row.content_id, row.count) == ("notice", pages.notice.pk, 2)
    # No column could say whose views these were.
    assert {field.name for field in PageViewCount._meta.get_fields()} == {
        "id",
        "day",
        "content_kind",
        "content_id",
        "count",
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"signals": [{"type": "login", "id": 1}]}, "signals"),
        ({"signals": [{"type": "keystroke", "id": 1}]}, "signals"),
        ({"signals": [{"type": "page_view", "id": "abc"}]}, "signals"),
        ({"signals": [{"type": "notice_opened", "id": 1}]}, "signals"),
        ({"signals": []}, "signals"),
        ({"signals": [{"type": "page_view", "id": 1}] * 51}, "signals"),
        ({"events": []}, "signals"),
    ],
)
def test_unknown_types_and_bad_shapes_are_refused_in_japanese(
    pages: SitePages, consenting: Alumnus, body: dict[str, Any], field: str
) -> None:
    response = beacon(signed_in(consenting), body)
    assert response.status_code == 400
    data = response.json()
    assert field in data["errors"]
    assert not data["detail"].isascii()
    assert not Signal.objects.exists()


def test_broken_json_is_a_japanese_400(consenting: Alumnus) -> None:
    response = beacon(signed_in(consenting), "{not json")
    assert response.status_code == 400
    assert not response.json()["detail"].isascii()


def test_unknown_type_says_which(pages: SitePages, consenting: Alumnus) -> None:
    response = beacon(signed_in(consenting), {"signals": [{"type": "keystroke", "id": 1}]})
    assert "記録できない種類です（keystroke）" in response.json()["detail"]


def test_another_origin_or_none_is_refused(pages: SitePages, consenting: Alumnus) -> None:
    client = signed_in(consenting)
    body = {"signals": [{"type": "page_view", "id": pages.notice.pk}]}
    assert beacon(client, body, origin="https://evil.example").status_code == 403
    no_origin = client.post("/api/v1/signals", data=json.dumps(body), content_type="text/plain")
    assert no_origin.status_code == 403
    assert not Signal.objects.exists()


def test_signed_out_beacon_is_401(pages: SitePages) -> None:
    response = beacon(Client(), {"signals": [{"type": "page_view", "id": pages.notice.pk}]})
    assert response.status_code == 401
    assert not PageViewCount.objects.exists()


def test_unpublished_or_unknown_pages_are_not_recorded(
    pages: SitePages, consenting: Alumnus
) -> None:
    pages.page.unpublish()
    response = beacon(
        signed_in(consenting),
        {
            "signals": [
                {"type": "page_view", "id": pages.page.pk},
                {"type": "page_view", "id": 999999},
            ]
        },
    )
    assert response.status_code == 204
    assert not Signal.objects.exists()


def test_a_notice_opened_twice_the_same_day_counts_once(
    pages: SitePages, consenting: Alumnus
) -> None:
    client = signed_in(consenting)
    opened = {"type": "notice_opened", "id": pages.notice.pk, "channel": "push"}
    beacon(client, {"signals": [opened, opened]})
    beacon(client, {"signals": [opened]})
    assert Signal.objects.filter(type=SignalType.NOTICE_OPENED).count() == 1


def test_nothing_identifying_the_device_is_stored(pages: SitePages, consenting: Alumnus) -> None:
    client = signed_in(consenting)
    client.post(
        "/api/v1/signals",
        data=json.dumps({"signals": [{"type": "page_view", "id": pages.notice.pk}]}),
        content_type="text/plain",
        headers={"origin": settings.PWA_BASE_URL, "user-agent": "Mozilla/5.0 UniqueAgent/1.2.3"},
        REMOTE_ADDR="203.0.113.9",
    )
    [row] = Signal.objects.values()
    assert not any(
        "203.0.113.9" in str(value) or "UniqueAgent" in str(value) for value in row.values()
    )


def test_consent_is_off_by_default_and_reported(db: None) -> None:
    alumnus = AlumnusFactory()
    assert alumnus.consent_analytics is False
    data = signed_in(alumnus).get("/api/v1/me/consents").json()
    assert data["analysis"] is False
    assert "削除" in data["stopping_analysis"]
    assert data["analysis_purposes"]


def test_stopping_analysis_deletes_signals_and_stops_the_next_request(
    pages: SitePages, consenting: Alumnus
) -> None:
    client = signed_in(consenting)
    view = {"signals": [{"type": "page_view", "id": pages.notice.pk}]}
    beacon(client, view)
    other = AlumnusFactory(consent_analytics=True)
    beacon(signed_in(other), view)
    csrf = client.get("/api/v1/auth/session").json()["csrf_token"]
    response = client.patch(
        "/api/v1/me/consents",
        data=json.dumps({"analysis": False}),
        content_type="application/json",
        headers={"x-csrftoken": csrf},
    )
    assert response.status_code == 200
    assert response.json()["analysis"] is False
    assert not Signal.objects.filter(alumnus=consenting).exists()
    assert not SignalMonthly.objects.filter(alumnus=consenting).exists()
    beacon(client, view)
    assert not Signal.objects.filter(alumnus=consenting).exists()
    assert Signal.objects.filter(alumnus=other).count() == 1  # others keep theirs


def test_consent_patch_needs_the_csrf_token(consenting: Alumnus) -> None:
    response = signed_in(consenting).patch(
        "/api/v1/me/consents", data=json.dumps({"analysis": False}), content_type="application/json"
    )
    assert response.status_code == 403
    consenting.refresh_from_db()
    assert consenting.consent_analytics is True


def test_consent_patch_refuses_a_bad_value(consenting: Alumnus) -> None:
    client = signed_in(consenting)
    csrf = client.get("/api/v1/auth/session").json()["csrf_token"]
    response = client.patch(
        "/api/v1/me/consents",
        data=json.dumps({"analysis": "maybe"}),
        content_type="application/json",
        headers={"x-csrftoken": csrf},
    )
    assert response.status_code == 400
    assert "analysis" in response.json()["errors"]


def test_stopping_through_the_profile_deletes_signals_too(
    pages: SitePages, consenting: Alumnus
) -> None:
    client = signed_in(consenting)
    beacon(client, {"signals": [{"type": "page_view", "id": pages.notice.pk}]})
    csrf = client.get("/api/v1/auth/session").json()["csrf_token"]
    client.patch(
        "/api/v1/me",
        data=json.dumps({"consent_analytics": False}),
        content_type="application/json",
        headers={"x-csrftoken": csrf},
    )
    assert not Signal.objects.filter(alumnus=consenting).exists()
