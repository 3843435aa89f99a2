"""HR's 利用状況 and 個人情報ファイル簿 in the admin: per person only with the alumni permission,
each such view in the audit log; totals per page for every member of staff."""

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone

from cms.alumni.models import AuditLogEntry
from cms.analytics.admin_views import PEOPLE_SHOWN
from cms.analytics.inventory import inventory_entries
from cms.analytics.models import ContentKind, SignalType
from cms.analytics.services import SignalEvent, signal_record, signals_store
from cms.reports.periods import wareki_month
from cms.staff_roles import ALUMNI_HR, PAGE_EDITORS, role_grant
from tests.admin.visible_text import visible_texts
from tests.alumni.factories import AlumnusFactory
from tests.analytics.conftest import SitePages

pytestmark = pytest.mark.django_db


def _staff(django_user_model: Any, name: str, *, alumni_role: bool) -> Client:
    user = django_user_model.objects.create_user(name, f"{name}@example.jp", "pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(Group.objects.get(name=PAGE_EDITORS))
    if alumni_role:
        role_grant(user, ALUMNI_HR)
    client = Client()
    client.force_login(user)
    return client


def _activity(pages: SitePages) -> Any:
    reader = AlumnusFactory(consent_analytics=True, family_name="青葉", given_name="花子")
    signal_record(alumnus=reader, type=SignalType.LOGIN)
    signal_record(alumnus=reader, type=SignalType.LOGIN)
    signals_store(
        alumnus=reader,
        events=[
            SignalEvent(
                type=SignalType.JOB_VIEWED, content_kind=ContentKind.JOB, content_id=pages.job.pk
            )
        ],
    )
    quiet = AlumnusFactory(consent_analytics=False, family_name="泉", given_name="健")
    signals_store(
        alumnus=quiet,
        events=[
            SignalEvent(
                type=SignalType.PAGE_VIEW,
                content_kind=ContentKind.NOTICE,
                content_id=pages.notice.pk,
            )
        ],
    )
    return reader


def test_staff_with_the_alumni_role_see_each_person_and_it_is_audited(
    pages: SitePages, django_user_model: Any
) -> None:
    reader = _activity(pages)
    client = _staff(django_user_model, "hr-alumni", alumni_role=True)
    listing = client.get("/admin/analytics/")
    assert listing.status_code == 200
    text = " ".join(visible_texts(listing.content.decode()))
    assert "青葉 花子" in text and "泉" not in text
    assert pages.job.title in text and pages.notice.title in text  # totals include anonymous
    person = client.get(f"/admin/analytics/people/{reader.pk}/")
    assert person.status_code == 200
    body = person.content.decode()
    assert "求人情報" in body
    targets = list(AuditLogEntry.objects.values_list("target", "record_ids"))
    assert ("signal_people", [str(reader.pk)]) in targets
    assert ("signal_person", [str(reader.pk)]) in targets


def test_the_people_listing_says_the_months_it_counts_and_how_many_it_shows(
    pages: SitePages, django_user_model: Any
) -> None:
    # A person's counts are monthly: the listing said 「直近 90 日」 while it added up to four
    # calendar months, and showed the 200 most active people as if they were everyone.
    _activity(pages)
    client = _staff(django_user_model, "hr-period", alumni_role=True)
    first_month = (timezone.localdate() - dt.timedelta(days=90)).replace(day=1)

    text = " ".join(visible_texts(client.get("/admin/analytics/").content.decode()))

    assert f"登録者ごとの利用状況（分析に同意した方、{wareki_month(first_month)}から）" in text
    assert f"利用の多い順に {PEOPLE_SHOWN} 人まで" in text
    assert f"{wareki_month(first_month)}1日からの数です" in text


def test_a_person_who_stopped_the_analysis_shows_no_counts_that_read_as_not_using(
    pages: SitePages, django_user_model: Any
) -> None:
    stopped = AlumnusFactory(consent_analytics=False, family_name="七ヶ浜", given_name="止")
    client = _staff(django_user_model, "hr-stopped", alumni_role=True)

    body = client.get(f"/admin/analytics/people/{stopped.pk}/").content.decode()

    assert "ログインや閲覧は記録していません" in body
    assert "data-logins" not in body and "data-views" not in body
    assert "月ごとのログイン回数" not in body


def test_other_staff_see_only_totals_per_page(pages: SitePages, django_user_model: Any) -> None:
    reader = _activity(pages)
    client = _staff(django_user_model, "editor", alumni_role=False)
    listing = client.get("/admin/analytics/")
    assert listing.status_code == 200
    text = " ".join(visible_texts(listing.content.decode()))
    assert "青葉" not in text
    assert pages.notice.title in text
    assert client.get(f"/admin/analytics/people/{reader.pk}/").status_code in (302, 403)
    assert not AuditLogEntry.objects.exists()


def test_the_inventory_page_lists_every_entry(db: None, django_user_model: Any) -> None:
    client = _staff(django_user_model, "editor", alumni_role=False)
    response = client.get("/admin/analytics/inventory/")
    assert response.status_code == 200
    body = response.content.decode()
    for entry in inventory_entries():
        assert entry.title in body
        assert entry.purpose in body
