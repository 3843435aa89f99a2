"""Chat tests: a group, a member signed in through the API client; the push tests'
subscriptions and VAPID key."""

import pytest
from rest_framework.test import APIClient

from cms.alumni.models import Alumnus
from cms.groups.chat.models import CommunityGroup
from tests.groups.chat.factories import CommunityGroupFactory, MembershipFactory
from tests.push.conftest import subscribe, vapid_key

__all__ = ["subscribe", "vapid_key"]


@pytest.fixture
def group() -> CommunityGroup:
    return CommunityGroupFactory()


@pytest.fixture
def me(group: CommunityGroup) -> Alumnus:
    alumnus: Alumnus = MembershipFactory(group=group).alumnus
    return alumnus


@pytest.fixture
def client(me: Alumnus) -> APIClient:
    client = APIClient()
    client.force_login(me.user)
    return client
