"""Incremental builds: one publish rewrites only what shows it; signals queue the build on commit."""

import datetime as dt
import re
import threading
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from cms.content.models import NoticeCategory, NoticePage
from cms.content.tasks import build_pwa_task
from pwa_build.build import build, build_lock
from tests.content.factories import NoticePageFactory

from .conftest import SiteTree, body


def publish_new_notice(site_tree: SiteTree, slug: str, title: str) -> NoticePage:
    notice = NoticePage(
        title=title,
        slug=slug,
        summary="新しい概要",
        category=NoticeCategory.objects.get(slug="other"),
        body=body("新しい本文"),
        live=False,
    )
    site_tree.notices.add_child(instance=notice)
    notice.save_revision().publish()
    return notice


def test_publishing_one_notice_rewrites_only_the_expected_files(
    site_tree: SiteTree, dist: Path
) -> None:
    build(full=True)
    untouched = (dist / "jobs/civil/index.html").stat().st_mtime_ns
    publish_new_notice(site_tree, "new-one", "新着のお知らせです")
    report = build()
    assert not report.full
    assert sorted(report.written) == sorted(
        [
            "notices/new-one/index.html",
            "notices/index.html",
            "notices/category/other/index.html",
            "index.html",  # the home page lists the newest notices
            "sitemap.xml",
            "feed.xml",
        ]
    )
    assert report.removed == []
    assert "新しい本文" in (dist / "notices/new-one/index.html").read_text()
    assert "新着のお知らせです" in (dist / "notices/index.html").read_text()
    assert (dist / "jobs/civil/index.html").stat().st_mtime_ns == untouched


def test_unpublishing_removes_the_page_and_updates_the_lists(
    site_tree: SiteTree, dist: Path
) -> None:
    build(full=True)
    assert (dist / "notices/open-day/index.html").is_file()
    site_tree.public_notice.unpublish()
    report = build()
    assert report.removed == ["notices/open-day/index.html"]
    assert not (dist / "notices/open-day").exists()
    for listing in ("notices/index.html", "index.html", "sitemap.xml", "feed.xml"):
        assert listing in report.written
        assert "県庁見学会のご案内" not in (dist / listing).read_text()


def test_a_second_build_with_nothing_changed_writes_nothing(
    site_tree: SiteTree, dist: Path
) -> None:
    build(full=True)
    report = build()
    assert report.written == [] and report.removed == [] and report.unchanged > 10


def test_notices_past_one_page_keep_older_archive_pages_unchanged(
    site_tree: SiteTree, dist: Path
) -> None:
    for n in range(45):
        NoticePageFactory(parent=site_tree.notices, slug=f"old-{n}", body=[])
    build(full=True)
    assert (dist / "notices/archive/1/index.html").is_file()
    assert (dist / "notices/archive/2/index.html").is_file()
    publish_new_notice(site_tree, "newest", "最新のお知らせ")
    written = build().written
    assert "notices/archive/1/index.html" not in written
    assert "notices/index.html" in written


@pytest.fixture
def on_publish(dist: Path):  # type: ignore[no-untyped-def]
    with override_settings(PWA_BUILD_ON_PUBLISH=True):
        yield dist


def test_publishing_in_the_admin_flow_rebuilds_after_commit(
    site_tree: SiteTree, on_publish: Path, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    build(full=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publish_new_notice(site_tree, "via-signal", "シグナルで公開")
    assert not (on_publish / "notices/via-signal").exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    assert "シグナルで公開" in (on_publish / "notices/via-signal/index.html").read_text()


def test_deleting_a_live_page_removes_it_after_commit(
    site_tree: SiteTree, on_publish: Path, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    build(full=True)
    with django_capture_on_commit_callbacks(execute=True):
        site_tree.public_notice.delete()
    assert not (on_publish / "notices/open-day").exists()
    assert "県庁見学会のご案内" not in (on_publish / "notices/index.html").read_text()


def test_a_drafts_save_does_not_change_the_site(
    site_tree: SiteTree, on_publish: Path, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    build(full=True)
    notice = site_tree.public_notice
    notice.title = "下書きで変えたタイトル"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notice.save_revision()
    assert (
        callbacks == []
        or "下書きで変えたタイトル" not in (on_publish / "notices/open-day/index.html").read_text()
    )


def test_two_builds_never_run_at_once(site_tree: SiteTree, dist: Path) -> None:
    build(full=True)
    finished = threading.Event()
    with build_lock(dist):
        worker = threading.Thread(target=lambda: (build_lock_then(dist), finished.set()))
        worker.start()
        worker.join(timeout=0.5)
        assert not finished.is_set()  # waits for the lock held here
    worker.join(timeout=10)
    assert finished.is_set()


def build_lock_then(dist: Path) -> None:
    with build_lock(dist):
        pass


def test_incremental_build_reads_in_a_fixed_number_of_queries(
    site_tree: SiteTree, dist: Path
) -> None:
    build(full=True)
    publish_new_notice(site_tree, "q1", "クエリ1")
    with CaptureQueriesContext(connection) as one:
        build()
    for n in range(5):
        publish_new_notice(site_tree, f"q-more-{n}", f"クエリ追加{n}")
    with CaptureQueriesContext(connection) as many:
        build()
    assert len(many) == len(one)


def test_the_daily_build_rewrites_only_the_jobs_whose_status_changed(
    site_tree: SiteTree, dist: Path
) -> None:
    # The job's application period is 2026-10-01 to 2026-10-31 (募集予定 the day before).
    build(full=True, today=dt.date(2026, 9, 30))
    assert "募集予定" in (dist / "jobs/civil/index.html").read_text()
    unchanged = build(today=dt.date(2026, 9, 30))
    assert unchanged.written == []
    report = build(today=dt.date(2026, 10, 1))
    assert not report.full
    assert sorted(report.written) == ["index.html", "jobs/civil/index.html", "jobs/index.html"]
    assert "募集中" in (dist / "jobs/civil/index.html").read_text()


# The previous build's notices, kept in its manifest beside dist/: an incremental build reads a
# signature of every notice and the full rows only of those whose signature changed.


def test_an_incremental_build_reads_the_full_rows_only_of_changed_notices(
    site_tree: SiteTree, dist: Path
) -> None:
    kept = publish_new_notice(site_tree, "kept", "変わらないお知らせ")
    edited = publish_new_notice(site_tree, "edited", "直す前の題名")
    build(full=True)
    edited.title = "直した後の題名"
    edited.save_revision().publish()
    with CaptureQueriesContext(connection) as queries:
        report = build()
    full_reads = [  # the list entries' rows (the detail page reads its own row to render)
        q["sql"]
        for q in queries
        if '"content_noticepage"' in q["sql"] and '"last_published_at"' in q["sql"]
    ]
    assert len(full_reads) == 1
    wanted = re.search(r'"page_ptr_id" IN \((\d+(?:, \d+)*)\)', full_reads[0])
    assert wanted is not None
    # The edited notice, and the factory's notice made without a live revision (such a page
    # is always read afresh); not the unchanged one published through Wagtail.
    assert set(wanted.group(1).split(", ")) == {str(edited.pk), str(site_tree.public_notice.pk)}
    assert str(kept.pk) not in wanted.group(1).split(", ")
    assert "notices/edited/index.html" in report.written
    listing = (dist / "notices/index.html").read_text()
    assert "直した後の題名" in listing and "直す前の題名" not in listing
    assert "変わらないお知らせ" in listing


def test_renaming_a_category_rewrites_its_notices_and_lists_from_kept_entries(
    site_tree: SiteTree, dist: Path
) -> None:
    notice = publish_new_notice(site_tree, "in-category", "分類のあるお知らせ")
    build(full=True)
    NoticeCategory.objects.filter(pk=notice.category_id).update(name="改名した分類")
    report = build()
    assert "notices/index.html" in report.written
    assert "改名した分類" in (dist / "notices/index.html").read_text()


def test_moving_the_notice_index_moves_kept_notices(site_tree: SiteTree, dist: Path) -> None:
    publish_new_notice(site_tree, "moving", "移動するお知らせ")
    build(full=True)
    index = site_tree.notices.specific
    index.slug = "news"
    index.save_revision().publish()
    report = build()
    assert "news/moving/index.html" in report.written
    assert "notices/moving/index.html" in report.removed
    assert "移動するお知らせ" in (dist / "news/moving/index.html").read_text()


DATABASE_QUEUE = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "pwa"]}
}


def test_a_publish_waits_on_the_pwa_queue_for_its_own_worker(
    site_tree: SiteTree, on_publish: Path, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    """The database queue, as in production: the build waits on the `pwa` queue, which the
    mail and push worker (`default`) leaves alone, and runs as the `pwa` worker runs it."""
    build(full=True)
    with override_settings(TASKS=DATABASE_QUEUE):
        with django_capture_on_commit_callbacks(execute=True):
            publish_new_notice(site_tree, "queued", "キューで公開")
        waiting = DBTaskResult.objects.ready().filter(task_path=build_pwa_task.module_path)
        assert [t.queue_name for t in waiting] == ["pwa"]
        assert not (on_publish / "notices/queued").exists()
        worker = Worker(
            queue_names=["pwa"],
            interval=0.1,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="test",
            excluded_queue_names=[],
        )
        worker.run_task(waiting.get())
    assert "キューで公開" in (on_publish / "notices/queued/index.html").read_text()
    assert "キューで公開" in (on_publish / "notices/index.html").read_text()
