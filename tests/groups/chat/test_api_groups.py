"""The group list with unread counts, joining (house rules) and leaving."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cms.alumni.models import Alumnus
from cms.groups.chat.models import CommunityGroup, Membership
from tests.groups.chat.api_calls import messages_url
from tests.groups.chat.factories import (
    AlumnusFactory,
    CommunityGroupFactory,
    MembershipFactory,
    post,
)

pytestmark = pytest.mark.django_db


def test_group_list_shows_unread_counts_and_reading_clears_them(
    client: APIClient, group: CommunityGroup, me: Alumnus
) -> None:
    post(group, me, "自分の投稿は未読にならない")
    other = MembershipFactory(group=group).alumnus
    post(group, other, "一")
    post(group, other, "二")
    joinable = CommunityGroupFactory(name="参加できるグループ", house_rules="丁寧な言葉で")
    listing = client.get("/api/v1/groups").json()
    assert [(g["id"], g["unread"]) for g in listing["groups"]] == [(group.pk, 2)]
    assert [(g["id"], g["house_rules"]) for g in listing["joinable"]] == [
        (joinable.pk, "丁寧な言葉で")
    ]
    client.get(messages_url(group))
    assert client.get("/api/v1/groups").json()["groups"][0]["unread"] == 0


def test_joining_needs_the_house_rules_accepted() -> None:
    group = CommunityGroupFactory()
    client = APIClient()
    alumnus = AlumnusFactory()
    client.force_login(alumnus.user)
    refused = client.post(f"/api/v1/groups/{group.pk}/join", {}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["accept_rules"]
    assert not Membership.objects.filter(alumnus=alumnus).exists()
    joined = client.post(f"/api/v1/groups/{group.pk}/join", {"accept_rules": True}, format="json")
    assert joined.status_code == 200 and joined.json()["status"] == "active"
    assert client.get(messages_url(group)).status_code == 200


def test_a_suspended_member_cannot_leave_and_join_again_to_lift_the_suspension(
    group: CommunityGroup,
) -> None:
    membership = MembershipFactory(group=group, status="suspended", suspended_at=timezone.now())
    client = APIClient()
    client.force_login(membership.alumnus.user)
    assert client.post(f"/api/v1/groups/{group.pk}/leave").status_code == 204
    rejoin = client.post(f"/api/v1/groups/{group.pk}/join", {"accept_rules": True}, format="json")
    assert rejoin.status_code == 403
    assert client.get(messages_url(group)).status_code == 404


def test_an_inactive_group_is_gone_for_its_members(
    client: APIClient, group: CommunityGroup
) -> None:
    group.is_active = False
    group.save()
    assert client.get(messages_url(group)).status_code == 404
    assert client.get("/api/v1/groups").json() == {"groups": [], "joinable": []}
