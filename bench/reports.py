"""HR's reports at scale: 10,000 alumni and 1,000,000 signals on PostgreSQL.

Measures, best of 3 in the same run:
1. the monthly report of last month built (every figure, the XLSX with its charts and both
   CSVs; budget ≤ 30 s),
2. the dashboard rendered (HR's 実績と報告 page of this month through Django's test client,
   templates and SVG charts included; budget ≤ 1 s),
against the baseline: exporting the raw rows those figures come from (the fiscal year's signals,
the month's deliveries, the registrants, the chat posts) to CSV through the ORM.
The figures of the month are printed.

Data: the database `alumni_reports_bench` is made as a copy of `alumni_signals_bench` (the signals
bench's 10,000 consenting alumni and 1,000,000 signals) when that one exists and is idle, else
populated by the signals bench's own loader; then deliveries (two items a month to every
alumnus for 3 months), invitations' roster and chat posts are added. REPORTS_BENCH_REUSE=1 runs
again on the previous run's database. Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust).
"""

import csv
import datetime as dt
import io
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from bench import staff_client
from bench.chat import PG, _free_port, _server_env
from bench.signals import DATABASE as SIGNALS_DATABASE
from bench.signals import _load

DATABASE = "alumni_reports_bench"
ROOT = Path(__file__).resolve().parent.parent
MONTHS_OF_DELIVERIES = 3
ITEMS_A_MONTH = 2
CHUNK = 20_000
REPORT_BUDGET = 30.0
DASHBOARD_BUDGET = 1.0
STATIC_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"


def _database_ready() -> bool:
    """A fresh copy of the signals bench's database when possible; True when it holds data."""
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        if os.environ.get("REPORTS_BENCH_REUSE"):
            found = admin.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]
            ).fetchone()
            if found:
                return True
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        try:
            admin.execute(f'CREATE DATABASE "{DATABASE}" TEMPLATE "{SIGNALS_DATABASE}"')
        except psycopg.Error as error:  # absent, or in use by a running signals bench
            print(f"no copy of {SIGNALS_DATABASE} ({type(error).__name__}); populating", flush=True)
            admin.execute(f'CREATE DATABASE "{DATABASE}"')
            return False
    print(f"copied {SIGNALS_DATABASE}", flush=True)
    return True


def _months_back(months: int) -> dt.date:
    today = dt.date.today().replace(day=1)
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return dt.date(year, month + 1, 1)


def _add_report_data() -> None:
    """Deliveries, invitations and chat posts over the signals bench's alumni (idempotent)."""
    from django.utils import timezone
    from wagtail.models import Page

    from cms.alumni.models import Alumnus, Invitation, RosterEntry
    from cms.groups.chat.models import CommunityGroup, Message
    from cms.push.models import Delivery, DeliveryStatus

    if Delivery.objects.exists():
        return
    started = time.perf_counter()
    ids = list(Alumnus.objects.order_by("pk").values_list("pk", flat=True))
    for back in range(24):  # registered over two years, a third by letter
        registered = timezone.make_aware(
            dt.datetime.combine(_months_back(back + 1) + dt.timedelta(days=4), dt.time(9))
        )
        Alumnus.objects.filter(pk__in=ids[back::24]).update(registered_at=registered)
    Alumnus.objects.filter(pk__in=ids[::3]).update(channel="letter")
    items = list(Page.objects.filter(depth__gt=1).order_by("pk").values_list("pk", flat=True))
    for back in range(MONTHS_OF_DELIVERIES):
        sent = timezone.make_aware(dt.datetime.combine(_months_back(back), dt.time(10)))
        for n in range(ITEMS_A_MONTH):
            item = items[(back * ITEMS_A_MONTH + n) % len(items)]
            Delivery.objects.bulk_create(
                [
                    Delivery(
                        item_id=item,
                        alumnus_id=pk,
                        channel="push" if i % 3 else "email",
                        status=DeliveryStatus.SENT,
                        sent_at=sent,
                    )
                    for i, pk in enumerate(ids)
                    if (i + n) % 10  # a tenth gets one item fewer
                ],
                batch_size=CHUNK,
            )
    entries = RosterEntry.objects.bulk_create(
        [
            RosterEntry(
                staff_number=f"B{n:06d}",
                family_name="宮城",
                given_name=f"{n}",
                family_name_kana="みやぎ",
                given_name_kana="たろう",
                birth_date=dt.date(1980, 1, 1),
            )
            for n in range(len(ids))
        ],
        batch_size=CHUNK,
    )
    issued = timezone.make_aware(dt.datetime.combine(_months_back(6), dt.time(9)))
    Invitation.objects.bulk_create(
        [
            Invitation(roster_entry=entry, channel="email" if n % 4 else "letter", issued_at=issued)
            for n, entry in enumerate(entries)
        ],
        batch_size=CHUNK,
    )
    groups = [
        CommunityGroup.objects.create(name=f"ベンチ{n}", description="", house_rules="")
        for n in range(20)
    ]
    Message.objects.bulk_create(
        [
            Message(
                group=groups[n % 20], author_id=ids[n % len(ids)], client_id=uuid.uuid4(), body="."
            )
            for n in range(5_000)
        ],
        batch_size=CHUNK,
    )
    print(f"added report data in {time.perf_counter() - started:.0f} s", flush=True)


def _raw_export(period_start: dt.date, month_start: dt.date, month_end: dt.date) -> int:
    """The baseline: the raw rows behind the figures written as CSV through the ORM."""
    from django.utils import timezone

    from cms.alumni.models import Alumnus
    from cms.analytics.models import Signal
    from cms.groups.chat.models import Message
    from cms.push.models import Delivery

    def aware(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))

    out = io.StringIO()
    writer = csv.writer(out)
    rows = 0
    sources = (
        Signal.objects.filter(
            occurred_at__gte=aware(period_start), occurred_at__lt=aware(month_end)
        ).values_list("alumnus_id", "type", "occurred_at"),
        Delivery.objects.filter(
            sent_at__gte=aware(month_start), sent_at__lt=aware(month_end)
        ).values_list("alumnus_id", "item_id", "channel", "status"),
        Alumnus.objects.values_list(
            "pk", "channel", "status", "registered_at", "consent_analytics"
        ),
        Message.objects.filter(
            created_at__gte=aware(month_start), created_at__lt=aware(month_end)
        ).values_list("group_id", "author_id", "created_at"),
    )
    for source in sources:
        for row in source.order_by().iterator(chunk_size=CHUNK):
            writer.writerow(row)
            rows += 1
    return rows


def _best(run: object, times: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(times):
        started = time.perf_counter()
        result = run()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best, result


def _measure() -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import override_settings
    from django.utils import timezone

    from cms.reports.exports import report_files
    from cms.reports.periods import fiscal_year_of, fiscal_year_period, month_period
    from cms.reports.selectors import month_figures

    last = month_period(timezone.localdate().replace(day=1) - dt.timedelta(days=1))
    year = fiscal_year_period(fiscal_year_of(last.start))

    def build() -> list[object]:
        return list(report_files(month_figures(last)))

    report_seconds, files = _best(build)
    user, _ = get_user_model().objects.get_or_create(
        username="bench-reports-hr", defaults={"is_superuser": True, "is_staff": True}
    )
    client = staff_client(user, HTTP_HOST="127.0.0.1")
    this_month = f"{timezone.localdate():%Y-%m}"

    def render() -> int:
        response = client.get(f"/admin/reports/?month={this_month}")
        assert response.status_code == 200, response.status_code
        return len(response.content)

    # The admin's styles by name (this run made no collectstatic manifest); nothing else changes.
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": STATIC_STORAGE}}
    with override_settings(STORAGES=storages):
        render()  # warm the template cache
        dashboard_seconds, size = _best(render)
    raw_seconds, raw_rows = _best(lambda: _raw_export(year.start, last.start, last.end))
    figures = month_figures(last)
    print(f"load average {_load()}", flush=True)
    print(f"figures of {last.label} ({last.western}):", flush=True)
    for table in figures.tables:
        print(f"  {table.title}", flush=True)
        for row in table.rows:
            cells = ", ".join(
                f"{column} {cell.text}"
                for column, cell in zip(table.columns, row.cells, strict=True)
            )
            print(f"    {row.label}: {cells}", flush=True)
    sizes = ", ".join(f"{f.name} {len(f.content):,} B" for f in files)  # type: ignore[attr-defined]
    print(
        f"monthly report built (figures + XLSX + 2 CSVs): {report_seconds:.2f} s "
        f"(budget ≤ {REPORT_BUDGET:.0f} s) — {sizes}",
        flush=True,
    )
    print(
        f"dashboard rendered ({size:,} B of HTML): {dashboard_seconds:.3f} s "
        f"(budget ≤ {DASHBOARD_BUDGET:.0f} s)",
        flush=True,
    )
    print(
        f"baseline, raw rows behind the figures exported as CSV ({raw_rows:,} rows): "
        f"{raw_seconds:.2f} s",
        flush=True,
    )
    print(
        f"ratios to the raw export: report {report_seconds / raw_seconds:.2f}×, "
        f"dashboard {dashboard_seconds / raw_seconds:.3f}×",
        flush=True,
    )
    print(
        f"within budget: report {'yes' if report_seconds <= REPORT_BUDGET else 'NO'}, "
        f"dashboard {'yes' if dashboard_seconds <= DASHBOARD_BUDGET else 'NO'}",
        flush=True,
    )


def main() -> None:
    (ROOT / "var" / "static").mkdir(parents=True, exist_ok=True)
    env = {**_server_env(_free_port()), "DATABASE_URL": f"{PG}/{DATABASE}", "REDIS_URL": ""}
    os.environ.update(env)
    print(f"{os.cpu_count()} CPUs, load average {_load()}; PostgreSQL {DATABASE}", flush=True)
    ready = _database_ready()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--skip-checks", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    import django

    django.setup()
    if not ready:
        from bench.signals import _populate

        _populate()
    _add_report_data()
    from django.db import connection

    with connection.cursor() as cursor:  # what autovacuum does after a load, at once
        cursor.execute("ANALYZE")
    _measure()


if __name__ == "__main__":
    main()
