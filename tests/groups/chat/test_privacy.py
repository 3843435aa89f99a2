"""Messages in the personal data export, erased on account deletion, purged after retention."""

import datetime as dt
import io
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from cms.groups.chat.models import Membership, Message, ModerationLogEntry, Report
from cms.groups.chat.services import message_hide
from tests.groups.chat.factories import CommunityGroupFactory, MembershipFactory, post

pytestmark = pytest.mark.django_db


def test_export_contains_my_memberships_messages_and_reports() -> None:
    group = CommunityGroupFactory(name="山歩きの会")
    me = MembershipFactory(group=group).alumnus
    other = MembershipFactory(group=group).alumnus
    post(group, me, "週末に蔵王へ行きます")
    theirs = post(group, other, "いいですね")
    client = APIClient()
    client.force_login(me.user)
    client.post(f"/api/v1/messages/{theirs.pk}/report", {"reason": "テスト"}, format="json")

    data = client.get("/api/v1/me/export").json()

    assert [m["group"] for m in data["community_groups"]] == ["山歩きの会"]
    assert [(m["group"], m["body"]) for m in data["community_messages"]] == [
        ("山歩きの会", "週末に蔵王へ行きます")
    ]
    assert [(r["message"], r["reason"]) for r in data["community_reports"]] == [
        (theirs.pk, "テスト")
    ]
    assert data["profile"]["email"] == me.email  # the identity domain's part is still there


def test_account_deletion_erases_the_text_and_author_of_my_messages() -> None:
    group = CommunityGroupFactory()
    me = MembershipFactory(group=group).alumnus
    other = MembershipFactory(group=group).alumnus
    mine = post(group, me, "退会前の投稿")
    post(group, other, "残る投稿")
    client = APIClient()
    client.force_login(me.user)

    assert client.delete("/api/v1/me").status_code == 204

    erased = Message.objects.get(pk=mine.pk)
    assert (erased.body, erased.author_id) == ("", None)
    assert erased.deleted_at is not None
    assert not Membership.objects.filter(alumnus_id=me.pk).exists()
    reader = APIClient()
    reader.force_login(other.user)
    shown = reader.get(f"/api/v1/groups/{group.pk}/messages").json()["messages"]
    assert [(m["author_name"], m["state"], m["body"]) for m in shown] == [
        ("退会したメンバー", "deleted", None),
        ("宮城 太郎", "visible", "残る投稿"),
    ]
    assert "退会前の投稿" not in str(list(Message.objects.values_list("body", flat=True)))


def test_purge_deletes_what_is_older_than_the_retention_period(
    django_user_model: Any,
) -> None:
    group = CommunityGroupFactory()
    author = MembershipFactory(group=group).alumnus
    reporter = MembershipFactory(group=group).alumnus
    old, recent = post(group, author, "古い"), post(group, author, "新しい")
    Report.objects.create(message=old, reporter=reporter)
    hr = django_user_model.objects.create_user(username="hr", is_superuser=True)
    message_hide(message_id=old.pk, user=hr)
    long_ago = timezone.now() - dt.timedelta(days=settings.CHAT_RETENTION_DAYS + 1)
    Message.objects.filter(pk=old.pk).update(created_at=long_ago)
    ModerationLogEntry.objects.update(at=long_ago)

    out = io.StringIO()
    call_command("purge_chat", stdout=out)

    assert "メッセージ 1 件" in out.getvalue()

    assert list(Message.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not Report.objects.exists()
    assert not ModerationLogEntry.objects.exists()
