"""Fan-out of one notice to 10,000 subscriptions on a local push service (HTTPS, loopback).

Ours: `cms.push.services.push_send` as the fan-out task calls it (pywebpush's encryption and
asynchronous sender over one shared aiohttp session, a bound per service, the py_vapid header made
once per origin and reused). Baseline, same run: a plain loop calling `pywebpush.webpush()` once
per subscription, on a sample, half of it just before ours and half just after, so that both see
the same load of the machine. Both send to the same push service, which runs in its own process
(its CPU is shown apart and counted against neither, and so is what other processes took from
the machine meanwhile) and checks every request (VAPID signature and claims, headers, body); it
decrypts every 100th message with `http_ece` and compares it with the payload sent. The speed-up is given by wall time (messages a second) and by the sender's own
CPU time a message. The bound of requests in flight is PUSH_CONCURRENCY_PER_SERVICE (64), read
from the environment like every setting: `PUSH_CONCURRENCY_PER_SERVICE=16 python -m bench push`
measures what a smaller one costs (on loopback the answers come at once, so it costs little here;
across the internet a push service's answers take tens of milliseconds, and one service's rate is
at most the bound divided by that time).

Then the same fan-out as production runs it, stopped at half, twice: the notice's fan-out task is
taken by a real `manage.py task_worker` process (django-tasks-db's `db_worker`), which is sent
SIGKILL (an out-of-memory kill), then in a second run SIGTERM (a deploy), once the push service
has accepted half of the messages; a new worker starts at once (after a SIGTERM, once the first
has exited) and `manage.py sweep_claims` runs as the scheduler runs it (the lease shortened to
LEASE seconds). Prints the time until every subscription has the notice and the duplicates the
push service counted (a message accepted twice for the same subscription): raw, and what would be
left if every device had been offline (the service still holding each first message, which the
second one of the same Topic replaces, RFC 8030 §5.4). Database: SQLite in a temporary
directory, or PostgreSQL with BENCH_DATABASE_URL (that database is dropped and made afresh).

`python -m bench push --profile` also prints the sender's cProfile (CPU time), top entries;
`--fan-out-only` leaves out the stopped-at-half runs.

Where the sender's CPU goes (profiled 2026-11-30 on the 2-core machine, 64 in flight): by
instruction count (valgrind callgrind, 1,200 messages, 2.55 M instructions a message) 49 % is
cryptography's compiled code (pywebpush's ephemeral P-256 key and ECDH per message, http_ece's
HKDF and AES-GCM), 8 % the system OpenSSL under Python's ssl (TLS records; the 64 handshakes),
41 % the interpreter and libc (aiohttp's request and response, asyncio's SSL transport,
pywebpush's and http_ece's Python, ours). By sampled time (py-spy, 20,000 messages) the sender
thread spends some 28 % in the TLS transport and socket writes, 26 % in aiohttp, 32 % in
pywebpush and http_ece (their crypto included), under 5 % in `cms.push.sender` (the worker
loop, `_send_one`, `_post`, the hand-over of chunks) and 2.5 % in the event loop itself. Tried
and not kept: session settings that skip aiohttp's automatic headers and decompression (−0.7 %
instructions), hand-over chunks of 50 instead of 10 (about −1 %, and it would leave more
answers unrecorded at a kill); the cyclic GC ran 5 collections a 3,000-message fan-out. What
is ours is too small to move the ratio: it is set by pywebpush, aiohttp and asyncio's TLS.

The raw duplicates after SIGKILL follow the bound of requests in flight: 68 and 70 with 64,
17 with PUSH_CONCURRENCY_PER_SERVICE=16 (2026-11-30; the kill lands as a slice's last answers
come in). Those are messages the push service accepted whose answers the killed worker had not
read yet; the hand-over adds 1–6. RFC 8030 gives a sender no way to learn of them, so with
at-least-once delivery they cannot reach 0 raw; the Topic makes them replace the first copy.
"""

import json
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import OPTIONS

SUBSCRIPTIONS = int(os.environ.get("BENCH_PUSH_SUBSCRIPTIONS", "10000"))
BASELINE_SAMPLE = min(2_000, SUBSCRIPTIONS // 5)
"""Messages of the baseline loop, half before ours and half after: some 6 s on a quiet machine.
With 1,000 (3 s) the ratio swung 6.5–15x between runs: the baseline waits on the push service
at each of its TLS handshakes, so a few busy seconds of other processes on the machine move it
much more than ours."""
DECRYPT_EVERY = 100
PROFILED = 2_000
PROFILE_TOP = 25
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


def _serve(
    queue: Any,
    stop: Any,
    sample: dict[str, tuple[int, bytes]],
    expected: dict[str, Any] = PAYLOAD,
    progress: Any = None,
) -> None:
    from tests.fixtures.push_service import BenchPushService

    service = BenchPushService(sample=sample, expected=expected, progress=progress)
    service.serve(lambda origin, ca_file: queue.put((origin, ca_file)), stop)
    duplicates = service.accepted - len(service.received)
    queue.put(
        (service.accepted, service.decrypted, service.errors[:3], duplicates, service.same_topic)
    )


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


def _machine_cpu() -> float:
    """CPU seconds the whole machine has been busy (every process, every CPU), from /proc."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:9]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def _cpu(service_pid: int) -> tuple[float, float, float]:
    """CPU seconds so far: (this process, the push service, the whole machine)."""
    return _own_cpu(), _process_cpu(service_pid), _machine_cpu()


def _report(
    name: str, count: int, seconds: float, cpu: float, service_cpu: float, machine_cpu: float
) -> float:
    """Prints a phase's rate and where the machine's CPU went meanwhile: the sender, the push
    service, and other processes (what is left of the machine's busy time: a run where they
    took much is a noisy one)."""
    rate = count / seconds
    others = max(0.0, machine_cpu - cpu - service_cpu)
    print(
        f"{name:<34} {count:>6} msgs  {seconds:6.2f} s  {rate:6.0f} msg/s  "
        f"CPU sender {cpu:5.2f} s ({cpu / count * 1e6:4.0f} µs/msg), "
        f"push service {service_cpu:5.2f} s ({service_cpu / count * 1e6:4.0f} µs/msg), "
        f"other processes {others:5.2f} s ({others / seconds:.1f} of {os.cpu_count()} CPUs)",
        flush=True,
    )
    return rate


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    _database_environment()
    import django
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from py_vapid import Vapid02
    from py_vapid.utils import b64urlencode
    from pywebpush import webpush

    django.setup()
    from django.conf import settings

    from cms.push.sender import PushMessage, Result, SendOptions, VapidHeaders, push_topic
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
            f"push service: {origin} (own process); {cpus} CPUs; at most "
            f"{settings.PUSH_CONCURRENCY_PER_SERVICE} requests in flight "
            "(PUSH_CONCURRENCY_PER_SERVICE); "
            f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
            flush=True,
        )

        os.environ["REQUESTS_CA_BUNDLE"] = ca_file
        vapid = Vapid02.from_pem(pem.encode())

        def baseline(sample: list[tuple[str, str, str]]) -> tuple[float, ...]:
            """A plain loop of pywebpush.webpush(): (wall, sender, push service and machine
            CPU)."""
            cpu = _cpu(server.pid or 0)
            started = time.perf_counter()
            for path, p256dh, auth in sample:
                webpush(
                    {"endpoint": origin + path, "keys": {"p256dh": p256dh, "auth": auth}},
                    data=payload.decode(),
                    vapid_private_key=vapid,
                    vapid_claims={"sub": subject},
                    ttl=86400,
                    headers={"Urgency": "normal"},
                )
            wall = time.perf_counter() - started
            return wall, *(b - a for a, b in zip(cpu, _cpu(server.pid or 0), strict=True))

        before = baseline(recipients[: BASELINE_SAMPLE // 2])

        # Ours: one process, outcomes handed back chunk by chunk as the fan-out task records them.
        cpu = _cpu(server.pid or 0)
        started = time.perf_counter()
        topic = push_topic(PAYLOAD["notification"]["tag"])
        messages = [
            PushMessage(n, origin + path, p, a, payload, payload, topic)
            for n, (path, p, a) in enumerate(recipients)
        ]
        options = SendOptions(
            vapid=VapidHeaders(private_key_pem=pem, subject=subject),
            ttl=86400,
            urgency="normal",
            concurrency_per_service=settings.PUSH_CONCURRENCY_PER_SERVICE,
            ca_file=ca_file,
        )
        sent = sum(
            1
            for chunk in push_send(messages=messages, options=options)
            for o in chunk
            if o.result == Result.SENT
        )
        ours_s = time.perf_counter() - started
        ours_cpu, service_cpu, machine_cpu = (
            b - a for a, b in zip(cpu, _cpu(server.pid or 0), strict=True)
        )
        assert sent == SUBSCRIPTIONS, f"only {sent} accepted"
        ours = _report(
            "fan-out (push_send, 1 process)", sent, ours_s, ours_cpu, service_cpu, machine_cpu
        )

        # Baseline: pywebpush.webpush() in a loop (a sample; the rate is what compares).
        after = baseline(recipients[BASELINE_SAMPLE // 2 : BASELINE_SAMPLE])
        base_s, base_cpu, service_cpu, machine_cpu = (
            b + a for b, a in zip(before, after, strict=True)
        )
        base = _report(
            "baseline (pywebpush.webpush loop)",
            BASELINE_SAMPLE,
            base_s,
            base_cpu,
            service_cpu,
            machine_cpu,
        )
        cpu_ratio = (base_cpu / BASELINE_SAMPLE) / (ours_cpu / sent)
        print(
            f"speed-up: {ours / base:.1f}x by wall time, {cpu_ratio:.1f}x by the sender's CPU "
            f"a message (target: >= 10x: {'met' if ours >= 10 * base else 'NOT met'} by wall "
            f"time, {'met' if cpu_ratio >= 10 else 'NOT met'} by CPU); "
            f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
            flush=True,
        )
        if "profile" in OPTIONS:
            _profile(messages[:PROFILED], options)
    finally:
        stop.set()
        accepted, decrypted, errors, _duplicates, _same_topic = queue.get(timeout=30)
        server.join(10)
    print(
        f"push service accepted {accepted} messages, decrypted and compared {decrypted}; "
        f"errors: {errors or 'none'}",
        flush=True,
    )
    if "fan-out-only" not in OPTIONS:
        stopped_at_half(recipients, sample)


def _profile(messages: list[Any], options: Any) -> None:
    """The sender's own path under cProfile (CPU time), on the event loop of this thread: the
    functions that take the most, by their own time and with what they call."""
    import asyncio
    import cProfile
    import pstats

    from cms.push import sender

    outcomes: list[Any] = []
    profile = cProfile.Profile(time.process_time)
    cpu = time.process_time()
    profile.enable()
    asyncio.run(sender._send_all(messages, options, outcomes.extend, sender.CHUNK_SIZE))
    profile.disable()
    cpu = time.process_time() - cpu
    print(
        f"\nprofile of push_send's sender, {len(messages)} messages "
        f"({cpu / len(messages) * 1e6:.0f} µs CPU a message under the profiler):",
        flush=True,
    )
    stats = pstats.Stats(profile)
    stats.sort_stats("tottime").print_stats(PROFILE_TOP)
    stats.sort_stats("cumulative").print_stats(PROFILE_TOP)


if __name__ == "__main__":
    main()


# --- the same fan-out with the worker killed at half ------------------------------------------

LEASE = 5
"""DELIVERY_LEASE_SECONDS of the bench's workers (300 in production): the claims of the killed
worker run out after this, and the sweeper hands them to the new worker."""
SWEEP_PAUSE = 1.0
"""Pause between two `manage.py sweep_claims` runs (the scheduler runs it every minute)."""
KILL_AT = SUBSCRIPTIONS // 2  # messages accepted when the worker is stopped
ROOT = Path(__file__).resolve().parent.parent


def _database_environment() -> None:
    """A throwaway database for the fan-out run by real workers: SQLite in a temporary directory,
    or the PostgreSQL database of BENCH_DATABASE_URL (dropped and made afresh)."""
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        base, _, name = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='bench-push-')}/bench.sqlite3"
    os.environ["DATABASE_URL"] = url
    os.environ["TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"


def _notice(title: str) -> Any:
    """A live notice for everybody, to be sent to alumni."""
    from tests.content.factories import NoticeIndexPageFactory, NoticePageFactory, make_site

    return NoticePageFactory(
        parent=NoticeIndexPageFactory(parent=make_site()),
        live=True,
        notify_alumni=True,
        title=title,
        summary="11月に仙台市で説明会を開きます。オンラインでも参加できます。",
    )


def _alumni(count: int) -> list[int]:
    """`count` alumni who accept push and not mail, in bulk; their ids."""
    import datetime as dt

    from django.conf import settings
    from django.contrib.auth import get_user_model

    from cms.alumni.models import Alumnus, AlumnusStatus

    user = get_user_model()
    users = user.objects.bulk_create(
        [user(username=f"bench-{n}", password="!") for n in range(count)], batch_size=1000
    )
    alumni = Alumnus.objects.bulk_create(
        [
            Alumnus(
                user_id=u.pk,
                family_name="宮城",
                given_name=f"{n}",
                family_name_kana="みやぎ",
                given_name_kana="たろう",
                email=f"bench{n}@example.jp",
                birth_date=dt.date(1980, 1, 1),
                status=AlumnusStatus.ACTIVE,
                channel="email",
                consent_push=True,
                consent_email=False,
                privacy_notice_version=settings.ALUMNI_PRIVACY_NOTICE_VERSION,
            )
            for n, u in enumerate(users)
        ],
        batch_size=1000,
    )
    return [a.pk for a in alumni]


def _subscriptions(alumni: list[int], recipients: list[tuple[str, str, str]], origin: str) -> None:
    """One push subscription per alumnus at `origin` (the push service of this run)."""
    from cms.push.models import PushSubscription

    PushSubscription.objects.all().delete()
    PushSubscription.objects.bulk_create(
        [
            PushSubscription(alumnus_id=pk, endpoint=origin + path, p256dh=p, auth=a)
            for pk, (path, p, a) in zip(alumni, recipients, strict=True)
        ],
        batch_size=1000,
    )


def _task_worker(ca_file: str, log: Any) -> "subprocess.Popen[bytes]":
    """A real worker of the `default` queue, as the demo and production run it."""
    env = os.environ | {"PUSH_CA_FILE": ca_file, "DELIVERY_LEASE_SECONDS": str(LEASE)}
    return subprocess.Popen(
        [sys.executable, "manage.py", "task_worker", "--queue-name", "default"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _sweep() -> None:
    """`manage.py sweep_claims` as the scheduler runs it: its own process each time."""
    subprocess.run(
        [sys.executable, "manage.py", "sweep_claims"],
        cwd=ROOT,
        env=os.environ | {"DELIVERY_LEASE_SECONDS": str(LEASE)},
        check=True,
        capture_output=True,
    )


def stopped_at_half(recipients: list[tuple[str, str, str]], sample: dict[str, Any]) -> None:
    """The fan-out of a notice to SUBSCRIPTIONS alumni by a real `task_worker` process, stopped
    once the push service has accepted KILL_AT messages: by SIGKILL, then (another notice) by
    SIGTERM."""
    from django.core.management import call_command

    from cms.push.services import vapid_key_create

    print(
        f"\nstopped at half: {SUBSCRIPTIONS} subscriptions, lease {LEASE} s, database "
        f"{os.environ['DATABASE_URL'].split('://')[0]}; setting up ({_load()})",
        flush=True,
    )
    call_command("migrate", verbosity=0)
    vapid_key_create()
    alumni = _alumni(len(recipients))
    for number, title in (
        (signal.SIGKILL, "カムバック採用説明会のお知らせ"),
        (signal.SIGTERM, "カムバック採用説明会（第2回）のお知らせ"),
    ):
        _stopped_run(number, _notice(title), alumni, recipients, sample)


def _stopped_run(
    number: signal.Signals,
    notice: Any,
    alumni: list[int],
    recipients: list[tuple[str, str, str]],
    sample: dict[str, Any],
) -> None:
    """One fan-out whose worker gets signal `number` at half; prints what it took and the
    duplicates."""
    from django.conf import settings

    from cms.push.models import Channel, Delivery, DeliveryStatus
    from cms.push.services import notice_push_bytes
    from cms.push.tasks import notice_fan_out_task

    workdir = Path(tempfile.mkdtemp(prefix=f"bench-push-{number.name.lower()}-"))
    context = multiprocessing.get_context("spawn")
    queue, stop = context.Queue(), context.Event()
    progress = context.Array("q", 2, lock=False)  # [accepted, distinct endpoints]
    expected = json.loads(notice_push_bytes(notice=notice))  # what the sample is compared with
    server = context.Process(
        target=_serve, args=(queue, stop, sample, expected, progress), daemon=True
    )
    server.start()
    origin, ca_file = queue.get(timeout=30)
    _subscriptions(alumni, recipients, origin)
    pushes = Delivery.objects.filter(item=notice, channel=Channel.PUSH)
    logs = [(workdir / f"worker-{n}.log").open("wb") for n in range(2)]
    workers: list[subprocess.Popen[bytes]] = []
    sweeps = 0
    try:
        started = time.perf_counter()
        notice_fan_out_task.enqueue(notice.pk)
        workers.append(_task_worker(ca_file, logs[0]))
        first_at = None
        while progress[0] < KILL_AT:
            if first_at is None and progress[0]:
                first_at = time.perf_counter() - started
            if workers[0].poll() is not None or time.perf_counter() - started > 600:
                raise RuntimeError(f"the first worker stopped early (see {workdir})")
            time.sleep(0.005)
        workers[0].send_signal(number)
        stopped_at = time.perf_counter() - started
        accepted_at_signal = progress[0]
        code = workers[0].wait(timeout=120)  # after SIGTERM: once in flight is recorded
        exited_at = time.perf_counter() - started
        accepted_at_exit = progress[0]
        left_sending = pushes.filter(status=DeliveryStatus.SENDING).count()
        planned = pushes.count()  # the fan-out plans slice by slice: the rest has no row yet
        workers.append(_task_worker(ca_file, logs[1]))  # the supervisor or the deploy starts it
        while progress[1] < SUBSCRIPTIONS:
            if time.perf_counter() - started > 900 or workers[1].poll() is not None:
                raise RuntimeError(f"not all delivered (see {workdir})")
            _sweep()
            sweeps += 1
            time.sleep(SWEEP_PAUSE)
        delivered_at = time.perf_counter() - started
        while pushes.exclude(status=DeliveryStatus.SENT).exists():
            if time.perf_counter() - started > 900:
                raise RuntimeError(f"deliveries not recorded (see {workdir})")
            time.sleep(0.05)
        recorded_at = time.perf_counter() - started
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=30)
        for log in logs:
            log.close()
        stop.set()
        accepted, decrypted, errors, duplicates, same_topic = queue.get(timeout=30)
        server.join(10)
    print(
        f"\n{number.name} at half: first message {first_at or 0:.1f} s after the enqueue "
        f"(worker start-up); {number.name} sent at {stopped_at:.1f} s with {accepted_at_signal} "
        f"accepted; the worker exited (code {code}) at {exited_at:.1f} s with {accepted_at_exit} "
        f"accepted, leaving {left_sending} deliveries 送信中 (for a lease to run out) of "
        f"{planned} planned so far (slices of {settings.FAN_OUT_SLICE}); a new worker started "
        f"then, sweep_claims run {sweeps} times",
        flush=True,
    )
    print(
        f"  all {SUBSCRIPTIONS} delivered {delivered_at:.1f} s after the enqueue "
        f"({delivered_at - exited_at:.1f} s after the exit), every delivery recorded 送信済み "
        f"at {recorded_at:.1f} s; push service accepted {accepted} ({_load()})",
        flush=True,
    )
    print(
        f"  DUPLICATES after {number.name} at half: {duplicates} raw (messages accepted twice "
        f"for one subscription); {duplicates - same_topic} if every device had been offline "
        f"(the push service replacing the message it still held by the one of the same Topic, "
        f"RFC 8030 §5.4: {same_topic} carried the Topic of the one before)",
        flush=True,
    )
    print(
        f"  decrypted and compared {decrypted}; errors: {errors or 'none'}; deliveries: "
        f"{pushes.filter(status=DeliveryStatus.SENT).count()} 送信済み of {pushes.count()}",
        flush=True,
    )


def _load() -> str:
    return "load average " + " / ".join(f"{x:.2f}" for x in os.getloadavg())
