"""The access log of the admin's listings of people records exactly the rows of the page shown,
on any page of a long listing (not the first rows of the whole filtered list)."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from wagtail.models import Page

from cms.alumni.models import Alumnus, AuditLogEntry, RosterEntry
from cms.push.models import Channel, Delivery, DeliveryStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr(client: Client) -> Client:
    user = get_user_model().objects.create_superuser("hr", "hr@example.jp", "pw")
    client.force_login(user)
    return client


def _alumni(count: int) -> list[Alumnus]:
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"listed-{n}") for n in range(count)
    )
    return Alumnus.objects.bulk_create(
        Alumnus(
            user=user,
            family_name="名簿",
            given_name=f"{n:04d}",
            family_name_kana="めいぼ",
            given_name_kana=f"{n:04d}",
            email=f"listed{n}@example.jp",
            birth_date=dt.date(1970, 1, 1),
            channel="email",
            privacy_notice_version="2026-04",
        )
        for n, user in enumerate(users)
    )


def _shown_ids(html: str, pattern: str) -> set[str]:
    return set(re.findall(pattern, html))


def _logged(target: str) -> set[str]:
    return set(AuditLogEntry.objects.filter(target=target).latest("pk").record_ids)


def test_a_later_page_of_the_alumni_listing_logs_exactly_the_people_shown(hr: Client) -> None:
    _alumni(130)

    html = hr.get("/admin/alumni_alumnus/", {"p": 3}).content.decode()

    shown = _shown_ids(html, r"/admin/alumni_alumnus/edit/(\d+)/")
    assert 0 < len(shown) < 130
    assert _logged("alumnus") == shown


def test_a_later_page_of_the_roster_listing_logs_exactly_the_entries_shown(hr: Client) -> None:
    RosterEntry.objects.bulk_create(
        RosterEntry(
            staff_number=f"R{n:05d}",
            family_name="名簿",
            given_name=f"{n}",
            family_name_kana="めいぼ",
            given_name_kana="はなこ",
            birth_date=dt.date(1980, 1, 1),
        )
        for n in range(90)
    )

    html = hr.get("/admin/alumni_roster/", {"p": 2}).content.decode()

    shown = _shown_ids(html, r"/admin/alumni_roster/edit/(\d+)/")
    assert 0 < len(shown) < 90
    assert _logged("rosterentry") == shown


def test_a_later_page_of_the_under_reached_listing_logs_exactly_the_people_shown(
    hr: Client,
) -> None:
    _alumni(120)

    html = hr.get("/admin/delivery-monitor/under-reached/", {"p": 2}).content.decode()

    shown = _shown_ids(html, r"/admin/delivery-monitor/people/(\d+)/")
    assert 0 < len(shown) < 120
    assert _logged("delivery_under_reached") == shown


def test_a_later_page_of_a_notices_recipients_logs_exactly_the_people_shown(
    hr: Client,
) -> None:
    people = _alumni(120)
    notice = _item()
    Delivery.objects.bulk_create(
        Delivery(
            item=notice,
            alumnus=person,
            channel=Channel.EMAIL,
            status=DeliveryStatus.SENT,
            sent_at=timezone.now(),
        )
        for person in people
    )

    html = hr.get(f"/admin/delivery-monitor/notices/{notice.pk}/", {"p": 2}).content.decode()

    shown = _shown_ids(html, r"/admin/delivery-monitor/people/(\d+)/")
    assert 0 < len(shown) < 120
    assert _logged("delivery_recipients") == shown


def _item() -> Page:
    item = Page(title="受信者の多いお知らせ", slug="many-recipients")
    Page.get_first_root_node().add_child(instance=item)
    return item


def test_the_monitor_counts_everyone_who_received_nothing_this_month_past_500(
    hr: Client,
) -> None:
    _alumni(523)

    html = hr.get("/admin/delivery-monitor/").content.decode()

    under = html[html.index("data-under-reached") :]
    assert "523 人（一覧を見る）" in under
