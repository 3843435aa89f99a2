"""監査ログ in the admin: people and staff by name, targets in Japanese, paginated, filtered."""

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from cms.alumni.admin_views import audit_target
from cms.alumni.models import AuditAction, AuditLogEntry
from cms.alumni.services import audit_log_record
from tests.admin.visible_text import visible_texts
from tests.alumni.factories import AlumnusFactory, RosterEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(django_user_model: Any) -> Any:
    return django_user_model.objects.create_superuser(
        "hr-clerk", "clerk@example.jp", "pw", first_name="人事", last_name="一郎"
    )


@pytest.fixture
def hr(clerk: Any) -> Client:
    client = Client()
    client.force_login(clerk)
    return client


def _rows(client: Client, query: str = "") -> list[str]:
    texts = visible_texts(client.get(f"/admin/alumni/audit-log/{query}").content.decode())
    return texts[texts.index("件数") + 1 :]


def test_a_listing_seen_by_staff_shows_the_people_and_the_staff_member_by_name(hr: Client) -> None:
    for n in range(2):
        AlumnusFactory(family_name="青葉", given_name=f"花子{n}")
    assert hr.get("/admin/alumni_alumnus/").status_code == 200

    _at, staff, action, target, people, count = _rows(hr)[:6]

    assert (staff, action, target, count) == ("人事 一郎（hr-clerk）", "閲覧", "アルムナイ", "2")
    assert set(people.split("、")) == {"青葉 花子0", "青葉 花子1"}


def test_named_targets_are_in_japanese_and_resolve_their_people(clerk: Any, hr: Client) -> None:
    entry = RosterEntryFactory(family_name="泉", given_name="健")
    audit_log_record(
        actor=clerk, action=AuditAction.VIEW, target="invitations", record_ids=[entry.pk]
    )
    audit_log_record(
        actor=clerk,
        action=AuditAction.IMPORT,
        target="roster",
        record_ids=[entry.staff_number],
    )

    rows = _rows(hr)

    assert "招待の一覧" in rows and "名簿の取り込み" in rows
    assert rows.count("泉 健") == 2
    assert "invitations" not in rows and "roster" not in rows


def test_a_long_list_of_people_is_cut_and_counted(clerk: Any, hr: Client) -> None:
    alumni = AlumnusFactory.create_batch(8)
    audit_log_record(
        actor=clerk, action=AuditAction.EXPORT, target="alumnus", record_ids=[a.pk for a in alumni]
    )
    assert any(row.endswith(" ほか 3 名") for row in _rows(hr))


def test_a_deleted_record_is_counted_not_numbered(clerk: Any, hr: Client) -> None:
    gone = AlumnusFactory()
    audit_log_record(actor=clerk, action=AuditAction.VIEW, target="alumnus", record_ids=[gone.pk])
    gone.delete()
    assert "削除された記録 1 件" in _rows(hr)


def test_entries_of_the_system_and_of_a_deleted_user_say_so(hr: Client) -> None:
    gone = get_user_model().objects.create_user("former-clerk", is_staff=True)
    audit_log_record(actor=gone, action=AuditAction.VIEW, target="approvals", record_ids=[])
    gone.delete()
    audit_log_record(actor=None, action=AuditAction.VIEW, target="approvals", record_ids=[])
    rows = _rows(hr)
    assert "former-clerk（削除されたユーザー）" in rows
    assert "システム" in rows


def test_the_log_is_paginated_newest_first_and_filtered_by_action(clerk: Any, hr: Client) -> None:
    AuditLogEntry.objects.all().delete()
    for n in range(51):
        audit_log_record(
            actor=clerk, action=AuditAction.VIEW, target="approvals", record_ids=[str(n)]
        )
    audit_log_record(actor=clerk, action=AuditAction.EXPORT, target="labels", record_ids=[])

    first, second = _rows(hr), _rows(hr, "?p=2")
    assert first[3] == "宛名ラベル（CSV）"  # the newest row comes first
    assert second.count("承認待ちの一覧") == 2  # 52 rows: 50 on the first page
    exported = _rows(hr, f"?action={AuditAction.EXPORT}")
    assert exported.count("宛名ラベル（CSV）") == 1 and "承認待ちの一覧" not in exported


def test_booleans_show_as_a_tick_or_a_dash_in_listings(hr: Client) -> None:
    from tests.groups.chat.factories import CommunityGroupFactory

    CommunityGroupFactory(name="開いている会", is_active=True)
    CommunityGroupFactory(name="閉じた会", is_active=False)
    texts = visible_texts(hr.get("/admin/snippets/chat/communitygroup/").content.decode())
    assert "✓" in texts and "—" in texts
    assert "True" not in texts and "False" not in texts


def test_every_target_the_code_writes_has_a_japanese_label() -> None:
    written = set()
    for source in Path("cms").rglob("*.py"):
        written |= set(re.findall(r'target="([a-z_]+)"', source.read_text(encoding="utf-8")))
    assert "roster_withdrawal" in written  # the search really reads the code
    unlabelled = {name for name in written if audit_target(name).label == name}
    assert unlabelled == set()
