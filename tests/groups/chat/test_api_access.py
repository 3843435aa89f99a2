"""Who may do what on every group endpoint: anonymous, non-member, member, suspended member,
moderator and HR (staff; HR moderates in the admin, not through the alumni API)."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from cms.groups.chat.models import (
    CommunityGroup,
    Membership,
    MembershipRole,
    MembershipStatus,
    Message,
)
from tests.groups.chat.factories import (
    AlumnusFactory,
    CommunityGroupFactory,
    MembershipFactory,
    post,
)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "non_member", "member", "suspended", "moderator", "hr")


@dataclass
class Scene:
    group: CommunityGroup
    others_message: Message
    others_membership: Membership


@pytest.fixture
def scene() -> Scene:
    group = CommunityGroupFactory()
    author = MembershipFactory(group=group)
    return Scene(group, post(group, author.alumnus, "ほかの人の投稿"), author)


def client_as(role: str, group: CommunityGroup) -> APIClient:
    client = APIClient()
    if role == "anonymous":
        return client
    if role == "hr":
        user = get_user_model().objects.create_user(username="hr", is_staff=True, is_superuser=True)
        client.force_authenticate(user)
        client.force_login(user)
        return client
    alumnus = AlumnusFactory()
    if role != "non_member":
        MembershipFactory(
            group=group,
            alumnus=alumnus,
            status=MembershipStatus.SUSPENDED if role == "suspended" else MembershipStatus.ACTIVE,
            role=MembershipRole.MODERATOR if role == "moderator" else MembershipRole.MEMBER,
        )
    client.force_login(alumnus.user)
    return client


Operation = Callable[[APIClient, Scene], Any]

OPERATIONS: dict[str, tuple[Operation, dict[str, int]]] = {
    "read": (
        lambda c, s: c.get(f"/api/v1/groups/{s.group.pk}/messages"),
        {"member": 200, "suspended": 200, "moderator": 200},
    ),
    "post": (
        lambda c, s: c.post(
            f"/api/v1/groups/{s.group.pk}/messages",
            {"body": "投稿します", "client_id": str(uuid.uuid4())},
            format="json",
        ),
        {"member": 201, "suspended": 403, "moderator": 201},
    ),
    "edit_anothers": (
        lambda c, s: c.patch(
            f"/api/v1/messages/{s.others_message.pk}", {"body": "書き換え"}, format="json"
        ),
        {"member": 403, "suspended": 403, "moderator": 403},
    ),
    "delete_anothers": (
        lambda c, s: c.delete(f"/api/v1/messages/{s.others_message.pk}"),
        {"member": 403, "suspended": 403, "moderator": 403},
    ),
    "report": (
        lambda c, s: c.post(
            f"/api/v1/messages/{s.others_message.pk}/report", {"reason": "勧誘"}, format="json"
        ),
        {"member": 202, "suspended": 202, "moderator": 202},
    ),
    "hide": (
        lambda c, s: c.post(f"/api/v1/messages/{s.others_message.pk}/hide", {}, format="json"),
        {"member": 403, "suspended": 403, "moderator": 200},
    ),
    "suspend_member": (
        lambda c, s: c.post(
            f"/api/v1/groups/{s.group.pk}/members/{s.others_membership.pk}/suspend", format="json"
        ),
        {"member": 403, "suspended": 403, "moderator": 200},
    ),
    "mute": (
        lambda c, s: c.patch(
            f"/api/v1/groups/{s.group.pk}/membership", {"muted": True}, format="json"
        ),
        {"member": 200, "suspended": 200, "moderator": 200},
    ),
    "leave": (
        lambda c, s: c.post(f"/api/v1/groups/{s.group.pk}/leave"),
        {"member": 204, "suspended": 204, "moderator": 204},
    ),
}


def expected_status(role: str, allowed: dict[str, int]) -> int:
    if role == "anonymous":
        return 401
    if role == "hr":
        return 403  # signed in, but not an alumnus
    if role == "non_member":
        return 404  # a non-member learns nothing about the group
    return allowed[role]


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(role: str, operation: str, scene: Scene) -> None:
    call, allowed = OPERATIONS[operation]
    client = client_as(role, scene.group)
    before = (
        Message.objects.count(),
        Message.objects.get(pk=scene.others_message.pk).body,
        Message.objects.get(pk=scene.others_message.pk).hidden_at,
        Membership.objects.get(pk=scene.others_membership.pk).status,
    )

    response = call(client, scene)

    assert response.status_code == expected_status(role, allowed), response.content
    if response.status_code >= 400:
        assert response.json()["detail"]
        # A refusal changes nothing.
        after = (
            Message.objects.count(),
            Message.objects.get(pk=scene.others_message.pk).body,
            Message.objects.get(pk=scene.others_message.pk).hidden_at,
            Membership.objects.get(pk=scene.others_membership.pk).status,
        )
        assert after == before


def test_non_member_gets_the_same_404_as_for_a_group_that_does_not_exist(scene: Scene) -> None:
    client = client_as("non_member", scene.group)
    real = client.get(f"/api/v1/groups/{scene.group.pk}/messages")
    missing = client.get("/api/v1/groups/999999/messages")
    assert real.status_code == missing.status_code == 404
    assert real.json() == missing.json()


def test_pending_member_of_a_group_by_approval_cannot_read_it() -> None:
    group = CommunityGroupFactory(join_policy="approval")
    MembershipFactory(group=group)  # somebody already inside
    client = client_as("non_member", group)
    joined = client.post(f"/api/v1/groups/{group.pk}/join", {"accept_rules": True}, format="json")
    assert joined.json()["status"] == "pending"
    assert client.get(f"/api/v1/groups/{group.pk}/messages").status_code == 404


def test_moderator_sees_a_hidden_message_without_its_text(scene: Scene) -> None:
    client = client_as("moderator", scene.group)
    client.post(f"/api/v1/messages/{scene.others_message.pk}/hide", {}, format="json")
    [shown] = client.get(f"/api/v1/groups/{scene.group.pk}/messages").json()["messages"]
    assert shown["state"] == "hidden" and shown["body"] is None
    assert (
        "ほかの人の投稿"
        not in client.get(f"/api/v1/groups/{scene.group.pk}/messages").content.decode()
    )


BIG = 2**64  # beyond what the database stores


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/api/v1/groups/{BIG}/messages"),
        ("post", f"/api/v1/groups/{BIG}/messages"),
        ("post", f"/api/v1/groups/{BIG}/join"),
        ("post", f"/api/v1/groups/{BIG}/leave"),
        ("patch", f"/api/v1/groups/{BIG}/membership"),
        ("post", f"/api/v1/groups/{{group}}/members/{BIG}/suspend"),
        ("patch", f"/api/v1/messages/{BIG}"),
        ("delete", f"/api/v1/messages/{BIG}"),
        ("post", f"/api/v1/messages/{BIG}/report"),
        ("post", f"/api/v1/messages/{BIG}/hide"),
    ],
)
def test_ids_beyond_64_bits_are_a_json_404(scene: Scene, method: str, path: str) -> None:
    client = client_as("moderator", scene.group)
    body = {"body": "x", "client_id": str(uuid.uuid4()), "muted": True, "accept_rules": True}
    response = getattr(client, method)(path.format(group=scene.group.pk), body, format="json")
    assert (response.status_code, response.json()) == (404, {"detail": "見つかりませんでした。"})


def test_cursors_beyond_64_bits_are_a_json_400(scene: Scene) -> None:
    client = client_as("member", scene.group)
    response = client.get(f"/api/v1/groups/{scene.group.pk}/messages?after={BIG}")
    assert response.status_code == 400
    assert "after" in response.json()["errors"]
