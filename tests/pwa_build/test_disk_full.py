"""A disk that fills up during a build: the live site stays whole and no temporary file is left.

The full disk is real for the build's writes: the process's file-size limit (RLIMIT_FSIZE, with
SIGXFSZ ignored) makes the kernel refuse every write past a few kilobytes with an OSError, as a
full disk refuses them with ENOSPC; small files still get written, pages do not."""

import contextlib
import resource
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from pwa_build.build import build, wait_for_cleanup
from tests.content.factories import NoticePageFactory

from .conftest import SiteTree, body

LIMIT = 4096


@contextlib.contextmanager
def disk_full_past(limit: int) -> Iterator[None]:
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root.parent)): p.read_bytes()
        for p in root.parent.rglob("*")
        if p.is_file() and not p.name.startswith(".dist.lock")
    }


@pytest.mark.parametrize("full", [False, True])
def test_a_disk_full_during_a_build_leaves_the_live_site_whole(
    site_tree: SiteTree, dist: Path, full: bool
) -> None:
    build(full=True)
    wait_for_cleanup()
    live = dist.resolve()
    before = snapshot(dist)
    notice = site_tree.public_notice
    notice.title = "見学会の日程が変わりました"
    notice.body = body("日程変更" * 400)
    notice.save_revision().publish()
    NoticePageFactory(parent=site_tree.notices, slug="new-one", title="新しいお知らせ")

    with pytest.raises(OSError), disk_full_past(LIMIT):
        build(full=full)

    assert dist.resolve() == live
    assert snapshot(dist) == before  # every file as it was, nothing added
    leftovers = [p.name for p in dist.parent.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    assert not (live / "notices/new-one").exists()
    assert sorted(p.name for p in dist.parent.iterdir() if p.name.startswith("dist.")) == [
        live.name
    ]

    report = build(full=full)  # space again: the next build brings the site up to date
    assert "見学会の日程が変わりました" in (dist / "notices/open-day/index.html").read_text()
    assert (dist / "notices/new-one/index.html").is_file()
    assert report.failures == []
