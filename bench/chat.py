"""Community chat at the app's pace, against gunicorn, PostgreSQL and Redis (loopback).

Four phases, same server, same run:
  1. baseline: a bare Django JSON view (routed only by the bench's own URLconf,
     bench/chat_urls.py, through bench/chat_settings.py), closed loop for CHAT_BENCH_SECONDS
     (default 20);
  1b. the same view asking who is signed in (Django's session and user lookup): the floor of
     any signed-in request, as long;
  2. unchanged poll: every client polls its group with If-None-Match (answered 304), as long;
  3. chat, for CHAT_BENCH_CHAT_SECONDS (default 60): every client polls every CHAT_BENCH_PACE
     seconds (default 3, the PWA's pace) and posts every POST_EVERY-th time (every 30 s; one
     post in RETRY_EVERY sent twice with the same client_id); afterwards every client catches
     up and we count lost and duplicated messages, in the database and in what each client
     received through polling.
Phases 1, 1b and 2 compare throughput (their latencies only measure the queue of 200 clients on a
saturated server). Phase 3 gives the latency of the realistic load: p50/p99 overall, per method
and per 10 s, and the servers' CPU per request (Linux). Also printed: the load average
(`uptime`; the machine is shared), errors, statuses, SQL queries per poll and post, whether
the budgets of issue 19 are met, and how long the run took.

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust), whose database CHAT_BENCH_DATABASE
(default `alumni_bench_chat`) is dropped and made afresh, and `redis-server` (started on a free
port for the run, as the production cache). Other settings: CHAT_BENCH_CLIENTS, CHAT_BENCH_WORKERS / CHAT_BENCH_THREADS
(gunicorn; default CPUs + 1 workers × 8 threads), CHAT_BENCH_SLOWEST=1 (the slowest chat
requests, with when they were sent).
"""

import asyncio
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

CLIENTS = int(os.environ.get("CHAT_BENCH_CLIENTS", "200"))
SECONDS = float(os.environ.get("CHAT_BENCH_SECONDS", "20"))
CHAT_SECONDS = float(os.environ.get("CHAT_BENCH_CHAT_SECONDS", "60"))
GROUPS = 10
POST_EVERY = 10  # in the chat phase, one poll in ten comes after a post (every 30 s)
RETRY_EVERY = 5  # one post in five is sent a second time with the same client_id
MAX_REQUESTS_PER_CLIENT = 100_000  # a bound on every loop, whatever the duration
# The chat phase is paced like the PWA, which polls every 3 s while the chat is on screen.
PACE = float(os.environ.get("CHAT_BENCH_PACE", "3.0"))
DATABASE = os.environ.get("CHAT_BENCH_DATABASE", "alumni_bench_chat")
PG = "postgres://postgres@127.0.0.1:5432"
ROOT = Path(__file__).resolve().parent.parent
# Views routed only by bench/chat_urls.py: bare, and bare but asking who is signed in.
BASELINES = {"bare": "/api/v1/bench/bare", "signed-in": "/api/v1/bench/signed-in"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_env(port: int, redis_port: int | None = None) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.chat_settings",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PWA_BASE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": f"{PG}/{DATABASE}",
        "DATABASE_CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
        "PWA_BUILD_ON_PUBLISH": "false",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0" if redis_port else "",
    }


def gunicorn_start(
    *, port: int, workers: int, threads: int, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    """The app under gunicorn as production runs it (gthread, keep-alive), in its own session."""
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "cms.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )


# --- one keep-alive connection per client (aiohttp) ------------------------------------------


class Connection:
    """One client's keep-alive connection; cookies are sent as given, never stored."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.session: aiohttp.ClientSession | None = None

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        if self.session is None:
            self.session = aiohttp.ClientSession(
                f"http://127.0.0.1:{self.port}",
                connector=aiohttp.TCPConnector(limit=1),
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
            )
        async with self.session.request(method, path, headers=headers, data=body) as response:
            content = await response.read()
            answer = {name.lower(): value for name, value in response.headers.items()}
            return response.status, answer, content

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
        self.session = None


@dataclass
class Client:
    cookie: str
    csrf: str
    group: int
    etag: str = ""
    version: int | None = None
    last_id: int = 0
    received: list[int] = field(default_factory=list)
    acknowledged: set[int] = field(default_factory=set)


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    sent_at: list[float] = field(default_factory=list)  # perf_counter() when each request left
    by_method: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


async def _call(
    conn: Connection, tally: Tally, method: str, path: str, headers: dict[str, str], body: bytes
) -> tuple[int, dict[str, str], bytes]:
    started = time.perf_counter()
    try:
        status, answer, content = await conn.request(method, path, headers, body)
    except (TimeoutError, OSError, aiohttp.ClientError, ValueError):
        await conn.close()
        tally.errors += 1
        return 0, {}, b""
    took = time.perf_counter() - started
    tally.latencies.append(took)
    tally.sent_at.append(started)
    tally.by_method.setdefault(method, []).append(took)
    tally.statuses[status] = tally.statuses.get(status, 0) + 1
    if status >= 400:
        tally.errors += 1
    return status, answer, content


async def _poll(conn: Connection, client: Client, tally: Tally) -> int:
    query = "" if client.version is None else f"?after={client.last_id}&since={client.version}"
    headers = {"Cookie": client.cookie, "Accept": "application/json"}
    if client.etag and query:
        headers["If-None-Match"] = client.etag
    status, answer, content = await _call(
        conn, tally, "GET", f"/api/v1/groups/{client.group}/messages{query}", headers, b""
    )
    if status == 200:
        data = json.loads(content)
        client.etag = answer.get("etag", "")
        client.version = data["version"]
        for message in data["messages"]:
            client.received.append(message["id"])
            client.last_id = max(client.last_id, message["id"])
        if data["has_more_after"]:
            return await _poll(conn, client, tally)
    return status


async def _post(conn: Connection, client: Client, tally: Tally) -> None:
    client_id = str(uuid.uuid4())
    body = json.dumps({"body": f"ベンチマーク {client_id}", "client_id": client_id}).encode()
    headers = {
        "Cookie": client.cookie,
        "X-CSRFToken": client.csrf,
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    tries = 2 if random.randrange(RETRY_EVERY) == 0 else 1
    for _ in range(tries):
        status, _, content = await _call(
            conn, tally, "POST", f"/api/v1/groups/{client.group}/messages", headers, body
        )
        if status in (200, 201):
            client.acknowledged.add(json.loads(content)["id"])


async def _run_phase(
    port: int,
    clients: list[Client],
    kind: str,
    seconds: float,
    *,
    requests: int = MAX_REQUESTS_PER_CLIENT,
    interval: float = 0.0,
) -> Tally:
    """Each client in a loop until the deadline (or `requests`); with `interval`, one request
    per interval (from a random offset), as the PWA does, otherwise back to back."""
    tally = Tally()
    started = time.perf_counter()
    deadline = started + seconds

    async def one(client: Client) -> None:
        conn = Connection(port)
        tick = started + random.uniform(0, interval)
        # Each client posts in its own slot of every POST_EVERY requests: the posts of 200
        # clients spread over the phase instead of all landing in the same second.
        post_slot = random.randrange(POST_EVERY)
        try:
            for n in range(min(requests, MAX_REQUESTS_PER_CLIENT)):
                if interval:
                    await asyncio.sleep(max(0.0, tick - time.perf_counter()))
                    tick += interval
                if time.perf_counter() >= deadline:
                    break
                if kind in BASELINES:
                    headers = {"Cookie": client.cookie}
                    await _call(conn, tally, "GET", BASELINES[kind], headers, b"")
                else:
                    if kind == "chat" and n % POST_EVERY == post_slot:
                        await _post(conn, client, tally)
                    await _poll(conn, client, tally)
        finally:
            await conn.close()

    await asyncio.gather(*(one(client) for client in clients))
    return tally


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0


def _report(name: str, tally: Tally, seconds: float) -> float:
    count = len(tally.latencies)
    rate = count / seconds
    print(
        f"{name:<30} {count:>7} req  {rate:8.0f} req/s  p50 {_percentile(tally.latencies, 0.5) * 1000:6.1f} ms"
        f"  p99 {_percentile(tally.latencies, 0.99) * 1000:6.1f} ms  errors {tally.errors}"
        f"  statuses {dict(sorted(tally.statuses.items()))}",
        flush=True,
    )
    if len(tally.by_method) > 1:
        for method, latencies in sorted(tally.by_method.items()):
            print(
                f"  {method:<6} {len(latencies):>7} req  p50 "
                f"{_percentile(latencies, 0.5) * 1000:6.1f} ms  p99 "
                f"{_percentile(latencies, 0.99) * 1000:6.1f} ms",
                flush=True,
            )
    return rate


def _report_windows(tally: Tally, window: float = 10.0) -> None:
    """p99 in each `window` seconds of the phase: a tail that grows as the run goes on (a
    backlog, a table that slows down as it fills) shows here and not in the overall figure."""
    if not tally.sent_at:
        return
    first = min(tally.sent_at)
    windows: dict[int, list[float]] = {}
    for sent, took in zip(tally.sent_at, tally.latencies, strict=True):
        windows.setdefault(int((sent - first) // window), []).append(took)
    figures = " / ".join(f"{_percentile(windows[n], 0.99) * 1000:.1f}" for n in sorted(windows))
    print(f"  p99 in each {window:g} s: {figures} ms", flush=True)
    if os.environ.get("CHAT_BENCH_SLOWEST"):
        worst = sorted(zip(tally.latencies, tally.sent_at, strict=True), reverse=True)[:15]
        print("  slowest:", ", ".join(f"{t * 1000:.0f}ms@{s - first:.2f}s" for t, s in worst))


def _cpu_seconds() -> dict[str, float]:
    """CPU time used so far by the processes on this side of the benchmark, by program (Linux
    /proc): the servers' share of each request is the difference over a phase."""
    used: dict[str, float] = {}
    if not Path("/proc/self/stat").exists():  # not Linux: no figure
        return used
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / ticks
        if "gunicorn" in command:
            name = "gunicorn"
        elif command.startswith("postgres"):
            name = "PostgreSQL"
        elif command.startswith("redis-server"):
            name = "Redis"
        else:
            continue
        used[name] = used.get(name, 0.0) + seconds
    return used


def _report_cpu(before: dict[str, float], after: dict[str, float], requests: int) -> float:
    """Prints the servers' CPU per request; returns their sum in ms (0 where not measurable)."""
    if not after or not requests:
        return 0.0
    shares = ", ".join(
        f"{name} {(after[name] - before.get(name, 0.0)) / requests * 1000:.2f} ms"
        for name in sorted(after)
    )
    print(f"  CPU per request: {shares}", flush=True)
    return sum(after[name] - before.get(name, 0.0) for name in after) / requests * 1000


# --- set-up -----------------------------------------------------------------------------------


def _fresh_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DATABASE}"')


def _redis_server(port: int) -> subprocess.Popen[bytes]:
    """The production cache (Django's Redis backend): a redis-server of the run's own."""
    return subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} CPUs)"


def _populate() -> list[Client]:
    """Groups, alumni with memberships, one signed-in session and CSRF secret per client."""
    import datetime as dt

    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.middleware.csrf import _get_new_csrf_string

    from cms.alumni.models import Alumnus
    from cms.groups.chat.models import CommunityGroup, Membership

    User = get_user_model()
    groups = [
        CommunityGroup.objects.create(name=f"ベンチ{n}", house_rules="ルール")
        for n in range(GROUPS)
    ]
    clients = []
    for n in range(CLIENTS):
        user = User.objects.create_user(username=f"bench-{n}")
        alumnus = Alumnus.objects.create(
            user=user,
            family_name="宮城",
            given_name=f"{n}",
            family_name_kana="みやぎ",
            given_name_kana="たろう",
            email=f"bench{n}@example.jp",
            birth_date=dt.date(1980, 1, 1),
            channel="email",
            privacy_notice_version=settings.ALUMNI_PRIVACY_NOTICE_VERSION,
        )
        group = groups[n % GROUPS]
        Membership.objects.create(group=group, alumnus=alumnus, status="active")
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        csrf = _get_new_csrf_string()
        cookie = f"{settings.SESSION_COOKIE_NAME}={store.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}"
        clients.append(Client(cookie=cookie, csrf=csrf, group=group.pk))
    return clients


def _queries(client: Client) -> tuple[int, int, int]:
    """SQL queries of one unchanged poll (304), of one poll that brings a new message, and of
    one post (a group whose push task is already queued, as for most posts)."""
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    from cms.alumni.models import Alumnus
    from cms.groups.chat.services import message_post

    browser = DjangoClient(HTTP_COOKIE=client.cookie, headers={"host": "127.0.0.1"})
    url = f"/api/v1/groups/{client.group}/messages"
    data = browser.get(url).json()
    query = {"after": max([m["id"] for m in data["messages"]], default=0), "since": data["version"]}
    etag = browser.get(url, query)["ETag"]
    with CaptureQueriesContext(connection) as unchanged:
        assert browser.get(url, query, headers={"If-None-Match": etag}).status_code == 304
    other = Alumnus.objects.filter(community_memberships__group_id=client.group).last()
    assert other is not None
    message_post(group_id=client.group, alumnus=other, body="新着", client_id=uuid.uuid4())
    with CaptureQueriesContext(connection) as changed:
        assert browser.get(url, query, headers={"If-None-Match": etag}).status_code == 200
    posts = []
    for _ in range(2):  # the first post queues the group's push task (once per few seconds)
        body = {"body": "数える", "client_id": str(uuid.uuid4())}
        with CaptureQueriesContext(connection) as posting:
            answer = browser.post(
                url, body, content_type="application/json", headers={"X-CSRFToken": client.csrf}
            )
        assert answer.status_code == 201, answer.status_code
        posts.append(len(posting))
    return len(unchanged), len(changed), posts[-1]


def main() -> None:
    # Production runs collectstatic; the API under test serves no static file, but WhiteNoise
    # warns at start when the directory is missing.
    started = time.monotonic()
    (ROOT / "var" / "static").mkdir(parents=True, exist_ok=True)
    port, redis_port = _free_port(), _free_port()
    env = _server_env(port, redis_port)
    os.environ.update(env)
    print(
        f"{CLIENTS} clients, {GROUPS} groups, {SECONDS:.0f} s per throughput phase, {CHAT_SECONDS:.0f} s of chat; gunicorn on 127.0.0.1:{port}; "
        f"PostgreSQL {DATABASE}; Redis on {redis_port}; {_load()}",
        flush=True,
    )
    _fresh_database()
    redis = _redis_server(redis_port)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--skip-checks", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    import django

    django.setup()
    clients = _populate()
    workers = int(os.environ.get("CHAT_BENCH_WORKERS", (os.cpu_count() or 1) + 1))
    threads = int(os.environ.get("CHAT_BENCH_THREADS", "8"))
    server = gunicorn_start(port=port, workers=workers, threads=threads, env=env)
    try:
        _wait_for_server(port)
        print(f"gunicorn: {workers} workers × {threads} threads (gthread)", flush=True)
        asyncio.run(_run_phase(port, clients, "bare", 60.0, requests=3))  # warm up
        asyncio.run(_run_phase(port, clients, "poll", 60.0, requests=2))  # learn each ETag

        cpu_before = _cpu_seconds()
        bare = asyncio.run(_run_phase(port, clients, "bare", SECONDS))
        cpu_after = _cpu_seconds()
        bare_rate = _report("bare Django JSON view", bare, SECONDS)
        bare_cpu = _report_cpu(cpu_before, cpu_after, len(bare.latencies))
        signed_in = asyncio.run(_run_phase(port, clients, "signed-in", SECONDS))
        cpu_before = _cpu_seconds()
        signed_in_rate = _report("the bare view asking who is signed in", signed_in, SECONDS)
        signed_in_cpu = _report_cpu(cpu_after, cpu_before, len(signed_in.latencies))
        cpu_after = cpu_before
        unchanged = asyncio.run(_run_phase(port, clients, "poll", SECONDS))
        cpu_before = _cpu_seconds()
        poll_rate = _report("unchanged poll (304)", unchanged, SECONDS)
        poll_cpu = _report_cpu(cpu_after, cpu_before, len(unchanged.latencies))
        cpu_before = _cpu_seconds()
        chat = asyncio.run(_run_phase(port, clients, "chat", CHAT_SECONDS, interval=PACE))
        cpu_after = _cpu_seconds()
        _report(f"chat, a poll every {PACE:g} s/client", chat, CHAT_SECONDS)
        _report_windows(chat)
        _report_cpu(cpu_before, cpu_after, len(chat.latencies))
        catch_up = asyncio.run(_run_phase(port, clients, "poll", 60.0, requests=3))
        lost, duplicated, db_duplicates, unacknowledged = _check(clients)
        print(
            f"unchanged poll vs bare view: {poll_rate / bare_rate:.0%} of the bare view's throughput",
            flush=True,
        )
        print(
            f"  the signed-in floor: {signed_in_rate / bare_rate:.0%} of the bare view; the "
            f"unchanged poll is {poll_rate / signed_in_rate:.0%} of that floor",
            flush=True,
        )
        if bare_cpu and poll_cpu and signed_in_cpu:
            # On a shared machine, throughput follows the neighbours' load; CPU per request
            # (gunicorn, PostgreSQL and Redis together) much less so.
            print(
                f"  by the servers' CPU per request: {bare_cpu / poll_cpu:.0%} "
                f"({bare_cpu:.2f} ms bare, {signed_in_cpu:.2f} ms signed-in floor, "
                f"{poll_cpu:.2f} ms unchanged poll)",
                flush=True,
            )
        print(
            f"messages: lost {lost}, duplicated in a client's feed {duplicated}, "
            f"duplicated in the database {db_duplicates}, acknowledged but missing {unacknowledged}; "
            f"catch-up errors {catch_up.errors}",
            flush=True,
        )
        unchanged_q, changed_q, post_q = _queries(clients[0])
        print(
            f"SQL queries: unchanged poll (304) {unchanged_q}, poll with a new message "
            f"{changed_q}, post {post_q} (BEGIN and COMMIT included)",
            flush=True,
        )
        p99 = _percentile(chat.latencies, 0.99) * 1000
        print(
            f"budgets (issue 19): chat p99 {p99:.0f} ms ≤ 150 ms: {'yes' if p99 <= 150 else 'NO'}; "
            f"unchanged poll {poll_rate / bare_rate:.0%} ≥ 35 % of the bare view: "
            f"{'yes' if poll_rate >= 0.35 * bare_rate else 'NO'}; errors {chat.errors}, lost {lost}, "
            f"duplicated {duplicated + db_duplicates}",
            flush=True,
        )
        print(
            f"at the end: {_load()}; the bench took {time.monotonic() - started:.0f} s", flush=True
        )
    finally:
        for process in (server, redis):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def _wait_for_server(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _check(clients: list[Client]) -> tuple[int, int, int, int]:
    """Lost: a message of the group a member never received by polling. Duplicated: received
    twice, or stored twice for one client_id."""
    from django.db.models import Count

    from cms.groups.chat.models import Message

    by_group: dict[int, set[int]] = {}
    for group_id, pk in Message.objects.values_list("group_id", "pk"):
        by_group.setdefault(group_id, set()).add(pk)
    lost = duplicated = 0
    acknowledged: set[int] = set()
    for client in clients:
        received = client.received
        duplicated += len(received) - len(set(received))
        lost += len(by_group.get(client.group, set()) - set(received))
        acknowledged |= client.acknowledged
    stored = set(Message.objects.values_list("pk", flat=True))
    db_duplicates = (
        Message.objects.values("author", "client_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    return lost, duplicated, db_duplicates, len(acknowledged - stored)


if __name__ == "__main__":
    main()
