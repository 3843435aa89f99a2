"""GET /api/v1/notices (the alumnus's feed) and GET /api/v1/notices/{id}."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from cms.content.models import NoticeIndexPage, NoticePage
from tests.content.factories import NoticeIndexPageFactory, NoticePageFactory, make_site
from tests.groups.factories import AlumnusFactory, AudienceGroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def index() -> NoticeIndexPage:
    page: NoticeIndexPage = NoticeIndexPageFactory(parent=make_site())
    return page


def _notice(index: NoticeIndexPage, groups: list[Any] | None = None, **fields: Any) -> NoticePage:
    visibility = fields.pop("visibility", "public")
    notice: NoticePage = NoticePageFactory(parent=index, **fields)
    if groups:
        notice.audience_groups.set(groups)
    notice.visibility = visibility
    notice.save()
    return notice


def _signed_in(client: Client, **fields: Any) -> Any:
    alumnus = AlumnusFactory(**fields)
    client.force_login(alumnus.user)
    return alumnus


def test_feed_has_public_members_and_my_groups_notices_newest_first(
    client: Client, index: NoticeIndexPage
) -> None:
    _signed_in(client, current_region="仙台市")
    mine = AudienceGroupFactory(regions="仙台市")
    other = AudienceGroupFactory(regions="東京都")
    public = _notice(index, date=dt.date(2026, 10, 1))
    members = _notice(index, visibility="members", date=dt.date(2026, 10, 3))
    for_me = _notice(index, visibility="groups", groups=[mine], date=dt.date(2026, 10, 2))
    _notice(index, visibility="groups", groups=[other], date=dt.date(2026, 10, 4))
    response = client.get("/api/v1/notices")
    assert response.status_code == 200
    ids = [item["id"] for item in response.json()["results"]]
    assert ids == [members.pk, for_me.pk, public.pk]


def test_feed_is_cursor_paginated_without_gaps_or_repeats(
    client: Client, index: NoticeIndexPage
) -> None:
    _signed_in(client)
    notices = [_notice(index, date=dt.date(2026, 9, 1 + n % 3)) for n in range(7)]
    seen: list[int] = []
    url = "/api/v1/notices?limit=3"
    pages = 0
    while True:
        body = client.get(url).json()
        pages += 1
        seen += [item["id"] for item in body["results"]]
        if body["next"] is None:
            break
        url = body["next"]  # DRF's cursor pagination: the link to the following page
        assert url.startswith("http://testserver/api/v1/notices?")
    assert pages == 3
    expected = sorted(notices, key=lambda n: (n.date, n.pk), reverse=True)
    assert seen == [n.pk for n in expected]


def test_bad_cursor_is_a_japanese_400(client: Client, index: NoticeIndexPage) -> None:
    _signed_in(client)
    response = client.get("/api/v1/notices?cursor=%%%")
    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


def test_feed_needs_a_signed_in_alumnus(client: Client, index: NoticeIndexPage) -> None:
    assert client.get("/api/v1/notices").status_code == 401


def test_group_notice_is_404_outside_its_audience(client: Client, index: NoticeIndexPage) -> None:
    group = AudienceGroupFactory(regions="東京都")
    notice = _notice(index, visibility="groups", groups=[group], title="東京在住の方へ")
    outsider = AlumnusFactory(current_region="仙台市")
    client.force_login(outsider.user)
    response = client.get(f"/api/v1/notices/{notice.pk}")
    assert response.status_code == 404
    assert response.json()["detail"] == "見つかりませんでした。"
    member = AlumnusFactory(current_region="東京都")
    client.force_login(member.user)
    response = client.get(f"/api/v1/notices/{notice.pk}")
    assert response.status_code == 200
    assert response.json()["title"] == "東京在住の方へ"


def test_detail_carries_the_body(client: Client, index: NoticeIndexPage) -> None:
    _signed_in(client)
    notice = _notice(
        index,
        visibility="members",
        body=[{"type": "paragraph", "value": "<p>会員だけの本文</p>"}],
    )
    body = client.get(f"/api/v1/notices/{notice.pk}").json()
    assert body["body"] == [{"type": "paragraph", "html": "<p>会員だけの本文</p>"}]


def test_unpublished_notice_is_404(client: Client, index: NoticeIndexPage) -> None:
    _signed_in(client)
    notice = _notice(index, visibility="members", live=False)
    assert client.get(f"/api/v1/notices/{notice.pk}").status_code == 404
