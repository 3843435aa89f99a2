"""The feed and a notice cost the same queries whatever the number of alumni: the reader's
audience groups are answered in the database for that one person."""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cms.content.models import NoticeIndexPage, NoticePage
from tests.content.factories import NoticeIndexPageFactory, NoticePageFactory, make_site
from tests.groups.factories import AlumnusFactory, AudienceGroupFactory

pytestmark = pytest.mark.django_db


def _notice(index: NoticeIndexPage, **fields: Any) -> NoticePage:
    groups = fields.pop("groups", [])
    notice: NoticePage = NoticePageFactory(parent=index, **fields)
    if groups:
        notice.audience_groups.set(groups)
        notice.visibility = "groups"
        notice.save()
    return notice


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_feed_and_notice_run_a_fixed_number_of_queries_whatever_the_number_of_alumni(
    client: Client,
) -> None:
    index = NoticeIndexPageFactory(parent=make_site())
    groups = [
        AudienceGroupFactory(interests="防災"),
        AudienceGroupFactory(regions="仙台市", interests="観光"),
        AudienceGroupFactory(former_departments="土木部", retired_from_year=2010),
    ]
    reader = AlumnusFactory(interests=["防災"])
    for group in groups:
        _notice(index, groups=[group])
    mine = _notice(index, groups=[groups[0]])
    _notice(index)
    client.force_login(reader.user)
    counts = []
    for more in (3, 30):
        for n in range(more):
            AlumnusFactory(interests=["防災"] if n % 2 else ["観光"], former_department="土木部")
        client.get("/api/v1/notices")  # session and caches warm
        counts.append(
            (_queries(client, "/api/v1/notices"), _queries(client, f"/api/v1/notices/{mine.pk}"))
        )

    assert counts[0] == counts[1]
