"""Chat tests: a group, a member signed in through the API client, the poll ticket's clock; the
push tests' subscriptions and VAPID key."""

import time

import pytest
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
