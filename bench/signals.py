"""Engagement signals at scale: the PWA's beacon against gunicorn and PostgreSQL, and HR's
monthly per-person counts.

1. Ingestion: with 1,000,000 signals already stored (bulk-loaded with the ORM's bulk_create in
   chunks, spread over 10,000 consenting alumni and 24 months), SIGNALS_BENCH_CLIENTS clients
   (default 50) each send beacons of SIGNALS_BENCH_BATCH page views (default 20, text/plain
   JSON with an Origin header, as `navigator.sendBeacon` does) back to back for
   SIGNALS_BENCH_SECONDS (default 20): signals stored per second (budget ≥ 1,000/s on the
   2-core machine) and the p50/p99 of one beacon.
2. Reading: HR's monthly per-person counts of the 10,000 alumni over 24 months from the kept
   monthly table (`monthly_counts`, budget ≤ 1 s), against a plain COUNT … GROUP BY (alumnus,
   month, type) over the raw table through the ORM, in the same run; both give the same totals.
The machine's load average is printed with the figures (it is shared).

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust); its database `alumni_signals_bench`
is dropped and made afresh (loading takes minutes), unless SIGNALS_BENCH_REUSE=1 runs again on
the previous run's data.
"""

import asyncio
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import aiohttp

from bench.chat import PG, _free_port, _percentile, _server_env, _wait_for_server, gunicorn_start

DATABASE = "alumni_signals_bench"
ALUMNI = 10_000
STORED = int(os.environ.get("SIGNALS_BENCH_STORED", "1000000"))
MONTHS = 24
PAGES = 50
CHUNK = 20_000
CLIENTS = int(os.environ.get("SIGNALS_BENCH_CLIENTS", "50"))
BATCH = int(os.environ.get("SIGNALS_BENCH_BATCH", "20"))
SECONDS = float(os.environ.get("SIGNALS_BENCH_SECONDS", "20"))
ROOT = Path(__file__).resolve().parent.parent


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _fresh_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DATABASE}"')


def _month_start(months_back: int) -> dt.date:
    today = dt.date.today().replace(day=1)
    year, month = divmod(today.year * 12 + today.month - 1 - months_back, 12)
    return dt.date(year, month + 1, 1)


def _populate() -> tuple[list[int], list[int], list[str]]:
    """10,000 consenting alumni, live pages, 1,000,000 stored signals with their monthly
    counts; a signed-in session for each client. Returns (alumni ids, page ids, cookies)."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone
    from wagtail.models import Page

    from cms.alumni.models import Alumnus
    from cms.analytics.models import (
        MONTHLY_TYPE_FIELDS,
        MONTHLY_VIEW_FIELDS,
        Signal,
        SignalMonthly,
        SignalType,
    )

    User = get_user_model()
    users = User.objects.bulk_create(
        [User(username=f"bench-signals-{n}") for n in range(ALUMNI)], batch_size=CHUNK
    )
    alumni = Alumnus.objects.bulk_create(
        [
            Alumnus(
                user=user,
                family_name="宮城",
                given_name=f"{n}",
                family_name_kana="みやぎ",
                given_name_kana="たろう",
                email=f"bench-signals{n}@example.jp",
                birth_date=dt.date(1980, 1, 1),
                channel="email",
                consent_analytics=True,
                privacy_notice_version=settings.ALUMNI_PRIVACY_NOTICE_VERSION,
            )
            for n, user in enumerate(users)
        ],
        batch_size=CHUNK,
    )
    root = Page.get_first_root_node()
    pages = [
        root.add_child(instance=Page(title=f"ページ{n}", slug=f"bench-page-{n}", live=True)).pk
        for n in range(PAGES)
    ]
    ids = [alumnus.pk for alumnus in alumni]
    now = timezone.now()
    span = MONTHS * 30 * 86400
    monthly: dict[tuple[int, dt.date], Counter[str]] = {}
    rng = random.Random(14)
    types = [(SignalType.LOGIN, ""), (SignalType.PAGE_VIEW, "page"), (SignalType.JOB_VIEWED, "job")]
    started = time.perf_counter()
    for offset in range(0, STORED, CHUNK):
        rows = []
        for _ in range(min(CHUNK, STORED - offset)):
            kind, content = types[rng.randrange(3)]
            at = now - dt.timedelta(seconds=rng.randrange(span))
            alumnus_id = ids[rng.randrange(ALUMNI)]
            rows.append(
                Signal(
                    alumnus_id=alumnus_id,
                    type=kind,
                    content_kind=content,
                    content_id=rng.choice(pages) if content else None,
                    occurred_at=at,
                )
            )
            month = timezone.localtime(at).date().replace(day=1)
            counts = monthly.setdefault((alumnus_id, month), Counter())
            counts[MONTHLY_TYPE_FIELDS[kind]] += 1
            if content:
                counts[MONTHLY_VIEW_FIELDS[content]] += 1
        Signal.objects.bulk_create(rows)
    SignalMonthly.objects.bulk_create(
        [
            SignalMonthly(alumnus_id=alumnus_id, month=month, **counts)
            for (alumnus_id, month), counts in monthly.items()
        ],
        batch_size=CHUNK,
    )
    from django.db import connection

    with connection.cursor() as cursor:  # what autovacuum does after a load, at once
        cursor.execute("ANALYZE analytics_signal, analytics_signalmonthly")
    print(
        f"stored {STORED:,} signals and {len(monthly):,} monthly rows (one a person-month) for {ALUMNI:,} alumni "
        f"in {time.perf_counter() - started:.0f} s (bulk_create, chunks of {CHUNK:,})",
        flush=True,
    )
    cookies = []
    for n in range(CLIENTS):
        user = users[n]
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={store.session_key}")
    return ids, pages, cookies


def _existing() -> tuple[list[int], list[int], list[str]]:
    """With SIGNALS_BENCH_REUSE=1: the alumni and pages of the previous run (its signals stay,
    plus those its ingestion added), and fresh sessions."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from wagtail.models import Page

    from cms.alumni.models import Alumnus
    from cms.analytics.models import Signal

    alumni = list(Alumnus.objects.select_related("user").order_by("pk"))
    pages = list(Page.objects.filter(slug__startswith="bench-page-").values_list("pk", flat=True))
    print(f"reusing {Signal.objects.count():,} stored signals", flush=True)
    cookies = []
    for alumnus in alumni[:CLIENTS]:
        store = SessionStore()
        store[SESSION_KEY] = str(alumnus.user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = alumnus.user.get_session_auth_hash()
        store.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={store.session_key}")
    return [alumnus.pk for alumnus in alumni], pages, cookies


async def _ingest(port: int, cookies: list[str], pages: list[int], seconds: float) -> dict:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    deadline = time.perf_counter() + seconds
    origin = f"http://127.0.0.1:{port}"

    async def one(cookie: str) -> None:
        rng = random.Random(cookie)
        async with aiohttp.ClientSession(
            base_url=origin, cookie_jar=aiohttp.DummyCookieJar()
        ) as session:
            while time.perf_counter() < deadline:
                body = json.dumps(
                    {
                        "signals": [
                            {"type": "page_view", "id": rng.choice(pages)} for _ in range(BATCH)
                        ]
                    }
                )
                headers = {"Cookie": cookie, "Origin": origin, "Content-Type": "text/plain"}
                started = time.perf_counter()
                try:
                    async with session.post(
                        "/api/v1/signals", data=body, headers=headers
                    ) as answer:
                        await answer.read()
                        statuses[answer.status] += 1
                except (TimeoutError, OSError, aiohttp.ClientError):
                    statuses[0] += 1
                    continue
                latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(one(cookie) for cookie in cookies))
    return {"latencies": latencies, "statuses": statuses}


def _read(ids: list[int]) -> None:
    """HR's monthly per-person counts: the kept table against COUNT … GROUP BY over raw rows."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth
    from django.utils import timezone

    from cms.analytics.models import Signal
    from cms.analytics.selectors import monthly_counts

    since = _month_start(MONTHS - 1)
    timings: dict[str, list[float]] = {"monthly": [], "raw": [], "monthly_cpu": []}
    for _ in range(3):
        started, cpu = time.perf_counter(), time.process_time()
        kept = monthly_counts(since=since)
        timings["monthly"].append(time.perf_counter() - started)
        timings["monthly_cpu"].append(time.process_time() - cpu)
        started = time.perf_counter()
        start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
        raw_rows = list(
            Signal.objects.filter(occurred_at__gte=start)
            .annotate(month=TruncMonth("occurred_at"))
            .values_list("alumnus_id", "month", "type")
            .annotate(total=Count("id"))
        )
        timings["raw"].append(time.perf_counter() - started)
    kept_total = sum(sum(months.values()) for months in kept.values())
    raw_total = sum(row[3] for row in raw_rows)
    print(
        f"HR's monthly per-person counts, {len(ids):,} alumni × {MONTHS} months "
        f"(best of 3, load {_load()}):",
        flush=True,
    )
    print(
        f"  monthly table (monthly_counts):      {min(timings['monthly']) * 1000:7.0f} ms "
        f"({len(kept):,} people, {kept_total:,} signals counted; CPU of this process "
        f"{min(timings['monthly_cpu']) * 1000:.0f} ms)",
        flush=True,
    )
    print(
        f"  COUNT … GROUP BY over raw signals:   {min(timings['raw']) * 1000:7.0f} ms "
        f"({len(raw_rows):,} rows, {raw_total:,} signals counted)",
        flush=True,
    )


def main() -> None:
    (ROOT / "var" / "static").mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = {**_server_env(port), "DATABASE_URL": f"{PG}/{DATABASE}", "REDIS_URL": ""}
    os.environ.update(env)
    print(f"{os.cpu_count()} CPUs, load average {_load()}; PostgreSQL {DATABASE}", flush=True)
    reuse = bool(os.environ.get("SIGNALS_BENCH_REUSE"))
    if not reuse:
        _fresh_database()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--skip-checks", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    import django

    django.setup()
    ids, pages, cookies = _existing() if reuse else _populate()
    workers = int(os.environ.get("SIGNALS_BENCH_WORKERS", (os.cpu_count() or 1) + 1))
    server = gunicorn_start(port=port, workers=workers, threads=4, env=env)
    try:
        _wait_for_server(port)
        asyncio.run(_ingest(port, cookies, pages, 3.0))  # warm up
        from cms.analytics.models import Signal

        before = Signal.objects.count()
        result = asyncio.run(_ingest(port, cookies, pages, SECONDS))
        stored = Signal.objects.count() - before
        latencies = result["latencies"]
        print(
            f"ingestion ({CLIENTS} clients, {BATCH} signals a beacon, {SECONDS:.0f} s, gunicorn "
            f"{workers} workers × 4 threads, load {_load()}):",
            flush=True,
        )
        print(
            f"  {stored:,} signals stored = {stored / SECONDS:,.0f} signals/s "
            f"({len(latencies) / SECONDS:,.0f} beacons/s); beacon p50 "
            f"{_percentile(latencies, 0.5) * 1000:.1f} ms, p99 {_percentile(latencies, 0.99) * 1000:.1f} ms; "
            f"statuses {dict(result['statuses'])}",
            flush=True,
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    _read(ids)


if __name__ == "__main__":
    main()
