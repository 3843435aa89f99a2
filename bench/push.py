"""Fan-out of one notice to 10,000 subscriptions on a local push service (HTTPS, loopback).

Ours: `cms.push.services.push_send` as the fan-out task calls it (pywebpush's encryption and
asynchronous sender over one shared aiohttp session, a bound per service, the py_vapid header made
once per origin and reused). Baseline, same run: a plain loop calling `pywebpush.webpush()` once
per subscription, on a sample. The push service runs in its own
process and checks every request (VAPID signature and claims, headers, body); it decrypts every
100th message with `http_ece` and compares it with the payload sent.
"""

import json
import multiprocessing
import os
import resource
import time
from typing import Any

SUBSCRIPTIONS = 10_000
BASELINE_SAMPLE = 1_000
DECRYPT_EVERY = 100
PAYLOAD: dict[str, Any] = {
    "web_push": 8030,
    "notification": {
        "title": "カムバック採用説明会のお知らせ",
        "body": "11月に仙台市で説明会を開きます。オンラインでも参加できます。",
        "navigate": "https://alumni.example.jp/app/feed/?notice=42&via=push",
        "lang": "ja",
        "dir": "ltr",
        "tag": "notice-42",
        "app_badge": "1",
        "data": {"notice": 42},
    },
}


def _serve(queue: Any, stop: Any, sample: dict[str, tuple[int, bytes]]) -> None:
    from tests.fixtures.push_service import BenchPushService

    service = BenchPushService(sample=sample, expected=PAYLOAD)
    service.serve(lambda origin, ca_file: queue.put((origin, ca_file)), stop)
    queue.put((service.accepted, service.decrypted, service.errors[:3]))


def _own_cpu() -> float:
    """CPU seconds of this process and of its finished children."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _process_cpu(pid: int) -> float:
    """CPU seconds of a running process (the push service), from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _report(name: str, count: int, seconds: float, cpu: float, service_cpu: float) -> float:
    rate = count / seconds
    print(
        f"{name:<34} {count:>6} msgs  {seconds:6.2f} s  {rate:6.0f} msg/s  "
        f"CPU sender {cpu:5.2f} s ({cpu / count * 1e6:4.0f} µs/msg), "
        f"push service {service_cpu:5.2f} s ({service_cpu / count * 1e6:4.0f} µs/msg)",
        flush=True,
    )
    return rate


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    import django
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from py_vapid import Vapid02
    from py_vapid.utils import b64urlencode
    from pywebpush import webpush

    django.setup()
    from cms.push.sender import PushMessage, Result, SendOptions, VapidHeaders
    from cms.push.services import push_send

    def public_point(key: ec.EllipticCurvePublicKey) -> bytes:
        return key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )

    payload = json.dumps(PAYLOAD, ensure_ascii=False, separators=(",", ":")).encode()
    recipients = []
    sample: dict[str, tuple[int, bytes]] = {}
    for n in range(SUBSCRIPTIONS):
        key = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        path = f"/push/bench-{n}"
        recipients.append((path, b64urlencode(public_point(key.public_key())), b64urlencode(auth)))
        if n % DECRYPT_EVERY == 0:
            sample[path] = (key.private_numbers().private_value, auth)

    context = multiprocessing.get_context("spawn")
    queue, stop = context.Queue(), context.Event()
    server = context.Process(target=_serve, args=(queue, stop, sample), daemon=True)
    server.start()
    origin, ca_file = queue.get(timeout=30)
    cpus = os.cpu_count() or 1
    try:
        vapid_key = Vapid02()
        vapid_key.generate_keys()
        pem = vapid_key.private_pem().decode("ascii")
        subject = "mailto:bench@alumni.example.jp"
        print(
            f"push service: {origin} (own process); {cpus} CPUs; "
            f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
            flush=True,
        )

        # Ours: one process, outcomes handed back chunk by chunk as the fan-out task records them.
        service_cpu = _process_cpu(server.pid or 0)
        started, cpu = time.perf_counter(), _own_cpu()
        messages = [
            PushMessage(n, origin + path, p, a, payload, payload)
            for n, (path, p, a) in enumerate(recipients)
        ]
        options = SendOptions(
            vapid=VapidHeaders(private_key_pem=pem, subject=subject),
            ttl=86400,
            urgency="normal",
            concurrency_per_service=64,
            ca_file=ca_file,
        )
        sent = sum(
            1
            for chunk in push_send(messages=messages, options=options)
            for o in chunk
            if o.result == Result.SENT
        )
        ours_s, ours_cpu = time.perf_counter() - started, _own_cpu() - cpu
        service_cpu = _process_cpu(server.pid or 0) - service_cpu
        assert sent == SUBSCRIPTIONS, f"only {sent} accepted"
        ours = _report("fan-out (push_send, 1 process)", sent, ours_s, ours_cpu, service_cpu)

        # Baseline: pywebpush.webpush() in a loop (a sample; the rate is what compares).
        os.environ["REQUESTS_CA_BUNDLE"] = ca_file
        vapid = Vapid02.from_pem(pem.encode())
        service_cpu = _process_cpu(server.pid or 0)
        started, cpu = time.perf_counter(), _own_cpu()
        for path, p256dh, auth in recipients[:BASELINE_SAMPLE]:
            webpush(
                {"endpoint": origin + path, "keys": {"p256dh": p256dh, "auth": auth}},
                data=payload.decode(),
                vapid_private_key=vapid,
                vapid_claims={"sub": subject},
                ttl=86400,
                headers={"Urgency": "normal"},
            )
        base_s, base_cpu = time.perf_counter() - started, _own_cpu() - cpu
        service_cpu = _process_cpu(server.pid or 0) - service_cpu
        base = _report(
            "baseline (pywebpush.webpush loop)", BASELINE_SAMPLE, base_s, base_cpu, service_cpu
        )
        print(
            f"speed-up: {ours / base:.1f}x (target: >= 10x: "
            f"{'met' if ours >= 10 * base else 'NOT met'}); "
            f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
            flush=True,
        )
    finally:
        stop.set()
        accepted, decrypted, errors = queue.get(timeout=30)
        server.join(10)
    print(
        f"push service accepted {accepted} messages, decrypted and compared {decrypted}; "
        f"errors: {errors or 'none'}",
        flush=True,
    )


if __name__ == "__main__":
    main()
