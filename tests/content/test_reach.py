"""The notice editor's reach preview: its JSON view and its panel."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from cms.content.models import NoticeIndexPage, Visibility
from cms.groups.models import AudienceGroup
from cms.push.models import PushSubscription
from tests.content.editor import draft_notice, edit_url
from tests.groups.factories import AlumnusFactory

pytestmark = pytest.mark.django_db


def reach(client: Client, **params: Any) -> Any:
    return client.get(reverse("content_notice_reach"), params)


def test_reach_preview_counts_the_ticked_groups_by_channel(
    editor: Client, group: AudienceGroup
) -> None:
    pushed, mailed = group.members.all()
    PushSubscription.objects.create(
        alumnus=pushed, endpoint="https://push.example/1", p256dh="k", auth="a"
    )
    mailed.consent_push = False
    mailed.save()
    AlumnusFactory(consent_email=False, consent_push=False)  # not in the group

    response = reach(editor, visibility="groups", audience_groups=[group.pk], notify_alumni="on")
    assert response.status_code == 200
    assert response.json()["text"] == (
        "このお知らせが届く人: 2人（プッシュ通知 1人・メール 1人・受け取り設定なし 0人）"
    )
    everybody = reach(editor, visibility="members", notify_alumni="on").json()["text"]
    assert everybody.startswith("このお知らせが届く人: 3人（プッシュ通知 1人・メール 1人")
    assert "受け取り設定なし 1人" in everybody


def test_reach_preview_without_groups_or_notification_says_so(editor: Client) -> None:
    assert "配信グループを選ぶと" in reach(editor, visibility="groups").json()["text"]
    assert "通知は送られません" in reach(editor, visibility="public").json()["text"]


def test_reach_preview_refuses_a_bad_visibility_in_japanese(editor: Client) -> None:
    response = reach(editor, visibility="everyone")
    assert response.status_code == 400
    assert response.json()["detail"] == "公開範囲の指定が正しくありません。"


def test_reach_preview_is_for_page_editors_only(db: None, group: AudienceGroup) -> None:
    outsider = get_user_model().objects.create_user("outsider", password="pw")
    client = Client()
    client.force_login(outsider)
    response = reach(client, visibility="groups", audience_groups=[group.pk])
    assert response.status_code in (302, 403)
    assert b"\xe4\xba\xba" not in response.content  # no "人" count leaks


def test_notice_editor_shows_the_reach_panel_with_its_script(
    editor: Client, hr: Any, notices: NoticeIndexPage, group: AudienceGroup
) -> None:
    notice = draft_notice(notices, hr, visibility=Visibility.GROUPS, notify_alumni=True)
    notice.audience_groups.set([group])
    notice.save_revision(user=hr)
    html = editor.get(edit_url(notice)).content.decode()
    assert "content/js/notice-reach.js" in html
    assert 'data-notice-reach-url="/admin/notices/reach/"' in html
    assert "このお知らせが届く人: 2人" in html
