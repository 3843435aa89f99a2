"""Benchmark of the static build: full builds of 1,000 and 10,000 notices, one publish, weight.

Prints ms per page, seconds, peak memory and SQL queries of a full build; the baseline in the
same run renders the same pages through Django's request stack, one GET per page (as baking
tools do); the time until one published notice is live; compressed bytes of home and a notice.
Runs on a throwaway SQLite database: `python -m bench build`.
"""

import functools
import gzip
import logging
import os
import re
import resource
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

BASELINE_SAMPLE = 300
PUBLISH_RUNS = 5


@functools.cache
def _version() -> str:
    """The app shell's version, as the build worker computes it."""
    from django.conf import settings

    from pwa_build.build import site_version

    return site_version(Path(settings.BASE_DIR) / "site_templates" / "app")


"""The site version, taken once at the start: a template edited by someone else while the
benchmark runs cannot turn a measured incremental build into a full one."""


def load() -> str:
    return "load average " + " / ".join(f"{x:.2f}" for x in os.getloadavg())


def setup_django(workdir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["PWA_DIST_DIR"] = str(workdir / "dist")
    # The database queue, as in production: the publish measured end to end is built by a
    # real worker process (Wagtail's own search-index tasks wait in the queue meanwhile).
    os.environ["TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PWA_DIST_DIR = workdir / "dist"
    call_command("migrate", verbosity=0)


def make_site() -> object:
    from tests.content.factories import (
        JobIndexPageFactory,
        JobPageFactory,
        NoticeIndexPageFactory,
        PressReleaseIndexPageFactory,
        PressReleasePageFactory,
        StandardPageFactory,
        make_site,
    )

    home = make_site()
    notices = NoticeIndexPageFactory(parent=home)
    jobs = JobIndexPageFactory(parent=home)
    for n in range(5):
        JobPageFactory(parent=jobs, slug=f"job-{n}")
    press = PressReleaseIndexPageFactory(parent=home)
    PressReleasePageFactory(parent=press, slug="launch")
    StandardPageFactory(parent=home, slug="about")
    return notices


def add_notices(index: object, total: int) -> None:
    """Inserts notices in bulk (tree paths computed here) until the index holds `total`."""
    import datetime as dt
    import json

    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone
    from wagtail.models import Page, Revision

    from cms.content.models import NoticeCategory, NoticePage

    parent = Page.objects.get(pk=index.pk)  # type: ignore[attr-defined]
    have = parent.numchild
    if have >= total:
        return
    content_type = ContentType.objects.get_for_model(NoticePage)
    categories = list(NoticeCategory.objects.values_list("pk", flat=True))
    now = timezone.now()
    body = json.dumps(
        [
            {
                "type": "paragraph",
                "value": "<p>" + "県からのお知らせの本文です。" * 20 + "</p>",
                "id": "x",
            }
        ]
    )
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def step(n: int) -> str:
        out = ""
        for _ in range(4):
            n, r = divmod(n, 36)
            out = alphabet[r] + out
        return out

    with transaction.atomic():
        pages = []
        for n in range(have + 1, total + 1):
            pages.append(
                Page(
                    title=f"お知らせ 第{n}号：県からのご案内",
                    draft_title=f"お知らせ 第{n}号：県からのご案内",
                    slug=f"notice-{n}",
                    content_type=content_type,
                    path=parent.path + step(n),
                    depth=parent.depth + 1,
                    numchild=0,
                    url_path=f"{parent.url_path}notice-{n}/",
                    live=True,
                    has_unpublished_changes=False,
                    first_published_at=now,
                    last_published_at=now,
                    locale_id=parent.locale_id,
                    translation_key=__import__("uuid").uuid4(),
                )
            )
        Page.objects.bulk_create(pages, batch_size=500)
        created = Page.objects.filter(path__in=[p.path for p in pages]).values_list("pk", "slug")
        table = NoticePage._meta.db_table
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} (page_ptr_id, date, category_id, summary, body, visibility,"
                " notify_alumni) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        pk,
                        dt.date(2024, 1, 1) + dt.timedelta(days=int(slug.split("-")[1]) // 20),
                        categories[int(slug.split("-")[1]) % len(categories)],
                        "概要：県からのお知らせです。詳しくは本文をご覧ください。",
                        body,
                        "public",
                        False,
                    )
                    for pk, slug in created
                ],
            )
        # As Wagtail publishes: each page with a live revision (its content as JSON).
        page_type = ContentType.objects.get_for_model(Page)
        Revision.objects.bulk_create(
            [
                Revision(
                    content_type=content_type,
                    base_content_type=page_type,
                    object_id=str(pk),
                    object_str=slug,
                    created_at=now,
                    content={"pk": pk, "slug": slug},
                )
                for pk, slug in created
            ],
            batch_size=500,
        )
        for pk, revision in Revision.objects.filter(
            base_content_type=page_type, object_id__in=[str(pk) for pk, _ in created]
        ).values_list("object_id", "pk"):
            Page.objects.filter(pk=int(pk)).update(live_revision_id=revision)
        Page.objects.filter(pk=parent.pk).update(numchild=total)


def full_build() -> tuple[float, int, int, int, int]:
    """Seconds until live, SQL queries, files, peak memory of the build process (bytes, by
    tracemalloc, in a second run) and the largest worker process (bytes, max RSS)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pwa_build.build import build, wait_for_cleanup

    wait_for_cleanup()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        report = build(full=True, version=_version())
        seconds = time.perf_counter() - started
    assert report.full
    wait_for_cleanup()
    tracemalloc.start()
    build(full=True, version=_version())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    wait_for_cleanup()
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return seconds, len(queries), len(report.written) + report.unchanged, peak, workers


def baseline_ms_per_page() -> float:
    """Django's request stack: one GET per page through Wagtail's routing (same renderer)."""
    from django.test import Client

    from cms.content.models import NoticePage

    client = Client()
    urls = [p.url for p in NoticePage.objects.live().order_by("?")[:BASELINE_SAMPLE]]
    started = time.perf_counter()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    return (time.perf_counter() - started) * 1000 / len(urls)


def publish_live(index: object, workdir: Path, runs: int) -> list[tuple[float, float, list[str]]]:
    """End to end, as in production: the publish enqueues a build on the `pwa` queue after the
    commit, a real `db_worker` process (polling every 0.5 s, as `make demo` runs it) builds.
    The worker keeps nothing between builds (each reads the manifest beside dist/); the first
    run, left out, waits for the worker process to start. Per run: seconds from the publish until the build's files are live (its state written),
    the build's own seconds as the worker reported them, and the files it wrote."""
    import subprocess
    import sys

    from django.conf import settings
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from cms.content.models import NoticeCategory, NoticePage
    from pwa_build.build import _state_path

    state = _state_path(workdir / "dist")
    command = ["manage.py", "db_worker", "--queue-name", "pwa", "--interval", "0.5"]
    log = open(workdir / "worker.log", "w")  # noqa: SIM115 (open while the worker runs)
    worker = subprocess.Popen(
        [sys.executable, *command, "--no-startup-delay"],
        cwd=Path(__file__).resolve().parent.parent,
        env=os.environ.copy(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    settings.PWA_BUILD_ON_PUBLISH = True
    results = []
    try:
        for run in range(runs + 1):  # the first also waits for the worker process to start
            notice = NoticePage(
                title=f"ワーカーが公開したお知らせ {run}",
                slug=f"live-{run}-{time.time_ns()}",
                summary="公開から反映までを測ります。",
                category=NoticeCategory.objects.first(),
                live=False,
            )
            index.add_child(instance=notice)  # type: ignore[attr-defined]
            before = state.stat().st_mtime_ns
            enqueued_after = timezone.now()
            started = time.perf_counter()
            notice.save_revision().publish()
            deadline = started + 60
            while state.stat().st_mtime_ns == before:
                if time.perf_counter() > deadline or worker.poll() is not None:
                    raise RuntimeError("the pwa worker did not build")
                time.sleep(0.002)
            live = time.perf_counter() - started
            page = workdir / "dist" / "notices" / notice.slug / "index.html"
            assert page.is_file(), page
            value = None
            while value is None:  # the worker records the result just after the state
                time.sleep(0.01)
                value = (
                    DBTaskResult.objects.filter(
                        queue_name="pwa", status="SUCCESSFUL", enqueued_at__gte=enqueued_after
                    )
                    .values_list("return_value", flat=True)
                    .first()
                )
            if run:
                results.append((live, float(value["seconds"]), list(value["files"])))
    finally:
        settings.PWA_BUILD_ON_PUBLISH = False
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
    return results


def weight(dist: Path, page: str) -> int:
    """gzip bytes of the HTML plus the CSS and JS it links (what the first render needs)."""
    html = (dist / page).read_bytes()
    total = len(gzip.compress(html, 9))
    for url in re.findall(rb"/assets/[^\s\"'>]+\.(?:css|js)", html):
        total += len(gzip.compress((dist / url.decode().lstrip("/")).read_bytes(), 9))
    return total


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-build-"))
    setup_django(workdir)
    # The figures, not the per-page task log lines of Wagtail's search and reference index.
    logging.getLogger("django.tasks").setLevel(logging.WARNING)
    from pwa_build.build import default_workers

    print(
        f"dist: {workdir / 'dist'} (its own), {os.cpu_count()} cores, {default_workers()} workers"
    )
    index = make_site()
    for total in (1_000, 10_000):
        add_notices(index, total)
        before = load()
        seconds, queries, files, peak, workers = full_build()
        per_page = seconds * 1000 / total
        base = baseline_ms_per_page()
        print(
            f"full build, {total:>6} notices: {seconds:6.2f} s until live, {per_page:.3f} ms/page, "
            f"{files} files, {queries} SQL queries, peak {peak / 2**20:.0f} MiB in the build "
            f"process, {workers / 2**20:.0f} MiB max RSS of a worker ({before} -> {load()})"
        )
        print(
            f"  baseline (Django request stack, {BASELINE_SAMPLE} GETs sampled): "
            f"{base:.2f} ms/page -> {base * total / 1000:.1f} s for all; "
            f"build is {base / per_page:.1f}x faster"
        )
    from pwa_build.build import _state_path

    manifest = _state_path(workdir / "dist").stat().st_size
    live = publish_live(index, workdir, PUBLISH_RUNS)
    times = sorted(took * 1000 for took, _, _ in live)
    builds = sorted(took * 1000 for _, took, _ in live)
    print(
        f"publish one notice with 10,000 in the site, end to end with the pwa worker process "
        f"({PUBLISH_RUNS} runs, the worker keeps nothing between builds, manifest {manifest / 2**20:.1f} MiB, "
        f"{load()}): live after {statistics.median(times):.0f} ms median "
        f"({times[0]:.0f}–{times[-1]:.0f} ms), of which the worker's build "
        f"{statistics.median(builds):.0f} ms median; {len(live[-1][2])} files written: "
        f"{', '.join(sorted(live[-1][2]))}"
    )
    dist = workdir / "dist"
    notice = next((dist / "notices").glob("notice-1/index.html"))
    print(
        f"weight (gzip, HTML+CSS+JS): home {weight(dist, 'index.html') / 1024:.1f} KB, "
        f"notice {weight(dist, str(notice.relative_to(dist))) / 1024:.1f} KB"
    )
