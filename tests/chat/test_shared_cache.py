"""Group versions and push batching through the real Redis (127.0.0.1:6379, own DB number and
key prefix), and the database fallback when Redis is not there."""

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from cms.alumni.models import Alumnus
from cms.groups.chat import services, shared_cache
from cms.groups.chat.api import TICKET_HEADER
from cms.groups.chat.models import CommunityGroup, MembershipStatus
from tests.chat.conftest import Clock
from tests.chat.factories import member_of, post

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def shared_redis(settings: Any) -> Iterator[redis.Redis]:
    """Settings pointing at the test Redis with a prefix of this test's own; its keys go after."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip(f"Redis is not running at {REDIS_URL}")
    settings.REDIS_URL = REDIS_URL
    settings.REDIS_KEY_PREFIX = f"alumni-test-{uuid.uuid4().hex}"
    shared_cache._client.cache_clear()
    yield client
    for key in client.scan_iter(f"{settings.REDIS_KEY_PREFIX}:*"):
        client.delete(key)
    shared_cache._client.cache_clear()


def _poller(client: APIClient, group: CommunityGroup, me: Alumnus) -> dict[str, Any]:
    """The headers and query of a poller that has seen everything so far."""
    last = post(group, me, "最初").pk
    first = client.get(f"/api/v1/groups/{group.pk}/messages", {"after": last, "since": 1})
    return {
        "query": {"after": last, "since": first.json()["version"]},
        "headers": {
            "If-None-Match": first["ETag"],
            "X-Chat-Poll-Ticket": first["X-Chat-Poll-Ticket"],
        },
    }


def _poll(client: APIClient, group: CommunityGroup, poller: dict[str, Any]) -> Any:
    return client.get(
        f"/api/v1/groups/{group.pk}/messages", poller["query"], headers=poller["headers"]
    )


def test_with_redis_an_unchanged_poll_with_its_ticket_needs_no_query(
    shared_redis: redis.Redis, client: APIClient, group: CommunityGroup, me: Alumnus
) -> None:
    poller = _poller(client, group, me)
    _poll(client, group, poller)  # the first reader after a miss puts the version in Redis
    with CaptureQueriesContext(connection) as queries:
        again = _poll(client, group, poller)
    assert (again.status_code, len(queries)) == (304, 0)


def test_with_redis_a_ticket_past_half_its_life_is_checked_and_renewed(
    shared_redis: redis.Redis, client: APIClient, group: CommunityGroup, me: Alumnus, clock: Clock
) -> None:
    poller = _poller(client, group, me)
    _poll(client, group, poller)  # the version into Redis
    clock.now += settings.CHAT_POLL_TICKET_SECONDS * 0.4
    with CaptureQueriesContext(connection) as queries:
        young = _poll(client, group, poller)
    assert (young.status_code, len(queries), TICKET_HEADER in young) == (304, 0, False)

    clock.now += settings.CHAT_POLL_TICKET_SECONDS * 0.4
    with CaptureQueriesContext(connection) as queries:
        old = _poll(client, group, poller)  # membership, user, session: the ticket's check
    assert (old.status_code, len(queries)) == (304, 1)
    renewed = {**poller["headers"], "X-Chat-Poll-Ticket": old[TICKET_HEADER]}

    clock.now += settings.CHAT_POLL_TICKET_SECONDS * 0.4
    with CaptureQueriesContext(connection) as queries:
        again = _poll(client, group, {**poller, "headers": renewed})
    assert (again.status_code, len(queries)) == (304, 0)


def test_a_post_reaches_the_version_every_process_reads_in_redis(
    shared_redis: redis.Redis,
    settings: Any,
    client: APIClient,
    group: CommunityGroup,
    me: Alumnus,
) -> None:
    poller = _poller(client, group, me)
    assert _poll(client, group, poller).status_code == 304
    new = post(group, member_of(group).alumnus, "新着")

    # What another server process reads: the key, through a client of its own.
    key = f"{settings.REDIS_KEY_PREFIX}:chat:version:{group.pk}"
    assert int(shared_redis.get(key) or 0) == new.revision
    polled = _poll(client, group, poller)
    assert polled.status_code == 200
    assert [m["id"] for m in polled.json()["messages"]] == [new.pk]


@pytest.mark.parametrize("change", ["edit", "delete", "hide"])
def test_an_edit_a_deletion_or_hiding_reaches_a_poll_through_redis(
    shared_redis: redis.Redis, client: APIClient, group: CommunityGroup, me: Alumnus, change: str
) -> None:
    poller = _poller(client, group, me)
    assert _poll(client, group, poller).status_code == 304
    message_id = poller["query"]["after"]
    if change == "edit":
        services.message_edit(message_id=message_id, alumnus=me, body="書き直し")
    elif change == "delete":
        services.message_delete(message_id=message_id, alumnus=me)
    else:
        staff = member_of(group).alumnus.user
        services.message_hide(
            message=services.Message.objects.get(pk=message_id),
            moderator=services.moderator_for_staff(user=staff),
        )
    polled = _poll(client, group, poller)
    assert polled.status_code == 200
    [changed] = polled.json()["changed"]
    assert changed["id"] == message_id
    assert changed["state"] == {"edit": "visible", "delete": "deleted", "hide": "hidden"}[change]


def test_a_reader_never_overwrites_a_newer_version_in_redis(
    shared_redis: redis.Redis, group: CommunityGroup
) -> None:
    shared_cache.group_version_publish(group_id=group.pk, version=group.version + 5)
    # A reader that missed earlier and read the database (an older version) only adds.
    assert shared_cache.group_version(group_id=group.pk) == group.version + 5
    shared_cache.group_version_forget(group_id=group.pk)
    assert shared_cache.group_version(group_id=group.pk) == group.version


def test_a_closed_group_is_read_again_from_the_database(
    shared_redis: redis.Redis,
    client: APIClient,
    group: CommunityGroup,
    me: Alumnus,
    django_capture_on_commit_callbacks: Any,
) -> None:
    poller = _poller(client, group, me)
    assert _poll(client, group, poller).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        group.is_active = False
        group.save()
    assert _poll(client, group, poller).status_code == 404


def test_without_redis_polls_and_posts_use_the_database(
    settings: Any, client: APIClient, group: CommunityGroup, me: Alumnus
) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    shared_cache._client.cache_clear()
    try:
        poller = _poller(client, group, me)
        with CaptureQueriesContext(connection) as queries:
            assert _poll(client, group, poller).status_code == 304
        assert len(queries) == 1  # the group's version
        new = post(group, member_of(group).alumnus, "新着")
        assert [m["id"] for m in _poll(client, group, poller).json()["messages"]] == [new.pk]
    finally:
        shared_cache._client.cache_clear()


def test_posts_within_half_the_push_delay_share_one_push_task(
    shared_redis: redis.Redis,
    settings: Any,
    group: CommunityGroup,
    me: Alumnus,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.CHAT_PUSH_DELAY_SECONDS = 10
    other = member_of(group, status=MembershipStatus.ACTIVE).alumnus
    with django_capture_on_commit_callbacks(execute=True):
        for author in (me, other, me):
            post(group, author, "続けて投稿")
    assert DBTaskResult.objects.filter(task_path__endswith="chat_push_task").count() == 1
    shared_cache.push_batch_leave(group_id=group.pk)  # as when half the delay has passed
    with django_capture_on_commit_callbacks(execute=True):
        post(group, other, "しばらくして")
    assert DBTaskResult.objects.filter(task_path__endswith="chat_push_task").count() == 2
