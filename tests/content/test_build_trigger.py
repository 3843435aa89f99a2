"""A notice's fan-out waits for the build that makes its page live, and only a new revision
going live starts one (a full rebuild of the same content does not)."""

from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from cms.push.models import Delivery
from pwa_build.build import build
from tests.content.factories import NoticeIndexPageFactory, NoticePageFactory, make_site
from tests.groups.factories import AlumnusFactory

pytestmark = pytest.mark.django_db


def test_publishing_queues_the_build_and_the_build_starts_the_fan_out(
    tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    AlumnusFactory()
    index = NoticeIndexPageFactory(parent=make_site())
    notice = NoticePageFactory(parent=index, live=False, notify_alumni=True, slug="n")
    quiet = NoticePageFactory(parent=index, live=False, notify_alumni=False, slug="q")
    with override_settings(PWA_BUILD_ON_PUBLISH=True, PWA_DIST_DIR=tmp_path / "dist"):
        with django_capture_on_commit_callbacks(execute=False) as queued:
            notice.save_revision().publish()
            quiet.save_revision().publish()
        assert not Delivery.objects.exists()  # nothing is sent at the publish
        with django_capture_on_commit_callbacks(execute=True):
            for callback in queued:  # the build task (the immediate backend runs it here)
                callback()
        assert (tmp_path / "dist/notices/n/index.html").is_file()
        assert list(Delivery.objects.values_list("item_id", flat=True)) == [notice.pk]

        with django_capture_on_commit_callbacks(execute=True):
            report = build(full=True)  # the same revisions again: nobody is notified twice
        assert report.notices_live == []
        assert Delivery.objects.count() == 1


def test_without_builds_on_publish_the_publish_starts_the_fan_out(
    django_capture_on_commit_callbacks: Any,
) -> None:
    AlumnusFactory()
    index = NoticeIndexPageFactory(parent=make_site())
    notice = NoticePageFactory(parent=index, live=False, notify_alumni=True)
    with django_capture_on_commit_callbacks(execute=True):
        notice.save_revision().publish()
    assert Delivery.objects.filter(item=notice).count() == 1
