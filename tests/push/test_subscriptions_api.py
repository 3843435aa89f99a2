"""POST/DELETE /api/v1/push/subscriptions and GET /api/v1/push/key."""

from typing import Any

import pytest
from django.test import Client

from cms.push.models import PushSubscription
from cms.push.services import vapid_key_create
from tests.fixtures.push_service import LocalPushService
from tests.groups.factories import AlumnusFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/push/subscriptions"


@pytest.fixture
def alumnus_client(client: Client) -> tuple[Client, Any]:
    alumnus = AlumnusFactory()
    client.force_login(alumnus.user)
    return client, alumnus


def test_key_is_made_once_and_served(client: Client) -> None:
    assert client.get("/api/v1/push/key").status_code == 503
    key, created = vapid_key_create()
    again, created_again = vapid_key_create()
    assert created and not created_again and again.pk == key.pk
    response = client.get("/api/v1/push/key")
    assert response.status_code == 200
    assert response.json() == {"public_key": key.public_key}


def test_signed_in_alumnus_subscribes_and_unsubscribes(
    alumnus_client: tuple[Client, Any], push_service: LocalPushService
) -> None:
    client, alumnus = alumnus_client
    sub = push_service.subscription()
    response = client.post(URL, sub.as_json(), content_type="application/json")
    assert response.status_code == 201
    stored = PushSubscription.objects.get()
    assert (stored.alumnus, stored.endpoint, stored.p256dh) == (alumnus, sub.endpoint, sub.p256dh)
    response = client.delete(URL, {"endpoint": sub.endpoint}, content_type="application/json")
    assert response.status_code == 204
    assert not PushSubscription.objects.exists()


def test_anonymous_cannot_subscribe(client: Client, push_service: LocalPushService) -> None:
    response = client.post(
        URL, push_service.subscription().as_json(), content_type="application/json"
    )
    assert response.status_code == 401
    assert not PushSubscription.objects.exists()


def test_cannot_delete_someone_elses_subscription(
    alumnus_client: tuple[Client, Any], push_service: LocalPushService
) -> None:
    client, _ = alumnus_client
    sub = push_service.subscription()
    other = AlumnusFactory()
    PushSubscription.objects.create(
        alumnus=other, endpoint=sub.endpoint, p256dh=sub.p256dh, auth=sub.auth
    )
    client.delete(URL, {"endpoint": sub.endpoint}, content_type="application/json")
    assert PushSubscription.objects.filter(alumnus=other).exists()


def _bad(sub_json: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data = {"endpoint": sub_json["endpoint"], "keys": dict(sub_json["keys"])}
    for name, value in changes.items():
        if name == "endpoint":
            data["endpoint"] = value
        else:
            data["keys"][name] = value
    return data


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"endpoint": "http://fcm.googleapis.com/fcm/send/abc"}, "endpoint"),
        ({"endpoint": "https://evil.example.com/push/abc"}, "endpoint"),
        ({"endpoint": "https://fcm.googleapis.com.evil.example/x"}, "endpoint"),
        ({"endpoint": "https://user:pw@fcm.googleapis.com/x"}, "endpoint"),
        ({"endpoint": "not a url"}, "endpoint"),
        # 65 bytes starting 0x04, but not a point on P-256
        (
            {
                "p256dh": "BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            },
            "keys",
        ),
        ({"p256dh": "not-base64!!"}, "keys"),
        ({"auth": "AAAAAAAAAAAAAAAAAAAA"}, "keys"),  # 15 bytes
        ({"auth": ""}, "keys"),
    ],
)
def test_invalid_subscription_is_refused_in_japanese(
    alumnus_client: tuple[Client, Any],
    push_service: LocalPushService,
    changes: dict[str, str],
    field: str,
) -> None:
    client, _ = alumnus_client
    data = _bad(push_service.subscription().as_json(), **changes)
    response = client.post(URL, data, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "入力内容に誤りがあります。"
    assert field in body["errors"]
    assert not PushSubscription.objects.exists()


def test_real_push_service_hosts_are_allowed(
    alumnus_client: tuple[Client, Any], push_service: LocalPushService
) -> None:
    client, _ = alumnus_client
    keys = push_service.subscription().as_json()["keys"]
    for endpoint in [
        "https://fcm.googleapis.com/fcm/send/abc",
        "https://web.push.apple.com/QGuQyavXutnMH",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAA",
        "https://wns2-par02p.notify.windows.com/w/?token=x",
    ]:
        response = client.post(
            URL, {"endpoint": endpoint, "keys": keys}, content_type="application/json"
        )
        assert response.status_code == 201, response.json()


def test_an_endpoint_stays_with_its_first_owner(
    alumnus_client: tuple[Client, Any], push_service: LocalPushService
) -> None:
    client, _ = alumnus_client
    sub = push_service.subscription()
    owner = AlumnusFactory()
    PushSubscription.objects.create(
        alumnus=owner, endpoint=sub.endpoint, p256dh=sub.p256dh, auth=sub.auth
    )

    response = client.post(URL, sub.as_json(), content_type="application/json")

    assert response.status_code == 409
    assert "別のアカウント" in response.json()["detail"]
    assert PushSubscription.objects.get().alumnus == owner


def test_an_endpoint_its_owner_removed_can_be_subscribed_by_another_account(
    alumnus_client: tuple[Client, Any], push_service: LocalPushService
) -> None:
    client, alumnus = alumnus_client
    sub = push_service.subscription()
    owner = AlumnusFactory()
    other = Client()
    other.force_login(owner.user)
    other.post(URL, sub.as_json(), content_type="application/json")
    other.delete(URL, {"endpoint": sub.endpoint}, content_type="application/json")

    response = client.post(URL, sub.as_json(), content_type="application/json")

    assert response.status_code == 201
    assert PushSubscription.objects.get().alumnus == alumnus


def test_subscribing_again_refreshes_the_keys_of_ones_own_endpoint(
    alumnus_client: tuple[Client, Any], push_service: LocalPushService
) -> None:
    client, alumnus = alumnus_client
    sub = push_service.subscription()
    client.post(URL, sub.as_json(), content_type="application/json")
    fresh = push_service.subscription().as_json()["keys"]

    response = client.post(
        URL, {"endpoint": sub.endpoint, "keys": fresh}, content_type="application/json"
    )

    assert response.status_code == 201
    stored = PushSubscription.objects.get()
    assert (stored.alumnus, stored.p256dh, stored.auth) == (alumnus, fresh["p256dh"], fresh["auth"])


def test_an_alumnus_keeps_at_most_the_newest_subscriptions_of_the_cap(
    alumnus_client: tuple[Client, Any], push_service: LocalPushService, settings: Any
) -> None:
    settings.PUSH_MAX_SUBSCRIPTIONS_PER_ALUMNUS = 3
    client, alumnus = alumnus_client
    keys = push_service.subscription().as_json()["keys"]
    endpoints = [f"https://fcm.googleapis.com/fcm/send/device{n}" for n in range(5)]

    statuses = [
        client.post(
            URL, {"endpoint": endpoint, "keys": keys}, content_type="application/json"
        ).status_code
        for endpoint in endpoints
    ]

    assert statuses == [201] * 5
    kept = PushSubscription.objects.filter(alumnus=alumnus).values_list("endpoint", flat=True)
    assert sorted(kept) == endpoints[2:]


def test_the_cap_is_ten_by_default(settings: Any) -> None:
    assert settings.PUSH_MAX_SUBSCRIPTIONS_PER_ALUMNUS == 10
