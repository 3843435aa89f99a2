"""Factories of community groups, memberships and messages for the chat tests."""

import uuid
from typing import Any

import factory

from cms.alumni.models import Alumnus
from cms.groups.chat import services
from cms.groups.chat.models import (
    CommunityGroup,
    JoinPolicy,
    Membership,
    MembershipRole,
    MembershipStatus,
    Message,
)
from tests.alumni.factories import AlumnusFactory

__all__ = ["AlumnusFactory", "CommunityGroupFactory", "MembershipFactory", "member_of", "post"]


class CommunityGroupFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"交流グループ{n}")
    description = "元職員どうしで話す場です。"
    join_policy = JoinPolicy.OPEN
    house_rules = "勧誘・営業は禁止です。"

    class Meta:
        model = CommunityGroup


class MembershipFactory(factory.django.DjangoModelFactory):
    group = factory.SubFactory(CommunityGroupFactory)
    alumnus = factory.SubFactory(AlumnusFactory)
    status = MembershipStatus.ACTIVE
    role = MembershipRole.MEMBER

    class Meta:
        model = Membership


def member_of(group: CommunityGroup, alumnus: Alumnus | None = None, **fields: Any) -> Membership:
    """An alumnus (a new one unless given) in `group`; active member unless `status`/`role`."""
    membership: Membership = MembershipFactory(
        group=group, alumnus=alumnus or AlumnusFactory(), **fields
    )
    return membership


def post(group: CommunityGroup, author: Alumnus, body: str = "こんにちは") -> Message:
    """A message posted through the service, as the API would."""
    message, _ = services.message_post(
        group_id=group.pk, alumnus=author, body=body, client_id=uuid.uuid4()
    )
    return message
