"""A page that cannot render: the rest of the site builds, HR's list shows why, and the notice's
push and mail wait until a build has made its page live."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import wagtail_factories
from django.test import override_settings
from jinja2 import ChoiceLoader, DictLoader

from cms.content.models import BuildFailure, NoticePage
from cms.push.models import Delivery
from pwa_build.build import build
from pwa_build.render import jinja_environment
from tests.content.factories import NoticePageFactory
from tests.groups.factories import AlumnusFactory

from .conftest import SiteTree, body


@pytest.fixture
def media(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "media"
    with override_settings(MEDIA_ROOT=root):
        yield root


def image_body(image: Any) -> list[dict[str, Any]]:
    return [
        {"type": "paragraph", "value": "<p>写真つきのお知らせです</p>"},
        {"type": "image", "value": {"image": image.pk, "decorative": False, "alt_text": "庁舎"}},
    ]


def test_a_notice_whose_image_file_is_missing_fails_alone_and_notifies_once_fixed(
    site_tree: SiteTree, dist: Path, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    AlumnusFactory()
    build(full=True)
    image = wagtail_factories.ImageFactory(title="県庁舎")
    Path(image.file.path).unlink()  # the file is gone from the storage
    notice = NoticePageFactory(
        parent=site_tree.notices,
        slug="photo",
        title="写真のお知らせ",
        body=image_body(image),
        live=False,
        notify_alumni=True,
    )
    other = NoticePageFactory(
        parent=site_tree.notices, slug="other", title="別のお知らせ", live=False
    )
    with override_settings(PWA_BUILD_ON_PUBLISH=True):
        with django_capture_on_commit_callbacks(execute=True):
            notice.save_revision().publish()
            other.save_revision().publish()

        assert (dist / "notices/other/index.html").is_file()  # the rest of the site builds
        assert not (dist / "notices/photo/index.html").exists()  # new: stays unpublished
        for listing in ("notices/index.html", "index.html", "sitemap.xml", "feed.xml"):
            assert "/notices/photo/" not in (dist / listing).read_text(), listing
        failure = BuildFailure.objects.get()
        assert failure.page_id == notice.pk
        assert failure.path == "/notices/photo/"
        assert "画像「県庁舎」のファイルが見つからない" in failure.reason
        assert not failure.kept_previous
        assert not Delivery.objects.filter(item=notice).exists()  # notifications wait

        # Still failing: the next build tries it again, the failure keeps its first date.
        since = failure.since
        with django_capture_on_commit_callbacks(execute=True):
            other.save_revision().publish()
        assert BuildFailure.objects.get().since == since
        assert not Delivery.objects.filter(item=notice).exists()

        # HR replaces the image: the page goes live, the failure is cleared, the fan-out goes.
        notice = NoticePage.objects.get(pk=notice.pk)
        notice.body = body("写真は後日掲載します")
        with django_capture_on_commit_callbacks(execute=True):
            notice.save_revision().publish()
    assert (dist / "notices/photo/index.html").is_file()
    assert "/notices/photo/" in (dist / "notices/index.html").read_text()
    assert not BuildFailure.objects.exists()
    assert Delivery.objects.filter(item=notice).count() == 1


@pytest.mark.parametrize("full", [False, True])
def test_a_page_that_raises_keeps_its_last_good_version(
    site_tree: SiteTree, dist: Path, full: bool
) -> None:
    build(full=True)
    page = dist / "notices/open-day/index.html"
    good = page.read_bytes()
    notice = site_tree.public_notice
    notice.title = "壊れた見学会"
    notice.save_revision().publish()
    added = NoticePageFactory(parent=site_tree.notices, slug="added", title="追加のお知らせ")

    env = jinja_environment()
    failing = (
        '{% extends "base.html" %}{% block content %}'
        "{% if page.title == '壊れた見学会' %}{{ missing.attribute }}{% endif %}"
        "{{ page.title }}{% endblock %}"
    )
    broken = env.overlay(
        loader=ChoiceLoader([DictLoader({"pages/notice_page.html": failing}), env.loader])
    )
    report = build(full=full, environment=broken)

    assert page.read_bytes() == good  # the last good version stays live
    assert "追加のお知らせ" in (dist / "notices/added/index.html").read_text()
    [failure] = report.failures
    assert failure.page_id == notice.pk and failure.kept_previous
    recorded = BuildFailure.objects.get()
    assert recorded.kept_previous
    assert "UndefinedError" in recorded.reason
    assert added.pk not in [f.page_id for f in report.failures]

    report = build(environment=broken)  # tried again, still failing, still kept
    assert page.read_bytes() == good
    assert [f.page_id for f in report.failures] == [notice.pk]

    report = build()  # fixed: rendered again, the failure cleared
    assert "壊れた見学会" in page.read_text()
    assert report.failures == []
    assert not BuildFailure.objects.exists()
