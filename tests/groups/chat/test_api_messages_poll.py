"""Reading and polling messages: pages, cursors, the ETag answered 304, changes since a version."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from cms.alumni.models import Alumnus
from cms.groups.chat.models import CommunityGroup
from tests.groups.chat.api_calls import messages_url
from tests.groups.chat.factories import MembershipFactory, post

pytestmark = pytest.mark.django_db


def test_newest_page_first_and_older_pages_with_before(
    client: APIClient, group: CommunityGroup, me: Alumnus, settings: Any
) -> None:
    settings.CHAT_PAGE_SIZE = 3
    ids = [post(group, me, f"{n}").pk for n in range(7)]
    newest = client.get(messages_url(group)).json()
    assert [m["id"] for m in newest["messages"]] == ids[-3:]
    assert newest["has_more_before"] is True
    older = client.get(messages_url(group), {"before": ids[-3]}).json()
    assert [m["id"] for m in older["messages"]] == ids[1:4]
    oldest = client.get(messages_url(group), {"before": ids[1]}).json()
    assert [m["id"] for m in oldest["messages"]] == ids[:1]
    assert oldest["has_more_before"] is False


@pytest.mark.parametrize("query", [{"after": "x"}, {"before": "-1"}, {"after": 1, "before": 2}])
def test_bad_cursors_are_a_400(client: APIClient, group: CommunityGroup, query: Any) -> None:
    response = client.get(messages_url(group), query)
    assert response.status_code == 400
    assert response.json()["detail"] in (
        "0 以上の整数で指定してください。",
        "after と before は同時に指定できません。",
    )


def test_unchanged_poll_is_304_with_a_fixed_number_of_queries(
    client: APIClient, group: CommunityGroup, me: Alumnus, django_assert_num_queries: Any
) -> None:
    last = post(group, me, "最初").pk
    first = client.get(messages_url(group), {"after": last, "since": 1})
    assert first.status_code == 200
    etag = first["ETag"]

    # session, user, and the membership with the group's version: nothing else.
    with django_assert_num_queries(3):
        again = client.get(
            messages_url(group), {"after": last, "since": 1}, HTTP_IF_NONE_MATCH=etag
        )

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_a_new_message_changes_the_etag_and_the_poll_returns_it(
    client: APIClient, group: CommunityGroup, me: Alumnus
) -> None:
    last = post(group, me, "最初").pk
    first = client.get(messages_url(group), {"after": last})
    other = MembershipFactory(group=group).alumnus
    new = post(group, other, "新しい投稿")
    polled = client.get(messages_url(group), {"after": last}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert polled.status_code == 200
    assert [m["id"] for m in polled.json()["messages"]] == [new.pk]
    assert polled["ETag"] != first["ETag"]


def test_an_edit_or_a_hide_of_an_older_message_reaches_the_poll_via_since(
    client: APIClient, group: CommunityGroup, me: Alumnus
) -> None:
    mine = post(group, me, "誤字あり")
    version = client.get(messages_url(group)).json()["version"]
    client.patch(f"/api/v1/messages/{mine.pk}", {"body": "修正済み"}, format="json")
    polled = client.get(messages_url(group), {"after": mine.pk, "since": version}).json()
    assert polled["messages"] == []
    [changed] = polled["changed"]
    assert changed["body"] == "修正済み" and changed["edited_at"] is not None


def test_etag_differs_for_different_cursors(
    client: APIClient, group: CommunityGroup, me: Alumnus
) -> None:
    first = post(group, me, "1").pk
    post(group, me, "2")
    etag = client.get(messages_url(group), {"after": first})["ETag"]
    other = client.get(messages_url(group), {"after": 0}, HTTP_IF_NONE_MATCH=etag)
    assert other.status_code == 200
    assert len(other.json()["messages"]) == 2
