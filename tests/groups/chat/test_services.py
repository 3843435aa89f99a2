"""The moderation services: the rules the API and the admin share, and their log."""

import uuid
from typing import Any

import pytest
from django.utils import timezone

from cms.groups.chat import services
from cms.groups.chat.errors import NotAllowed, NotFound
from cms.groups.chat.models import (
    CommunityGroup,
    Membership,
    MembershipRole,
    MembershipStatus,
    Message,
    ModerationAction,
    ModerationLogEntry,
)
from tests.groups.chat.factories import (
    AlumnusFactory,
    CommunityGroupFactory,
    MembershipFactory,
    member_of,
    post,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model: Any, group: CommunityGroup) -> services.Moderator:
    user = django_user_model.objects.create_user(username="hr", is_superuser=True)
    return services.moderator_for_staff(user=user, group=group)


def test_a_deleted_message_cannot_be_hidden_by_anyone(
    group: CommunityGroup, staff: services.Moderator
) -> None:
    message = post(group, member_of(group).alumnus, "消される")
    Message.objects.filter(pk=message.pk).update(deleted_at=timezone.now())
    message.refresh_from_db()
    with pytest.raises(NotFound):
        services.message_hide(message=message, moderator=staff)
    assert not ModerationLogEntry.objects.exists()


def test_suspend_and_hide_happen_together_or_not_at_all(
    group: CommunityGroup, staff: services.Moderator
) -> None:
    author = member_of(group)
    message = post(group, author.alumnus, "違反")
    Message.objects.filter(pk=message.pk).update(deleted_at=timezone.now())
    message.refresh_from_db()

    with pytest.raises(NotFound):  # the hide fails: the suspension is rolled back with it
        services.member_suspend_and_hide(message=message, moderator=staff)

    assert Membership.objects.get(pk=author.pk).status == MembershipStatus.ACTIVE
    fresh = post(group, author.alumnus, "もう一度")
    services.member_suspend_and_hide(message=fresh, moderator=staff)
    assert Membership.objects.get(pk=author.pk).status == MembershipStatus.SUSPENDED
    assert Message.objects.get(pk=fresh.pk).hidden_at is not None


def test_only_staff_may_moderate_a_group_they_are_not_named_for(
    django_user_model: Any, group: CommunityGroup
) -> None:
    clerk = django_user_model.objects.create_user(username="clerk")
    with pytest.raises(NotAllowed):
        services.moderator_for_staff(user=clerk, group=group)
    group.staff_moderators.add(clerk)
    assert services.moderator_for_staff(user=clerk, group=group).by_staff


def test_an_alumnus_moderator_cannot_suspend_another_moderator(group: CommunityGroup) -> None:
    moderator = member_of(group, role=MembershipRole.MODERATOR)
    other = member_of(group, role=MembershipRole.MODERATOR)
    acting = services.moderator_for_alumnus(group_id=group.pk, alumnus=moderator.alumnus)
    with pytest.raises(NotAllowed):
        services.member_suspend(membership=other, moderator=acting)


def test_each_membership_action_changes_the_member_and_logs_it_once(
    group: CommunityGroup, staff: services.Moderator
) -> None:
    pending = MembershipFactory(group=group, status=MembershipStatus.PENDING)
    services.member_approve(membership=pending, moderator=staff)
    services.member_appoint_moderator(membership=pending, moderator=staff)
    services.member_suspend(membership=pending, moderator=staff)
    after_suspension = Membership.objects.get(pk=pending.pk)
    assert (after_suspension.status, after_suspension.role) == (
        MembershipStatus.SUSPENDED,
        MembershipRole.MEMBER,
    )
    services.member_reinstate(membership=pending, moderator=staff)

    reinstated = Membership.objects.get(pk=pending.pk)
    assert (reinstated.status, reinstated.suspended_at) == (MembershipStatus.ACTIVE, None)
    assert list(
        ModerationLogEntry.objects.filter(membership=pending)
        .order_by("pk")
        .values_list("action", "actor_label")
    ) == [
        (action, "人事課: hr")
        for action in (
            ModerationAction.APPROVE,
            ModerationAction.APPOINT,
            ModerationAction.SUSPEND,
            ModerationAction.REINSTATE,
        )
    ]


def test_account_deletion_calls_the_erasure(group: CommunityGroup) -> None:
    from cms.alumni.services import alumnus_delete

    author = member_of(group).alumnus
    message = post(group, author, "消えるべき文")
    version = CommunityGroup.objects.get(pk=group.pk).version

    alumnus_delete(alumnus=author)

    erased = Message.objects.get(pk=message.pk)
    assert (erased.body, erased.author_id, erased.revision) == ("", None, version + 1)


def test_posting_counts_a_day_of_chat_activity_only_with_consent_to_analysis() -> None:
    from cms.analytics.models import Signal, SignalType

    group = CommunityGroupFactory()
    agreed = member_of(group, AlumnusFactory(consent_analytics=True)).alumnus
    declined = member_of(group, AlumnusFactory(consent_analytics=False)).alumnus
    for n in range(3):
        services.message_post(
            group_id=group.pk, alumnus=agreed, body=f"{n}", client_id=uuid.uuid4()
        )
    services.message_post(group_id=group.pk, alumnus=declined, body="x", client_id=uuid.uuid4())
    activity = Signal.objects.filter(type=SignalType.CHAT_ACTIVE)
    assert list(activity.values_list("alumnus_id", "count")) == [(agreed.pk, 3)]
