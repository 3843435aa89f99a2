"""Django's cache on a real Redis (a redis-server of the test's own, on a free port): push
batching, sessions read from it; and posting as before when there is no Redis or it fails."""

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from cms.alumni.models import Alumnus
from cms.groups.chat.models import CommunityGroup
from cms.push.notify import notify_batch_leave
from tests.groups.chat.factories import MembershipFactory, post

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server started for this test session (no persistence), stopped after it."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is needed for these tests (apt-get install redis-server)")
    port = _free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path_factory.mktemp("redis"),
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _use_redis(settings: Any, url: str) -> None:
    settings.REDIS_URL = url
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"test-{time.monotonic_ns()}",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def _push_tasks() -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path__endswith="chat_push_task").count()


@pytest.fixture
def deferred_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.CHAT_PUSH_DELAY_SECONDS = 10


def _three_posts(group: CommunityGroup, me: Alumnus, capture: Any) -> None:
    other = MembershipFactory(group=group).alumnus
    with capture(execute=True):
        for author in (me, other, me):
            post(group, author, "続けて投稿")


def test_posts_within_half_the_push_delay_share_one_push_task(
    redis_url: str,
    settings: Any,
    deferred_tasks: None,
    group: CommunityGroup,
    me: Alumnus,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _use_redis(settings, redis_url)
    _three_posts(group, me, django_capture_on_commit_callbacks)
    assert _push_tasks() == 1
    notify_batch_leave(f"chat:{group.pk}")  # as when half the delay has passed
    with django_capture_on_commit_callbacks(execute=True):
        post(group, me, "しばらくして")
    assert _push_tasks() == 2


def test_without_a_working_redis_every_post_queues_its_push(
    settings: Any,
    deferred_tasks: None,
    group: CommunityGroup,
    me: Alumnus,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _use_redis(settings, f"redis://127.0.0.1:{_free_port()}/0")  # nothing listens there
    _three_posts(group, me, django_capture_on_commit_callbacks)
    assert _push_tasks() == 3


def test_without_redis_one_process_batches_its_own_posts(
    settings: Any,
    deferred_tasks: None,
    group: CommunityGroup,
    me: Alumnus,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.core.cache import cache

    cache.clear()  # the process's own memory (no REDIS_URL)
    _three_posts(group, me, django_capture_on_commit_callbacks)
    assert _push_tasks() == 1


def test_with_sessions_in_redis_signing_out_everywhere_stops_the_poll_at_once(
    redis_url: str, settings: Any, group: CommunityGroup, me: Alumnus
) -> None:
    from rest_framework.test import APIClient

    _use_redis(settings, redis_url)
    phone, tablet = APIClient(), APIClient()
    phone.force_login(me.user)
    tablet.force_login(me.user)
    url = f"/api/v1/groups/{group.pk}/messages"
    first = tablet.get(url)
    assert first.status_code == 200
    assert tablet.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    assert phone.delete("/api/v1/auth/sessions").status_code == 200

    assert tablet.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 401
