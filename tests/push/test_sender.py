"""The sender makes its TLS context once per CA file for the process: every later send (the next
fan-out chunk run, each chat message's pushes) reuses it instead of parsing the CA bundle again,
and still checks the push service's certificate against that CA file."""

import json

from py_vapid import Vapid02

from cms.push.sender import PushMessage, Result, SendOptions, VapidHeaders, send_all, tls_context
from tests.fixtures.push_service import LocalPushService


def test_sends_reuse_the_tls_context_of_their_ca_file(push_service: LocalPushService) -> None:
    key = Vapid02()
    key.generate_keys()
    options = SendOptions(
        vapid=VapidHeaders(
            private_key_pem=key.private_pem().decode("ascii"), subject="mailto:t@example.jp"
        ),
        ttl=60,
        urgency="normal",
        concurrency_per_service=4,
        ca_file=str(push_service.ca_file),
    )
    payload = json.dumps({"title": "お知らせ"}).encode()
    subs = [push_service.subscription() for _ in range(3)]
    tls_context.cache_clear()

    for n, sub in enumerate(subs):
        message = PushMessage(n, sub.endpoint, sub.p256dh, sub.auth, payload, payload)
        assert [o.result for o in send_all([message], options)] == [Result.SENT]

    assert [len(sub.received) for sub in subs] == [1, 1, 1]
    assert [r.payload for sub in subs for r in sub.received] == [{"title": "お知らせ"}] * 3
    made = tls_context.cache_info()
    assert (made.misses, made.hits) == (1, 2)
    assert tls_context(str(push_service.ca_file)) is tls_context(str(push_service.ca_file))
    assert tls_context("") is not tls_context(str(push_service.ca_file))
