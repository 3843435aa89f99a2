"""The flood limit of posts (CHAT_POSTS_PER_MINUTE): 429 with Retry-After, per member across groups."""

import datetime as dt
import uuid
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cms.alumni.models import Alumnus
from cms.groups.chat.models import CommunityGroup, Message
from tests.groups.chat.api_calls import send
from tests.groups.chat.factories import CommunityGroupFactory, MembershipFactory, post

pytestmark = pytest.mark.django_db


def test_posting_faster_than_the_flood_limit_gets_429_until_a_minute_has_passed(
    client: APIClient, group: CommunityGroup, me: Alumnus, settings: Any
) -> None:
    settings.CHAT_POSTS_PER_MINUTE = 3
    post(group, me, "最初")  # through the service: counted too
    ids = [uuid.uuid4() for _ in range(3)]
    for n, client_id in enumerate(ids[:2]):
        assert send(client, group, f"{n}", client_id).status_code == 201

    refused = send(client, group, "多すぎる")

    assert refused.status_code == 429
    assert "少し待ってから" in refused.json()["detail"]
    assert 1 <= int(refused["Retry-After"]) <= 61
    assert not Message.objects.filter(body="多すぎる").exists()
    # A retry of a post that landed is answered: it is not a new post.
    again = send(client, group, "0", ids[0])
    assert again.status_code == 200
    # A minute later the member may post again.
    Message.objects.filter(author=me).update(created_at=timezone.now() - dt.timedelta(seconds=61))
    assert send(client, group, "多すぎない").status_code == 201


def test_the_flood_limit_counts_the_members_posts_in_every_group(
    client: APIClient, group: CommunityGroup, me: Alumnus, settings: Any
) -> None:
    settings.CHAT_POSTS_PER_MINUTE = 2
    other = CommunityGroupFactory()
    MembershipFactory(group=other, alumnus=me)
    assert send(client, group, "こちらで").status_code == 201
    assert send(client, other, "あちらで").status_code == 201
    assert send(client, group, "もう一度").status_code == 429
    # Someone else is not held back by it.
    neighbour = MembershipFactory(group=group).alumnus
    theirs = APIClient()
    theirs.force_login(neighbour.user)
    assert send(theirs, group, "わたしは初めて").status_code == 201
