"""Login codes and email changes under attack (#18 findings 2 and 3): per-network limits keyed
by the IPv6 /64, a daily cap per account with a notice to its owner, an owner who still signs
in while strangers spend tries, and answers that never tell a registered address."""

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from cms.alumni.models import Alumnus, OneTimeCode
from cms.alumni.services import throttle_network
from tests.alumni.factories import AlumnusFactory
from tests.fixtures.smtp import SMTPInbox, text_body

pytestmark = pytest.mark.django_db

OWNER_NETWORK = "198.51.100.7"
LOGIN = "/api/v1/auth/session"


def ask_code(client: APIClient, email: str, ip: str) -> int:
    response = client.post("/api/v1/auth/code", {"email": email}, format="json", REMOTE_ADDR=ip)
    return int(response.status_code)


def try_code(email: str, code: str, ip: str) -> Any:
    return APIClient().post(LOGIN, {"email": email, "code": code}, format="json", REMOTE_ADDR=ip)


def mailed_code(smtp: SMTPInbox, address: str) -> str:
    found = re.search(r"確認コード: (\d{6})", text_body(smtp.to(address)[-1]))
    assert found is not None
    return found.group(1)


def other(code: str, n: int = 1) -> str:
    return f"{(int(code) + n) % 1_000_000:06d}"


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:1:2:3", "2001:db8:1:2::/64"),
        ("203.0.113.9", "203.0.113.9"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("not an address", "not an address"),
    ],
)
def test_the_throttles_key_ipv6_by_its_64_and_ipv4_by_address(address: str, network: str) -> None:
    assert throttle_network(address) == network


def test_wrong_codes_from_one_ipv6_64_share_one_limit(settings: Any) -> None:
    """A host that picks a new address of its /64 for each try gains nothing."""
    settings.ALUMNI_THROTTLE_WRONG_CODES_PER_IP = 3
    statuses = [
        try_code(f"x{n}@example.jp", "123456", f"2001:db8:7:7::{n + 1:x}").status_code
        for n in range(4)
    ]

    assert statuses == [400, 400, 400, 429]


def test_a_stranger_spending_tries_does_not_lock_the_owner_out(smtp: SMTPInbox) -> None:
    AlumnusFactory(email="taro@example.jp")
    assert ask_code(APIClient(), "taro@example.jp", OWNER_NETWORK) == 202
    code = mailed_code(smtp, "taro@example.jp")

    stranger = [try_code("taro@example.jp", other(code, n), "2001:db8:66::1") for n in (1, 2)]
    stranger += [try_code("taro@example.jp", other(code, n), "2001:db8:66::1") for n in (3, 4, 5)]
    blocked = try_code("taro@example.jp", other(code, 6), "2001:db8:66::2")
    owner = try_code("taro@example.jp", code, OWNER_NETWORK)

    assert [r.status_code for r in stranger] == [400] * 5
    assert blocked.status_code == 429  # the stranger's /64 is spent, not the account
    assert owner.status_code == 200, owner.json()


def test_the_daily_cap_stops_strangers_notifies_the_owner_and_the_owner_still_signs_in(
    smtp: SMTPInbox, settings: Any
) -> None:
    settings.ALUMNI_THROTTLE_WRONG_CODES_PER_DAY = 3
    AlumnusFactory(email="taro@example.jp")
    assert ask_code(APIClient(), "taro@example.jp", OWNER_NETWORK) == 202
    code = mailed_code(smtp, "taro@example.jp")

    # A botnet: every try from another network, so no per-network limit is reached.
    wrong = [try_code("taro@example.jp", other(code, n), f"2001:db8:{n}::1") for n in (1, 2, 3)]
    [notice] = [m for m in smtp.wait_for(2) if "誤入力" in m["Subject"]]
    # Past the cap even the right code is refused from a network that did not ask for it.
    lucky_guess = try_code("taro@example.jp", code, "2001:db8:4::1")
    owner = try_code("taro@example.jp", code, OWNER_NETWORK)

    assert [r.status_code for r in wrong] == [400, 400, 400]
    assert notice["To"] == "taro@example.jp"
    assert "新しい確認コードを請求" in text_body(notice)
    assert lucky_guess.status_code == 400
    assert owner.status_code == 200, owner.json()


def test_past_the_cap_the_owner_asks_for_a_fresh_code_from_anywhere(
    smtp: SMTPInbox, settings: Any
) -> None:
    settings.ALUMNI_THROTTLE_WRONG_CODES_PER_DAY = 2
    AlumnusFactory(email="taro@example.jp")
    for n in (1, 2):
        try_code("taro@example.jp", "000000", f"2001:db8:{n}::1")

    assert ask_code(APIClient(), "taro@example.jp", "192.0.2.44") == 202
    fresh = mailed_code(smtp, "taro@example.jp")

    assert try_code("taro@example.jp", fresh, "192.0.2.44").status_code == 200


def test_a_login_code_request_does_the_same_work_for_registered_and_unknown_addresses(
    smtp: SMTPInbox,
) -> None:
    AlumnusFactory(email="taro@example.jp")
    queries = []
    for email in ("taro@example.jp", "nobody@example.jp"):
        with CaptureQueriesContext(connection) as captured:
            assert ask_code(APIClient(), email, f"192.0.2.{len(queries) + 1}") == 202
        queries.append(
            [q["sql"].split()[0] for q in captured.captured_queries if "django_tasks" not in q]
        )

    assert len(smtp.wait_for(1)) == 1
    assert OneTimeCode.objects.count() == 2  # the unknown address's code is never mailed
    assert queries[0][:4] == queries[1][:4]


def test_changing_to_a_registered_address_answers_as_for_a_free_one_and_is_throttled(
    smtp: SMTPInbox, settings: Any
) -> None:
    settings.ALUMNI_THROTTLE_EMAIL_CHANGES_PER_ALUMNUS = 2
    AlumnusFactory(email="taken@example.jp")
    alumnus = AlumnusFactory(email="taro@example.jp")
    client = APIClient()
    client.force_authenticate(alumnus.user)

    taken = client.patch("/api/v1/me", {"email": "taken@example.jp"}, format="json")
    free = client.patch("/api/v1/me", {"email": "free@example.jp"}, format="json")
    third = client.patch("/api/v1/me", {"email": "other@example.jp"}, format="json")

    assert (taken.status_code, free.status_code) == (200, 200)
    assert taken.json()["pending_email"] == "taken@example.jp"
    assert free.json()["pending_email"] == "free@example.jp"
    assert set(taken.json()) == set(free.json())
    assert third.status_code == 429  # the probe of a registered address counted too
    assert smtp.wait_for(2, timeout=0.5) == smtp.to("free@example.jp")
    assert not smtp.to("taken@example.jp")
    assert Alumnus.objects.get(pk=alumnus.pk).email == "taro@example.jp"
