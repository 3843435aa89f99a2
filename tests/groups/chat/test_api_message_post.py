"""Posting a message through the API: what is stored, idempotent retries by client_id, refused input."""

import json
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from cms.alumni.models import Alumnus
from cms.groups.chat.models import CommunityGroup, Message
from tests.groups.chat.api_calls import messages_url, send
from tests.groups.chat.factories import CommunityGroupFactory, MembershipFactory

pytestmark = pytest.mark.django_db


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
    MembershipFactory(group=other, alumnus=me)
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
    ['{"body": "client_id がない"}', '{"body": "x", "client_id": "not-a-uuid"}', "{not json", "[]"],
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
