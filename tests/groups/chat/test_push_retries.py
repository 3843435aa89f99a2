"""Chat pushes are retried like notice pushes (push_send's one retry rule): 5xx, resets and
timeouts in the same run, a 503 without Retry-After in later runs with its tries counted, and
never to a member who read the messages meanwhile (local push service). A member still inside
the push interval is pushed by a run queued for when it ends."""

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from cms.groups.chat.models import CommunityGroup, Membership
from cms.groups.chat.services import chat_push_new_messages, chat_push_retry
from cms.groups.chat.tasks import chat_push_retry_task, chat_push_task
from cms.push.models import PushSubscription, VapidKey
from tests.fixtures.push_service import HANG, RESET
from tests.groups.chat.factories import MembershipFactory, post
from tests.groups.chat.test_push import Subscribe, away_member

pytestmark = pytest.mark.django_db

DATABASE_QUEUE = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "pwa", "mail"]}
}


@pytest.fixture
def quick_retries(settings: Any) -> Any:
    settings.DELIVERY_RETRY_BASE_SECONDS = 0.02
    settings.PUSH_TIMEOUT_SECONDS = 0.5
    return settings


def test_server_error_reset_and_timeout_are_retried_and_the_push_arrives_once(
    group: CommunityGroup, subscribe: Subscribe, vapid_key: VapidKey, quick_retries: Any
) -> None:
    phone = subscribe(away_member(group), responses=(500, RESET, HANG, 201))
    post(group, MembershipFactory(group=group).alumnus)

    report = chat_push_new_messages(group_id=group.pk)

    assert [a.status for a in phone.attempts] == [500, RESET, HANG, 201]
    assert len(phone.received) == 1
    assert (report.pushes_sent, report.pushes_failed, report.retry) == (1, 0, [])


def test_503_without_retry_after_is_tried_in_later_runs_counting_its_tries_then_stops(
    group: CommunityGroup, subscribe: Subscribe, vapid_key: VapidKey, quick_retries: Any
) -> None:
    quick_retries.PUSH_MAX_ATTEMPTS = 3
    quick_retries.PUSH_INLINE_RETRY_MAX_SECONDS = 0  # every retry is a later run
    phone = subscribe(away_member(group), responses=(503,))
    post(group, MembershipFactory(group=group).alumnus)
    subscription_id = PushSubscription.objects.get(endpoint=phone.endpoint).pk

    first = chat_push_new_messages(group_id=group.pk)
    assert first.retry == [(subscription_id, 1)] and first.retry_at is not None
    second = chat_push_retry(group_id=group.pk, retry=first.retry)
    assert second.retry == [(subscription_id, 2)]
    last = chat_push_retry(group_id=group.pk, retry=second.retry)
    assert (last.retry, last.pushes_failed) == ([], 1)

    assert [a.status for a in phone.attempts] == [503, 503, 503]
    assert phone.received == []


def test_the_retry_is_queued_for_when_it_is_due_with_its_tries(
    group: CommunityGroup, subscribe: Subscribe, vapid_key: VapidKey, quick_retries: Any
) -> None:
    quick_retries.PUSH_INLINE_RETRY_MAX_SECONDS = 0
    subscribe(away_member(group), responses=(503, 201))
    post(group, MembershipFactory(group=group).alumnus)

    with override_settings(TASKS=DATABASE_QUEUE):
        chat_push_task.call(group.pk)

    [queued] = DBTaskResult.objects.filter(task_path=chat_push_retry_task.module_path)
    group_id, [[_, tries]] = queued.args_kwargs["args"]
    assert (group_id, tries) == (group.pk, 1)
    assert queued.run_after > queued.enqueued_at - dt.timedelta(seconds=1)


def test_a_member_who_read_meanwhile_gets_no_retried_push(
    group: CommunityGroup, subscribe: Subscribe, vapid_key: VapidKey, quick_retries: Any
) -> None:
    quick_retries.PUSH_INLINE_RETRY_MAX_SECONDS = 0
    reader = away_member(group)
    phone = subscribe(reader, responses=(503, 201))
    post(group, MembershipFactory(group=group).alumnus)
    first = chat_push_new_messages(group_id=group.pk)
    group.refresh_from_db()
    group.memberships.filter(alumnus=reader).update(last_read_message_id=group.last_message_id)

    again = chat_push_retry(group_id=group.pk, retry=first.retry)

    assert again.members == 0
    assert [a.status for a in phone.attempts] == [503]
    assert phone.received == []


def test_a_member_inside_the_interval_is_pushed_by_a_run_queued_for_when_it_ends(
    group: CommunityGroup, subscribe: Subscribe, vapid_key: VapidKey
) -> None:
    away = away_member(group)
    phone = subscribe(away)
    author = MembershipFactory(group=group).alumnus
    post(group, author)
    chat_push_task.call(group.pk)
    assert len(phone.received) == 1
    pushed_at = Membership.objects.get(group=group, alumnus=away).last_pushed_at
    assert pushed_at is not None

    post(group, author, "続けて")
    with override_settings(TASKS=DATABASE_QUEUE):
        chat_push_task.call(group.pk)

    assert len(phone.received) == 1
    [queued] = DBTaskResult.objects.filter(task_path=chat_push_task.module_path)
    assert queued.args_kwargs["args"] == [group.pk]
    interval = dt.timedelta(seconds=settings.CHAT_PUSH_MIN_INTERVAL_SECONDS)
    assert queued.run_after > pushed_at + interval
