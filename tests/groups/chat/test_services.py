"""The moderation services: the rules the API and the admin share, and their log."""

import uuid
from typing import Any

import pytest
from django.utils import timezone

from cms.groups.chat import services
from cms.groups.chat.errors import ChatError, NotAllowed, NotFound
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
    post,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user(username="hr", is_superuser=True)


def test_a_deleted_message_cannot_be_hidden_by_anyone(group: CommunityGroup, hr: Any) -> None:
    message = post(group, MembershipFactory(group=group).alumnus, "消される")
    Message.objects.filter(pk=message.pk).update(deleted_at=timezone.now())
    with pytest.raises(NotFound):
        services.message_hide(message_id=message.pk, user=hr)
    assert not ModerationLogEntry.objects.exists()


def test_suspend_and_hide_happen_together_or_not_at_all(group: CommunityGroup, hr: Any) -> None:
    acting = MembershipFactory(group=group, role=MembershipRole.MODERATOR)
    other_moderator = MembershipFactory(group=group, role=MembershipRole.MODERATOR)
    message = post(group, other_moderator.alumnus, "違反")

    with pytest.raises(NotAllowed):  # the suspension is refused: the hide is rolled back with it
        services.member_suspend_and_hide(message_id=message.pk, user=acting.alumnus.user)

    assert Message.objects.get(pk=message.pk).hidden_at is None
    assert not ModerationLogEntry.objects.exists()
    services.member_suspend_and_hide(message_id=message.pk, user=hr)
    assert Membership.objects.get(pk=other_moderator.pk).status == MembershipStatus.SUSPENDED
    assert Message.objects.get(pk=message.pk).hidden_at is not None


def test_only_staff_named_for_a_group_or_with_the_permission_may_moderate_it(
    django_user_model: Any, group: CommunityGroup
) -> None:
    clerk = django_user_model.objects.create_user(username="clerk")
    with pytest.raises(NotAllowed):
        services.moderator_for(user=clerk, group_id=group.pk)
    group.staff_moderators.add(clerk)
    assert services.moderator_for(user=clerk, group_id=group.pk).by_staff


def test_an_alumnus_moderates_only_as_an_active_moderator_of_the_group(
    group: CommunityGroup,
) -> None:
    outsider = MembershipFactory(group=CommunityGroupFactory()).alumnus
    with pytest.raises(NotFound):
        services.moderator_for(user=outsider.user, group_id=group.pk)
    with pytest.raises(NotAllowed):
        services.moderator_for(user=MembershipFactory(group=group).alumnus.user, group_id=group.pk)
    moderator = MembershipFactory(group=group, role=MembershipRole.MODERATOR)
    assert not services.moderator_for(user=moderator.alumnus.user, group_id=group.pk).by_staff


def test_an_alumnus_moderator_cannot_suspend_another_moderator(group: CommunityGroup) -> None:
    moderator = MembershipFactory(group=group, role=MembershipRole.MODERATOR)
    other = MembershipFactory(group=group, role=MembershipRole.MODERATOR)
    with pytest.raises(NotAllowed):
        services.member_suspend(group_id=group.pk, member_id=other.pk, user=moderator.alumnus.user)
    assert Membership.objects.get(pk=other.pk).status == MembershipStatus.ACTIVE


def test_each_membership_action_changes_the_member_and_logs_it_once(
    group: CommunityGroup, hr: Any
) -> None:
    pending = MembershipFactory(group=group, status=MembershipStatus.PENDING)
    member = {"group_id": group.pk, "member_id": pending.pk, "user": hr}
    services.member_approve(**member)
    services.member_appoint_moderator(**member)
    services.member_suspend(**member)
    after_suspension = Membership.objects.get(pk=pending.pk)
    assert (after_suspension.status, after_suspension.role) == (
        MembershipStatus.SUSPENDED,
        MembershipRole.MEMBER,
    )
    services.member_reinstate(**member)

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


def test_a_body_loses_bidi_overrides_and_isolates_but_keeps_lines_and_emoji() -> None:
    spoof = "請求書\u202egpj.exe と \u2066隔離\u2069\n2行目 👨\u200d👩\u200d👧"
    assert services.message_body_clean(spoof) == "請求書gpj.exe と 隔離\n2行目 👨\u200d👩\u200d👧"
    with pytest.raises(ChatError):
        services.message_body_clean("\u202e\u2067")  # nothing left to post


def test_account_deletion_calls_the_erasure(group: CommunityGroup) -> None:
    from cms.alumni.services import alumnus_delete

    author = MembershipFactory(group=group).alumnus
    message = post(group, author, "消えるべき文")
    version = CommunityGroup.objects.get(pk=group.pk).version

    alumnus_delete(alumnus=author)

    erased = Message.objects.get(pk=message.pk)
    assert (erased.body, erased.author_id, erased.revision) == ("", None, version + 1)


def test_posting_counts_a_day_of_chat_activity_only_with_consent_to_analysis() -> None:
    from cms.analytics.models import Signal, SignalType

    group = CommunityGroupFactory()
    agreed = MembershipFactory(group=group, alumnus=AlumnusFactory(consent_analytics=True)).alumnus
    declined = MembershipFactory(
        group=group, alumnus=AlumnusFactory(consent_analytics=False)
    ).alumnus
    for n in range(3):
        services.message_post(
            group_id=group.pk, alumnus=agreed, body=f"{n}", client_id=uuid.uuid4()
        )
    services.message_post(group_id=group.pk, alumnus=declined, body="x", client_id=uuid.uuid4())
    activity = Signal.objects.filter(type=SignalType.CHAT_ACTIVE)
    assert list(activity.values_list("alumnus_id", "count")) == [(agreed.pk, 3)]
