"""Shared setup of the push tests: a site with a notice index, a VAPID key, publishing."""

from collections.abc import Callable
from typing import Any

import pytest

from cms.content.models import NoticeIndexPage, NoticePage
from cms.push.models import PushSubscription, VapidKey
from cms.push.services import vapid_key_create
from tests.content.factories import NoticeIndexPageFactory, NoticePageFactory, make_site
from tests.fixtures.push_service import LocalPushService, TestSubscription


@pytest.fixture
def notice_index(db: None) -> NoticeIndexPage:
    index: NoticeIndexPage = NoticeIndexPageFactory(parent=make_site())
    return index


@pytest.fixture
def vapid_key(db: None) -> VapidKey:
    return vapid_key_create()[0]


@pytest.fixture
def publish(
    notice_index: NoticeIndexPage, django_capture_on_commit_callbacks: Any
) -> Callable[..., NoticePage]:
    """Create (or take) a notice and publish it as an editor would; on-commit work runs."""

    def _publish(notice: NoticePage | None = None, **fields: Any) -> NoticePage:
        if notice is None:
            fields.setdefault("notify_alumni", True)
            notice = NoticePageFactory(parent=notice_index, live=False, **fields)
        with django_capture_on_commit_callbacks(execute=True):
            notice.save_revision().publish()
        notice.refresh_from_db()
        return notice

    return _publish


@pytest.fixture
def subscribe(push_service: LocalPushService) -> Callable[..., TestSubscription]:
    """A subscription on the local push service, stored for `alumnus`."""

    def _subscribe(alumnus: Any, **behaviour: Any) -> TestSubscription:
        sub = push_service.subscription(**behaviour)
        PushSubscription.objects.create(
            alumnus=alumnus, endpoint=sub.endpoint, p256dh=sub.p256dh, auth=sub.auth
        )
        return sub

    return _subscribe
