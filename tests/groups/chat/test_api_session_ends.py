"""A session that ends, a member who leaves: polls and posts stop at once; posts need CSRF."""

import datetime as dt
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from rest_framework.test import APIClient

from cms.alumni.models import Alumnus, AlumnusStatus
from cms.groups.chat.models import CommunityGroup, Membership, MembershipStatus, Message
from tests.groups.chat.api_calls import messages_url, send
from tests.groups.chat.factories import post

pytestmark = pytest.mark.django_db


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
