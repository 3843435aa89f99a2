"""New messages reach members who are away as one push per group per interval, through the
local push service (VAPID checked, payload decrypted)."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from cms.alumni.models import Alumnus
from cms.groups.chat.models import CommunityGroup, Membership, Message
from cms.push.models import PushSubscription, VapidKey
from tests.fixtures.push_service import LocalPushService, TestSubscription
from tests.groups.chat.factories import CommunityGroupFactory, MembershipFactory, post

pytestmark = pytest.mark.django_db

Subscribe = Callable[..., TestSubscription]


@pytest.fixture
def group() -> CommunityGroup:
    return CommunityGroupFactory(name="子育て世代の会")


@pytest.fixture
def posting(
    django_capture_on_commit_callbacks: Any,
) -> Callable[[CommunityGroup, Alumnus, str], Message]:
    """Post as the API does: the push task runs when the transaction commits."""

    def _post(group: CommunityGroup, author: Alumnus, body: str = "こんにちは") -> Message:
        with django_capture_on_commit_callbacks(execute=True):
            return post(group, author, body)

    return _post


def away_member(group: CommunityGroup, **fields: Any) -> Alumnus:
    alumnus: Alumnus = MembershipFactory(group=group).alumnus
    for name, value in {"consent_push": True, **fields}.items():
        setattr(alumnus, name, value)
    alumnus.save()
    return alumnus


def test_a_member_away_gets_one_push_without_the_text_or_the_author(
    group: CommunityGroup,
    posting: Any,
    subscribe: Subscribe,
    vapid_key: VapidKey,
    push_service: LocalPushService,
) -> None:
    phone = subscribe(away_member(group))
    author = MembershipFactory(group=group).alumnus

    posting(group, author, "秘密の話です")

    assert push_service.errors == []
    [message] = phone.received
    assert message.payload == {
        "web_push": 8030,
        "notification": {
            "title": "子育て世代の会",
            "body": "新しいメッセージがあります。",
            "navigate": f"{settings.PWA_BASE_URL}/app/chat/?group={group.pk}",
            "lang": "ja",
            "dir": "ltr",
            "tag": f"chat-{group.pk}",
            "data": {"group": group.pk},
        },
    }
    assert message.vapid_key == vapid_key.public_key
    assert "秘密" not in str(message.payload) and "宮城" not in str(message.payload)


def test_a_burst_of_messages_makes_one_push_per_person_per_interval(
    group: CommunityGroup, posting: Any, subscribe: Subscribe, vapid_key: VapidKey
) -> None:
    phone = subscribe(away_member(group))
    author = MembershipFactory(group=group).alumnus
    for n in range(5):
        posting(group, author, f"{n}件目")
    assert len(phone.received) == 1

    # Once the interval has passed, the next message is pushed again.
    Membership.objects.filter(group=group).update(
        last_pushed_at=timezone.now()
        - dt.timedelta(seconds=settings.CHAT_PUSH_MIN_INTERVAL_SECONDS + 1)
    )
    posting(group, author, "しばらくして")
    assert len(phone.received) == 2


def test_nothing_new_since_the_last_push_pushes_nothing_even_after_the_interval(
    group: CommunityGroup, posting: Any, subscribe: Subscribe, vapid_key: VapidKey
) -> None:
    from cms.groups.chat.services import chat_push_new_messages

    phone = subscribe(away_member(group))
    posting(group, MembershipFactory(group=group).alumnus)
    Membership.objects.filter(group=group).update(
        last_pushed_at=timezone.now() - dt.timedelta(days=1)
    )
    chat_push_new_messages(group_id=group.pk)
    assert len(phone.received) == 1


def test_the_author_the_muted_the_unconsenting_and_those_who_read_get_no_push(
    group: CommunityGroup, posting: Any, subscribe: Subscribe, vapid_key: VapidKey
) -> None:
    author = away_member(group)
    muted = away_member(group)
    Membership.objects.filter(alumnus=muted).update(muted=True)
    unconsenting = away_member(group, consent_push=False)
    reader = away_member(group)
    other_group = CommunityGroupFactory()
    outsider = away_member(other_group)
    devices = [subscribe(a) for a in (author, muted, unconsenting, reader, outsider)]
    Membership.objects.filter(alumnus=reader).update(last_read_message_id=10**9)

    posting(group, author)

    assert [len(d.received) for d in devices] == [0, 0, 0, 0, 0]


def test_other_groups_have_their_own_interval(
    group: CommunityGroup, posting: Any, subscribe: Subscribe, vapid_key: VapidKey
) -> None:
    alumnus = away_member(group)
    second = CommunityGroupFactory()
    MembershipFactory(group=second, alumnus=alumnus)
    phone = subscribe(alumnus)
    posting(group, MembershipFactory(group=group).alumnus)
    posting(second, MembershipFactory(group=second).alumnus)
    assert sorted(m.payload["notification"]["tag"] for m in phone.received) == [
        f"chat-{group.pk}",
        f"chat-{second.pk}",
    ]


def test_a_gone_subscription_is_deleted(
    group: CommunityGroup, posting: Any, subscribe: Subscribe, vapid_key: VapidKey
) -> None:
    alumnus = away_member(group)
    subscribe(alumnus, responses=(410,))
    posting(group, MembershipFactory(group=group).alumnus)
    assert not PushSubscription.objects.filter(alumnus=alumnus).exists()


def test_muting_through_the_api_stops_pushes(
    group: CommunityGroup, posting: Any, subscribe: Subscribe, vapid_key: VapidKey
) -> None:
    from rest_framework.test import APIClient

    alumnus = away_member(group)
    phone = subscribe(alumnus)
    client = APIClient()
    client.force_login(alumnus.user)
    response = client.patch(f"/api/v1/groups/{group.pk}/membership", {"muted": True}, format="json")
    assert response.json()["muted"] is True
    posting(group, MembershipFactory(group=group).alumnus)
    assert phone.received == []
