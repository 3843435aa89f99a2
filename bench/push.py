"""Fan-out of one notice to 10,000 subscriptions on the local push service (HTTPS, loopback).

Ours: `cms.push.sender.send_all` (one shared aiohttp session, a bound per service, VAPID token
reused per origin, aes128gcm with `cryptography`). Baseline, same run: a plain loop calling
`pywebpush.webpush()` once per subscription. The push service runs in its own process, so the
CPU figures are the sender's alone.
"""

import json
import multiprocessing
import os
import resource
import time
from typing import Any

SUBSCRIPTIONS = 10_000
BASELINE_SAMPLE = 1_000


def _serve(queue: Any, stop: Any) -> None:
    from tests.fixtures.push_service import LocalPushService

    service = LocalPushService(decrypt=False, accept_any=True).start()
    queue.put((service.origin, str(service.ca_file)))
    stop.wait()
    queue.put((service.accepted, list(service.errors[:3])))
    service.stop()


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _report(name: str, count: int, seconds: float, cpu: float) -> float:
    rate = count / seconds
    print(
        f"{name:<34} {count:>6} msgs  {seconds:7.2f} s  {rate:8.0f} msg/s  "
        f"CPU {cpu:6.2f} s ({cpu / count * 1e6:5.0f} µs/msg)",
        flush=True,
    )
    return rate


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    from cryptography.hazmat.primitives.asymmetric import ec
    from py_vapid import Vapid02
    from pywebpush import webpush

    from cms.push.crypto import (
        Recipient,
        VapidSigner,
        b64url_encode,
        new_vapid_key_pem,
        public_point,
    )
    from cms.push.sender import PushMessage, Result, SendOptions, send_all

    context = multiprocessing.get_context("spawn")
    queue, stop = context.Queue(), context.Event()
    server = context.Process(target=_serve, args=(queue, stop), daemon=True)
    server.start()
    origin, ca_file = queue.get(timeout=30)
    try:
        payload = json.dumps(
            {
                "web_push": 8030,
                "notification": {
                    "title": "カムバック採用説明会のお知らせ",
                    "body": "11月に仙台市で説明会を開きます。オンラインでも参加できます。",
                    "navigate": "https://alumni.example.jp/notices/setsumeikai/?via=push",
                    "lang": "ja",
                    "app_badge": "1",
                },
            },
            ensure_ascii=False,
        ).encode()
        recipients = []
        for n in range(SUBSCRIPTIONS):
            key = ec.generate_private_key(ec.SECP256R1())
            p256dh = b64url_encode(public_point(key.public_key()))
            auth = b64url_encode(os.urandom(16))
            recipients.append((f"{origin}/push/bench-{n}", p256dh, auth))
        pem, _public = new_vapid_key_pem()
        subject = "mailto:bench@alumni.example.jp"
        print(f"push service: {origin} (own process); {os.cpu_count()} CPUs", flush=True)

        # Ours: includes parsing each subscription's keys, as the fan-out task does.
        started, cpu = time.perf_counter(), _cpu()
        messages = [
            PushMessage(n, endpoint, Recipient.from_b64(p256dh=p, auth=a), payload, payload)
            for n, (endpoint, p, a) in enumerate(recipients)
        ]
        options = SendOptions(
            signer=VapidSigner(private_key_pem=pem, subject=subject),
            ttl=86400,
            urgency="normal",
            concurrency_per_service=64,
            ca_file=ca_file,
        )
        outcomes = send_all(messages, options)
        ours_s, ours_cpu = time.perf_counter() - started, _cpu() - cpu
        sent = sum(1 for o in outcomes if o.result == Result.SENT)
        assert sent == SUBSCRIPTIONS, f"only {sent} accepted"
        ours = _report("fan-out (cms.push.sender)", sent, ours_s, ours_cpu)

        # Baseline: pywebpush.webpush() in a loop (a sample; the rate is what compares).
        os.environ["REQUESTS_CA_BUNDLE"] = ca_file
        vapid = Vapid02.from_pem(pem.encode())
        started, cpu = time.perf_counter(), _cpu()
        for endpoint, p256dh, auth in recipients[:BASELINE_SAMPLE]:
            webpush(
                {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}},
                data=payload.decode(),
                vapid_private_key=vapid,
                vapid_claims={"sub": subject},
                ttl=86400,
                headers={"Urgency": "normal"},
            )
        base_s, base_cpu = time.perf_counter() - started, _cpu() - cpu
        base = _report("baseline (pywebpush.webpush loop)", BASELINE_SAMPLE, base_s, base_cpu)
        print(
            f"speed-up: {ours / base:.1f}x; 10,000 at the baseline rate would take "
            f"{SUBSCRIPTIONS / base:.1f} s",
            flush=True,
        )
    finally:
        stop.set()
        accepted, errors = queue.get(timeout=30)
        server.join(10)
    print(f"push service accepted {accepted} messages; errors: {errors or 'none'}", flush=True)


if __name__ == "__main__":
    main()
