"""Hostile and malformed input under /api/: every answer is a 4xx in the API's JSON shape
({"detail": "<Japanese>", ...}), never a 500 or an HTML page."""

import base64
import json
from typing import Any

import pytest
from django.test import Client, RequestFactory

from cms import urls as root_urls
from cms.api_errors import server_error
from cms.converters import MAX_ID
from tests.content.factories import NoticeIndexPageFactory, NoticePageFactory, make_site
from tests.groups.factories import AlumnusFactory

pytestmark = pytest.mark.django_db
TOO_BIG_FOR_64_BITS = 2**70


def assert_json_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert isinstance(body["detail"], str)
    assert any("\u3040" <= ch <= "\u9fff" for ch in body["detail"]), body  # Japanese
    return body


@pytest.fixture
def alumnus_client(client: Client) -> Client:
    client.force_login(AlumnusFactory().user)
    return client


@pytest.mark.parametrize("debug", [False, True])
def test_unknown_api_path_is_a_json_404_even_in_debug(
    client: Client, settings: Any, debug: bool
) -> None:
    settings.DEBUG = debug
    for method in ("get", "post", "delete"):
        assert_json_error(getattr(client, method)("/api/v1/no-such-thing"), 404)
    assert_json_error(client.get("/api/v2/notices"), 404)


def test_json_nested_20000_deep_is_a_400_not_a_recursion_error(client: Client) -> None:
    body = "[" * 20_000 + "]" * 20_000  # 40 KB, under the size limit, no session needed

    response = client.post("/api/v1/auth/code", body, content_type="application/json")

    assert_json_error(response, 400)


def test_json_deeper_than_the_limit_is_refused_before_any_view_sees_it(
    client: Client, settings: Any
) -> None:
    settings.API_MAX_JSON_DEPTH = 4
    shallow = {"email": "a@example.jp"}
    deep = {"email": [[[["a@example.jp"]]]]}

    ok = client.post("/api/v1/auth/code", shallow, content_type="application/json")
    refused = client.post("/api/v1/auth/code", deep, content_type="application/json")

    assert ok.status_code == 202
    assert "入れ子" in assert_json_error(refused, 400)["detail"]


def test_body_over_the_limit_is_a_json_413_on_every_view(
    alumnus_client: Client, settings: Any
) -> None:
    settings.API_MAX_REQUEST_BYTES = 1000
    big = json.dumps({"endpoint": "https://fcm.googleapis.com/x", "pad": "x" * 2000})

    for url in ("/api/v1/push/subscriptions", "/api/v1/push/opens", "/api/v1/auth/code"):
        assert_json_error(alumnus_client.post(url, big, content_type="application/json"), 413)


def test_wrong_media_type_and_method_answer_json(alumnus_client: Client) -> None:
    assert_json_error(
        alumnus_client.post("/api/v1/push/opens", "notice=1", content_type="text/plain"), 415
    )
    assert_json_error(alumnus_client.put("/api/v1/notices"), 405)
    assert_json_error(alumnus_client.post("/api/v1/push/key"), 405)


def test_ids_beyond_64_bits_are_404_or_400_not_overflows(alumnus_client: Client) -> None:
    index = NoticeIndexPageFactory(parent=make_site())
    NoticePageFactory(parent=index)

    assert_json_error(alumnus_client.get(f"/api/v1/notices/{2**63 - 1}"), 404)
    assert_json_error(alumnus_client.get(f"/api/v1/surveys/{TOO_BIG_FOR_64_BITS}"), 404)
    for too_long in (TOO_BIG_FOR_64_BITS, MAX_ID + 1):  # in a body as in a URL (cms.converters)
        assert_json_error(alumnus_client.get(f"/api/v1/notices/{too_long}"), 404)
        opened = alumnus_client.post(
            "/api/v1/push/opens",
            {"notice": too_long, "channel": "push"},
            content_type="application/json",
        )
        assert "notice" in assert_json_error(opened, 400)["errors"]


def _cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor("o=1e999&r=0"),
        _cursor(f"o={10**400}&r=0&p=2026-01-01"),
        _cursor("o=0&r=0&p=infinity"),
        _cursor("o=0&r=0&p=99999-01-01"),
        _cursor("o=0&r=0&p=" + "9" * 150),
        "A" * 5000,
        "%%%",
        "✓",
    ],
)
def test_an_infinite_or_huge_feed_cursor_is_a_400(alumnus_client: Client, cursor: str) -> None:
    NoticePageFactory(parent=NoticeIndexPageFactory(parent=make_site()))

    response = alumnus_client.get("/api/v1/notices", {"cursor": cursor})

    assert "cursor" in assert_json_error(response, 400)["errors"]


def test_a_huge_offset_in_a_real_cursor_is_cut_off_not_an_error(alumnus_client: Client) -> None:
    NoticePageFactory(parent=NoticeIndexPageFactory(parent=make_site()))

    response = alumnus_client.get("/api/v1/notices", {"cursor": _cursor(f"o={10**30}&r=0")})

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_a_server_error_under_the_api_answers_json(settings: Any) -> None:
    request = RequestFactory().get("/api/v1/notices")
    page = RequestFactory().get("/admin/")

    response = server_error(request)
    html = server_error(page)

    assert root_urls.handler500 == "cms.api_errors.server_error"
    assert response.status_code == 500
    assert "エラー" in json.loads(response.content)["detail"]
    assert not html["Content-Type"].startswith("application/json")


def test_a_too_long_item_of_a_list_field_is_a_flat_japanese_message_naming_the_item(
    alumnus_client: Client,
) -> None:
    interests = [
        "介護",
        "子育て支援や高齢者福祉に関わる仕事と地域のまちづくりに関する活動をしたいと考えています。"
        * 2,
    ]

    response = alumnus_client.patch(
        "/api/v1/me", {"interests": interests}, content_type="application/json"
    )

    body = assert_json_error(response, 400)
    assert body["errors"] == {
        "interests": ["2 番目: この項目が50文字より長くならないようにしてください。"]
    }


def test_too_many_items_in_a_list_field_is_a_japanese_message(alumnus_client: Client) -> None:
    interests = [f"分野{number}" for number in range(21)]

    response = alumnus_client.patch(
        "/api/v1/me", {"interests": interests}, content_type="application/json"
    )

    body = assert_json_error(response, 400)
    assert body["errors"] == {"interests": ["20 件以内にしてください。"]}
