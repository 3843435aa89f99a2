"""A member's own message edited or deleted, someone else's reported."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from cms.alumni.models import Alumnus
from cms.groups.chat.models import CommunityGroup, Message, Report
from tests.groups.chat.api_calls import messages_url
from tests.groups.chat.factories import MembershipFactory, post

pytestmark = pytest.mark.django_db


def test_own_message_can_be_edited_only_within_the_time_limit(
    client: APIClient, group: CommunityGroup, me: Alumnus
) -> None:
    message = post(group, me, "元の文")
    assert (
        client.patch(f"/api/v1/messages/{message.pk}", {"body": "直した文"}, format="json")
    ).status_code == 200
    Message.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=settings.CHAT_EDIT_MINUTES + 1)
    )
    late = client.patch(f"/api/v1/messages/{message.pk}", {"body": "遅い"}, format="json")
    assert late.status_code == 403
    assert Message.objects.get(pk=message.pk).body == "直した文"


def test_deleting_own_message_erases_its_text_but_keeps_its_place(
    client: APIClient, group: CommunityGroup, me: Alumnus
) -> None:
    message = post(group, me, "消したい")
    assert client.delete(f"/api/v1/messages/{message.pk}").status_code == 204
    assert Message.objects.get(pk=message.pk).body == ""
    [shown] = client.get(messages_url(group)).json()["messages"]
    assert (shown["state"], shown["body"]) == ("deleted", None)


def test_reporting_twice_makes_one_report_and_own_messages_cannot_be_reported(
    client: APIClient, group: CommunityGroup, me: Alumnus
) -> None:
    theirs = post(group, MembershipFactory(group=group).alumnus, "勧誘です")
    for _ in range(2):
        response = client.post(
            f"/api/v1/messages/{theirs.pk}/report", {"reason": "勧誘"}, format="json"
        )
        assert response.status_code == 202
    assert Report.objects.filter(message=theirs).count() == 1
    mine = post(group, me, "自分の")
    assert client.post(f"/api/v1/messages/{mine.pk}/report", {}, format="json").status_code == 400
