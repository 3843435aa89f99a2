"""A group notice reaches exactly its group, by push and mail, and never the static build."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cms.content.models import NoticePage
from cms.push.models import VapidKey
from tests.content.factories import NoticePageFactory
from tests.fixtures.push_service import TestSubscription
from tests.fixtures.smtp import SMTPInbox
from tests.groups.factories import AlumnusFactory, AudienceGroupFactory

pytestmark = pytest.mark.django_db


def test_group_notice_reaches_exactly_the_group(
    notice_index: Any,
    publish: Callable[..., NoticePage],
    subscribe: Callable[..., TestSubscription],
    vapid_key: VapidKey,
    smtp: SMTPInbox,
) -> None:
    group = AudienceGroupFactory(former_departments="土木部")
    member = AlumnusFactory(former_department="土木部 道路課")
    member_by_mail = AlumnusFactory(former_department="土木部", consent_push=False)
    outsider = AlumnusFactory(former_department="総務部", consent_email=True)
    member_phone, outsider_phone = subscribe(member), subscribe(outsider)
    notice = NoticePageFactory(parent=notice_index, live=False, notify_alumni=True)
    notice.audience_groups.set([group])
    notice.visibility = "groups"
    notice = publish(notice)
    assert len(member_phone.received) == 1
    assert (
        member_phone.received[0]
        .payload["notification"]["navigate"]
        .endswith(f"/app/feed/?notice={notice.pk}&via=push")
    )
    assert outsider_phone.received == []
    assert len(smtp.to(member_by_mail.email)) == 1
    assert smtp.to(outsider.email) == []


def test_member_and_group_notices_never_reach_dist(notice_index: Any, tmp_path: Path) -> None:
    from pwa_build.build import build

    group = AudienceGroupFactory(regions="仙台市")
    NoticePageFactory(parent=notice_index, title="公開のお知らせ", summary="公開の概要")
    NoticePageFactory(
        parent=notice_index, title="会員限定の秘密", summary="会員だけの概要", visibility="members"
    )
    notice = NoticePageFactory(
        parent=notice_index, title="グループの秘密", summary="グループの概要"
    )
    notice.audience_groups.set([group])
    notice.visibility = "groups"
    notice.save_revision().publish()
    dist = tmp_path / "dist"
    build(full=True, dist=dist)
    text = "".join(p.read_bytes().decode("utf-8", "ignore") for p in dist.rglob("*") if p.is_file())
    assert "公開のお知らせ" in text
    for secret in ["会員限定の秘密", "会員だけの概要", "グループの秘密", "グループの概要"]:
        assert secret not in text
