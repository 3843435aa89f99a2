"""Chat tests: a group, a member signed in through the API client, the poll ticket's clock; the
push tests' subscriptions and VAPID key."""

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections
from rest_framework.test import APIClient

from cms.alumni.models import Alumnus
from cms.groups.chat import selectors
from cms.groups.chat.models import CommunityGroup
from tests.chat.factories import CommunityGroupFactory, member_of
from tests.push.conftest import subscribe, vapid_key

__all__ = ["subscribe", "vapid_key"]


@pytest.fixture
def group() -> CommunityGroup:
    return CommunityGroupFactory()


@pytest.fixture
def me(group: CommunityGroup) -> Alumnus:
    alumnus: Alumnus = member_of(group).alumnus
    return alumnus


@pytest.fixture
def client(me: Alumnus) -> APIClient:
    client = APIClient()
    client.force_login(me.user)
    return client


@pytest.fixture
def sync_beside_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    """The browser tests' session-wide Playwright keeps an event loop in the main thread, which
    Django takes for an async context; tests after them make plain synchronous calls."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def migrated_data_restored(django_db_blocker: Any) -> Iterator[None]:
    """Request it before `transactional_db`: its teardown then runs after the flush and puts
    back what the migrations wrote (Wagtail's root page, default groups), which later tests of
    the suite (the built site of the browser tests) rely on."""
    yield
    with django_db_blocker.unblock():
        for conn in connections.all():
            contents = getattr(conn, "_test_serialized_contents", None)
            if contents:
                conn.creation.deserialize_db_from_string(contents)


class Clock:
    """The ticket's clock, moved on by hand: a ticket's age without waiting for it."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(selectors, "time", clock)
    return clock
