"""Posting, reading, polling, editing and reporting messages through the API."""

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from cms.alumni.models import Alumnus, AlumnusStatus
from cms.groups.chat.models import (
    CommunityGroup,
    Membership,
    MembershipStatus,
    Message,
    Report,
)
from tests.groups.chat.factories import AlumnusFactory, CommunityGroupFactory, member_of, post

pytestmark = pytest.mark.django_db


def messages_url(group: CommunityGroup) -> str:
    return f"/api/v1/groups/{group.pk}/messages"


def send(client: APIClient, group: CommunityGroup, body: Any, client_id: Any = None) -> Any:
    return client.post(
        messages_url(group),
        {"body": body, "client_id": str(client_id or uuid.uuid4())},
        format="json",
    )


# --- posting ---------------------------------------------------------------------------------


def test_member_posts_and_reads_back_the_message(client: APIClient, group: CommunityGroup) -> None:
    response = send(client, group, "  はじめまして。\r\nよろしくお願いします。  ")
    assert response.status_code == 201
    data = response.json()
    assert data["body"] == "はじめまして。\nよろしくお願いします。"
    assert data["mine"] is True and data["state"] == "visible"
    assert data["editable_until"] is not None
    [shown] = client.get(messages_url(group)).json()["messages"]
    assert shown["id"] == data["id"] and shown["author_name"] == "宮城 太郎"


def test_retry_with_the_same_client_id_returns_the_first_message(
    client: APIClient, group: CommunityGroup
) -> None:
    client_id = uuid.uuid4()
    first = send(client, group, "一度だけ", client_id)
    again = send(client, group, "一度だけ", client_id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Message.objects.count() == 1


def test_the_same_client_id_in_another_group_is_a_conflict(
    client: APIClient, group: CommunityGroup, me: Alumnus
) -> None:
    other = CommunityGroupFactory()
    member_of(other, me)
    client_id = uuid.uuid4()
    send(client, group, "一つめ", client_id)
    response = send(client, other, "二つめ", client_id)
    assert response.status_code == 409
    assert response.json()["errors"]["client_id"]
    assert Message.objects.count() == 1


def test_database_refuses_a_second_message_with_the_same_client_id(
    group: CommunityGroup, me: Alumnus
) -> None:
    client_id = uuid.uuid4()
    Message.objects.create(group=group, author=me, client_id=client_id, body="一")
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(group=group, author=me, client_id=client_id, body="二")


def test_two_thousand_characters_are_accepted(client: APIClient, group: CommunityGroup) -> None:
    assert send(client, group, "あ" * 2000).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("あ" * 2001, "body"),
        ("", "body"),
        ("   \n  ", "body"),
        ("nul\x00byte", "body"),
        (123, "body"),
    ],
)
def test_bad_text_is_refused_in_japanese_and_nothing_is_stored(
    client: APIClient, group: CommunityGroup, body: Any, field: str
) -> None:
    response = send(client, group, body)
    assert response.status_code == 400
    data = response.json()
    assert data["errors"][field]
    assert any("\u3040" <= ch <= "\u9fff" for ch in data["detail"])
    assert not Message.objects.exists()
    assert CommunityGroup.objects.get(pk=group.pk).version == 0


def test_a_lone_surrogate_in_raw_json_is_refused(client: APIClient, group: CommunityGroup) -> None:
    raw = '{"body": "bad \\ud800 text", "client_id": "' + str(uuid.uuid4()) + '"}'
    response = client.post(messages_url(group), raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"]["body"] == ["使えない文字が含まれています。"]
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        '{"body": "client_id がない"}',
        '{"body": "x", "client_id": "not-a-uuid"}',
        "{not json",
        "[]",
    ],
)
def test_malformed_posts_get_a_400_with_a_japanese_detail(
    client: APIClient, group: CommunityGroup, payload: str
) -> None:
    response = client.post(messages_url(group), payload, content_type="application/json")
    assert response.status_code == 400
    assert any("\u3040" <= ch <= "\u9fff" for ch in response.json()["detail"])
    assert not Message.objects.exists()


def test_an_oversized_request_is_refused_before_parsing(
    client: APIClient, group: CommunityGroup
) -> None:
    body = json.dumps({"body": "x" * (settings.API_MAX_REQUEST_BYTES + 1), "client_id": "x"})
    response = client.post(messages_url(group), body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["detail"] == "送信内容が大きすぎます。"


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[押してね](javascript:alert(1)) javascript:alert(document.cookie)",
        "&lt;b&gt; &amp; \"quotes\" 'single'",
    ],
)
def test_markup_is_stored_and_served_as_the_same_text(
    client: APIClient, group: CommunityGroup, body: str
) -> None:
    created = send(client, group, body)
    assert created.status_code == 201
    assert Message.objects.get().body == body
    response = client.get(messages_url(group))
    assert response["Content-Type"] == "application/json"
    assert response.json()["messages"][0]["body"] == body


def test_bidi_overrides_and_isolates_are_dropped_from_a_body(
    client: APIClient, group: CommunityGroup
) -> None:
    created = send(client, group, "請求書\u202egpj.exe\u202c \u2066右から左\u2069 \u200f")
    assert created.json()["body"] == "請求書gpj.exe 右から左"
    assert Message.objects.get().body == "請求書gpj.exe 右から左"


# --- reading and polling ---------------------------------------------------------------------


def test_newest_page_first_and_older_pages_with_before(
    client: APIClient, group: CommunityGroup, me: Alumnus, settings: Any
) -> None:
    settings.CHAT_PAGE_SIZE = 3
    ids = [post(group, me, f"{n}").pk for n in range(7)]
    newest = client.get(messages_url(group)).json()
    assert [m["id"] for m in newest["messages"]] == ids[-3:]
    assert newest["has_more_before"] is True
    older = client.get(messages_url(group), {"before": ids[-3]}).json()
    assert [m["id"] for m in older["messages"]] == ids[1:4]
    oldest = client.get(messages_url(group), {"before": ids[1]}).json()
    assert [m["id"] for m in oldest["messages"]] == ids[:1]
    assert oldest["has_more_before"] is False


@pytest.mark.parametrize("query", [{"after": "x"}, {"before": "-1"}, {"after": 1, "before": 2}])
def test_bad_cursors_are_a_400(client: APIClient, group: CommunityGroup, query: Any) -> None:
    response = client.get(messages_url(group), query)
    assert response.status_code == 400
    assert response.json()["detail"] in (
        "0 以上の整数で指定してください。",
        "after と before は同時に指定できません。",
    )


def test_unchanged_poll_is_304_with_a_fixed_number_of_queries(
    client: APIClient, group: CommunityGroup, me: Alumnus, django_assert_num_queries: Any
) -> None:
    last = post(group, me, "最初").pk
    first = client.get(messages_url(group), {"after": last, "since": 1})
    assert first.status_code == 200
    etag = first["ETag"]

    # session, user, and the membership with the group's version: nothing else.
    with django_assert_num_queries(3):
        again = client.get(
            messages_url(group), {"after": last, "since": 1}, HTTP_IF_NONE_MATCH=etag
        )

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_a_new_message_changes_the_etag_and_the_poll_returns_it(
    client: APIClient, group: CommunityGroup, me: Alumnus
) -> None:
    last = post(group, me, "最初").pk
    first = client.get(messages_url(group), {"after": last})
    other = member_of(group).alumnus
    new = post(group, other, "新しい投稿")
    polled = client.get(messages_url(group), {"after": last}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert polled.status_code == 200
    assert [m["id"] for m in polled.json()["messages"]] == [new.pk]
    assert polled["ETag"] != first["ETag"]


def test_an_edit_or_a_hide_of_an_older_message_reaches_the_poll_via_since(
    client: APIClient, group: CommunityGroup, me: Alumnus
) -> None:
    mine = post(group, me, "誤字あり")
    version = client.get(messages_url(group)).json()["version"]
    client.patch(f"/api/v1/messages/{mine.pk}", {"body": "修正済み"}, format="json")
    polled = client.get(messages_url(group), {"after": mine.pk, "since": version}).json()
    assert polled["messages"] == []
    [changed] = polled["changed"]
    assert changed["body"] == "修正済み" and changed["edited_at"] is not None


def test_etag_differs_for_different_cursors(
    client: APIClient, group: CommunityGroup, me: Alumnus
) -> None:
    first = post(group, me, "1").pk
    post(group, me, "2")
    etag = client.get(messages_url(group), {"after": first})["ETag"]
    other = client.get(messages_url(group), {"after": 0}, HTTP_IF_NONE_MATCH=etag)
    assert other.status_code == 200
    assert len(other.json()["messages"]) == 2


def test_group_list_shows_unread_counts_and_reading_clears_them(
    client: APIClient, group: CommunityGroup, me: Alumnus
) -> None:
    post(group, me, "自分の投稿は未読にならない")
    other = member_of(group).alumnus
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


# --- joining and leaving ---------------------------------------------------------------------


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
    membership = member_of(group, status="suspended", suspended_at=timezone.now())
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


# --- editing, deleting, reporting ------------------------------------------------------------


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
    theirs = post(group, member_of(group).alumnus, "勧誘です")
    for _ in range(2):
        response = client.post(
            f"/api/v1/messages/{theirs.pk}/report", {"reason": "勧誘"}, format="json"
        )
        assert response.status_code == 202
    assert Report.objects.filter(message=theirs).count() == 1
    mine = post(group, me, "自分の")
    assert client.post(f"/api/v1/messages/{mine.pk}/report", {}, format="json").status_code == 400


# --- a session that ends, a member who leaves: polls and posts stop at once -------------------


def _polled(client: APIClient, group: CommunityGroup, me: Alumnus) -> tuple[Any, dict[str, Any]]:
    last = post(group, me, "最初").pk
    query = {"after": last, "since": 1}
    return client.get(messages_url(group), query), query


ENDINGS = {
    "sign_out": 401,
    "session_expired": 401,
    "password_changed": 401,
    "user_deactivated": 401,
    "alumnus_suspended": 403,
    "leave": 404,
}


def _end(client: APIClient, group: CommunityGroup, me: Alumnus, ending: str) -> None:
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    if ending == "sign_out":
        client.logout()
        client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    elif ending == "session_expired":
        Session.objects.filter(pk=session_key).update(
            expire_date=timezone.now() - dt.timedelta(seconds=1)
        )
    elif ending == "password_changed":
        me.user.set_password("新しいパスワード")
        me.user.save()
    elif ending == "user_deactivated":
        me.user.is_active = False
        me.user.save()
    elif ending == "alumnus_suspended":
        Alumnus.objects.filter(pk=me.pk).update(status=AlumnusStatus.SUSPENDED)
    elif ending == "suspended_member":
        Membership.objects.filter(group=group, alumnus=me).update(status=MembershipStatus.SUSPENDED)
    else:
        assert client.post(f"/api/v1/groups/{group.pk}/leave").status_code == 204


@pytest.mark.parametrize("ending", ENDINGS)
def test_an_unchanged_poll_stops_at_once_when_the_session_or_membership_ends(
    client: APIClient, group: CommunityGroup, me: Alumnus, ending: str
) -> None:
    first, query = _polled(client, group, me)
    _end(client, group, me, ending)
    response = client.get(messages_url(group), query, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == ENDINGS[ending]
    assert "ETag" not in response


def test_a_suspended_members_poll_answers_anew_with_can_post_false(
    client: APIClient, group: CommunityGroup, me: Alumnus
) -> None:
    first, query = _polled(client, group, me)
    Membership.objects.filter(group=group, alumnus=me).update(status=MembershipStatus.SUSPENDED)
    answer = client.get(messages_url(group), query, HTTP_IF_NONE_MATCH=first["ETag"])
    assert answer.status_code == 200 and answer.json()["membership"]["can_post"] is False


POST_ENDINGS = {"sign_out": 401, "password_changed": 401, "suspended_member": 403, "leave": 404}


@pytest.mark.parametrize("ending", POST_ENDINGS)
def test_posting_stops_at_once_when_the_session_or_membership_ends(
    client: APIClient, group: CommunityGroup, me: Alumnus, ending: str
) -> None:
    _polled(client, group, me)
    _end(client, group, me, ending)
    response = send(client, group, "届いてはいけない")
    assert response.status_code == POST_ENDINGS[ending]
    assert "detail" in response.json()
    assert not Message.objects.filter(body="届いてはいけない").exists()


def test_a_post_needs_the_csrf_token(group: CommunityGroup, me: Alumnus) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(me.user)
    refused = send(client, group, "偽のフォームから")
    assert refused.status_code == 403 and "detail" in refused.json()
    assert not Message.objects.filter(body="偽のフォームから").exists()
    token = client.get("/api/v1/auth/session").json()["csrf_token"]
    accepted = client.post(
        messages_url(group),
        {"body": "本物", "client_id": str(uuid.uuid4())},
        format="json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert accepted.status_code == 201


# --- the flood limit ---------------------------------------------------------------------------


def test_posting_faster_than_the_flood_limit_gets_429_until_a_minute_has_passed(
    client: APIClient, group: CommunityGroup, me: Alumnus, settings: Any
) -> None:
    settings.CHAT_POSTS_PER_MINUTE = 3
    post(group, me, "最初")  # through the service: counted too
    ids = [uuid.uuid4() for _ in range(3)]
    for n, client_id in enumerate(ids[:2]):
        assert send(client, group, f"{n}", client_id).status_code == 201

    refused = send(client, group, "多すぎる")

    assert refused.status_code == 429
    assert "少し待ってから" in refused.json()["detail"]
    assert 1 <= int(refused["Retry-After"]) <= 61
    assert not Message.objects.filter(body="多すぎる").exists()
    # A retry of a post that landed is answered: it is not a new post.
    again = send(client, group, "0", ids[0])
    assert again.status_code == 200
    # A minute later the member may post again.
    Message.objects.filter(author=me).update(created_at=timezone.now() - dt.timedelta(seconds=61))
    assert send(client, group, "多すぎない").status_code == 201


def test_the_flood_limit_counts_the_members_posts_in_every_group(
    client: APIClient, group: CommunityGroup, me: Alumnus, settings: Any
) -> None:
    settings.CHAT_POSTS_PER_MINUTE = 2
    other = CommunityGroupFactory()
    member_of(other, me)
    assert send(client, group, "こちらで").status_code == 201
    assert send(client, other, "あちらで").status_code == 201
    assert send(client, group, "もう一度").status_code == 429
    # Someone else is not held back by it.
    neighbour = member_of(group).alumnus
    theirs = APIClient()
    theirs.force_login(neighbour.user)
    assert send(theirs, group, "わたしは初めて").status_code == 201
