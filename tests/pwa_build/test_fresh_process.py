"""No state in a process between builds: a fresh process (a restarted or second `pwa` worker,
`build_pwa`) builds incrementally from the manifest beside dist/, at the same cost, and ends with
the site a full build makes."""

import filecmp
from pathlib import Path

from django.test import override_settings

from cms.content.models import NoticePage
from pwa_build.build import build

from .conftest import SiteTree
from .counted import counted_build, in_a_fresh_process
from .test_incremental import publish_new_notice

ROOT = Path(__file__).resolve().parent.parent.parent


def same_files(one: Path, other: Path) -> list[str]:
    """The files that differ between two built sites (or exist in only one)."""
    roots = [one.resolve(), other.resolve()]
    names = {str(f.relative_to(root)) for root in roots for f in root.rglob("*") if f.is_file()}
    return sorted(
        n
        for n in names
        if not (one / n).is_file()
        or not (other / n).is_file()
        or not filecmp.cmp(one / n, other / n, shallow=False)
    )


def test_a_fresh_process_builds_incrementally_and_its_site_equals_a_full_build(
    committed: None, site_tree: SiteTree, tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    published = [publish_new_notice(site_tree, f"n-{n}", f"お知らせ{n}") for n in range(12)]
    with override_settings(PWA_DIST_DIR=dist):
        assert build(full=True).full
    edited = published[3]
    edited.title = "直した後の題名"
    edited.save_revision().publish()
    new = publish_new_notice(site_tree, "fresh", "別の処理で公開したお知らせ")

    figures = in_a_fresh_process(dist)

    assert figures["full"] is False
    # Only the pages that changed are rendered (a new one is tried once before the plan, see
    # `_new_pages_that_fail`; the home page lists the newest notices), and only the changed
    # notices' rows read in full (with the factory's notice made without a live revision, which
    # is always read afresh).
    assert figures["rendered"] == {"/notices/n-3/": 1, "/notices/fresh/": 2, "/": 1}
    assert figures["read_in_full"] == sorted([edited.pk, new.pk, site_tree.public_notice.pk])
    assert figures["written"] == sorted(
        [
            "notices/n-3/index.html",
            "notices/fresh/index.html",
            "notices/index.html",
            "notices/category/other/index.html",
            "index.html",
            "sitemap.xml",
            "feed.xml",
        ]
    )
    whole = tmp_path / "whole"
    with override_settings(PWA_DIST_DIR=whole):
        assert build(full=True).full
    assert same_files(dist, whole) == []


def test_a_build_in_this_process_costs_the_same_as_in_a_fresh_one(
    site_tree: SiteTree, dist: Path, tmp_path: Path
) -> None:
    """Nothing of the last build is kept in the process: each build reads the manifest (a
    process that built before has no head start), renders only what changed and ends with the
    site a full build makes."""
    for n in range(6):
        publish_new_notice(site_tree, f"k-{n}", f"残るお知らせ{n}")
    first = counted_build(full=True)
    assert first["full"] is True and len(first["rendered"]) > 6
    new = publish_new_notice(site_tree, "one-more", "もう一つのお知らせ")
    figures = counted_build()
    assert figures["full"] is False
    assert figures["rendered"] == {"/notices/one-more/": 2, "/": 1}
    assert figures["read_in_full"] == sorted([new.pk, site_tree.public_notice.pk])
    NoticePage.objects.filter(pk=new.pk).update(summary="公開を経ずに書き換えた概要")
    # Same live revision: the manifest's entry stands until a full build reads everything.
    assert counted_build()["rendered"] == {}
    whole = tmp_path / "whole"
    with override_settings(PWA_DIST_DIR=whole):
        build(full=True)
    assert same_files(dist, whole) == [  # what shows the summary
        "feed.xml",
        "index.html",
        "notices/category/other/index.html",
        "notices/index.html",
        "notices/one-more/index.html",
    ]
    assert "公開を経ずに書き換えた概要" in (whole / "notices/index.html").read_text()
