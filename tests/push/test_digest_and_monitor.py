"""The monthly digest by mail (real SMTP) and the delivery monitor in the admin, with its
drill-down: who received which item, by which channel, when (audited)."""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from cms.alumni.models import AuditAction, AuditLogEntry
from cms.content.models import NoticePage
from cms.push.models import Channel, Delivery, DeliveryStatus, VapidKey
from cms.push.services import delivery_open_record
from cms.staff_roles import DELIVERY_HR, PAGE_EDITORS, role_grant
from tests.admin.visible_text import visible_texts
from tests.fixtures.push_service import TestSubscription
from tests.fixtures.smtp import SMTPInbox, text_body
from tests.groups.factories import AlumnusFactory

pytestmark = pytest.mark.django_db


def test_digest_mails_the_months_items_not_yet_received_once(
    publish: Callable[..., NoticePage],
    subscribe: Callable[..., TestSubscription],
    vapid_key: VapidKey,
    smtp: SMTPInbox,
) -> None:
    pushed = AlumnusFactory(consent_email=True)
    subscribe(pushed)
    quiet = AlumnusFactory(consent_push=False, consent_email=True)
    no_mail = AlumnusFactory(consent_push=False, consent_email=False)
    publish(title="通知したお知らせ", summary="通知の概要")
    smtp.clear()
    publish(title="通知しないお知らせ", summary="静かな概要", notify_alumni=False)
    call_command("send_digest", month=timezone.localdate().strftime("%Y-%m"))
    [to_pushed] = smtp.to(pushed.email)
    assert "通知しないお知らせ" in text_body(to_pushed)
    assert "通知したお知らせ" not in text_body(to_pushed)  # it came by push
    [to_quiet] = smtp.to(quiet.email)
    assert "通知しないお知らせ" in text_body(to_quiet)
    assert "通知したお知らせ" not in text_body(to_quiet)  # it came by mail already
    assert smtp.to(no_mail.email) == []
    smtp.clear()
    call_command("send_digest", month=timezone.localdate().strftime("%Y-%m"))
    assert smtp.messages == []


def test_monitor_shows_figures_and_the_under_reached(
    publish: Callable[..., NoticePage],
    subscribe: Callable[..., TestSubscription],
    vapid_key: VapidKey,
    smtp: SMTPInbox,
    admin_client: Client,
) -> None:
    reader = AlumnusFactory(consent_email=False)
    subscribe(reader)
    gone = AlumnusFactory(consent_email=True)
    subscribe(gone, responses=(410,))
    AlumnusFactory(family_name="未達", consent_push=False, consent_email=False)
    notice = publish()
    assert delivery_open_record(alumnus=reader, item_id=notice.pk, channel=Channel.PUSH)
    page = admin_client.get("/admin/delivery-monitor/").content.decode()
    row = page[page.index(f'data-notice="{notice.pk}"') :]
    assert "<td data-audience>3</td>" in row
    assert "<td data-reached>2</td>" in row
    assert "<td data-pushes-sent>1</td>" in row
    assert "<td data-pushes-expired>1</td>" in row
    assert "<td data-emails-sent>1</td>" in row
    assert "<td data-opens>1</td>" in row
    under = page[page.index("data-under-reached") :]
    assert "1 人（一覧を見る）" in under
    listing = admin_client.get("/admin/delivery-monitor/under-reached/").content.decode()
    assert "未達" in listing and str(reader) not in listing
    assert "通知・メールとも未同意" in listing


def test_monitor_gives_no_command_to_run_and_says_when_the_digest_last_went(
    publish: Callable[..., NoticePage], smtp: SMTPInbox, admin_client: Client
) -> None:
    AlumnusFactory(consent_push=False, consent_email=True)
    publish(title="まとめで届くお知らせ", notify_alumni=False)
    before = visible_texts(admin_client.get("/admin/delivery-monitor/").content.decode())
    call_command("send_digest", month=timezone.localdate().strftime("%Y-%m"))
    after = visible_texts(admin_client.get("/admin/delivery-monitor/").content.decode())

    assert not any("manage.py" in text or "send_digest" in text for text in before + after)
    assert any("まだ送られていません" in text for text in before)
    sent = Delivery.objects.get(channel=Channel.DIGEST).sent_at
    assert sent is not None
    assert any(f"前回の送信：{timezone.localtime(sent):%Y年%-m月%-d日 %H:%M}" in t for t in after)


# --- the drill-down: who received what --------------------------------------------------------


@pytest.fixture
def delivery_hr(django_user_model: Any) -> Client:
    """A member of staff in the delivery role only (no is_staff, no superuser)."""
    user = django_user_model.objects.create_user(
        "delivery-clerk", first_name="配信担当", is_staff=False
    )
    user.groups.add(Group.objects.get(name=PAGE_EDITORS))
    role_grant(user, DELIVERY_HR)
    client = Client()
    client.force_login(user)
    return client


def _texts(client: Client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return visible_texts(response.content.decode())


def test_a_person_is_found_by_name_kana_or_email_and_the_search_is_audited(
    delivery_hr: Client,
) -> None:
    person = AlumnusFactory(
        family_name="松島", given_name="美和", family_name_kana="まつしま", email="miwa@example.jp"
    )
    AlumnusFactory(family_name="蔵王", given_name="大輔")

    for query in ("松島", "まつしま", "miwa@", "松島 美和"):
        texts = _texts(delivery_hr, f"/admin/delivery-monitor/people/?q={query}")
        assert "松島 美和" in texts and "蔵王 大輔" not in texts, query
    assert "松島 美和" not in _texts(delivery_hr, "/admin/delivery-monitor/people/")

    entries = AuditLogEntry.objects.filter(target="delivery_people").order_by("pk")
    assert [entry.record_ids for entry in entries] == [[str(person.pk)]] * 4 + [[]]
    assert {entry.action for entry in entries} == {AuditAction.VIEW}


def test_a_persons_drill_down_shows_each_item_by_channel_when_and_failures(
    publish: Callable[..., NoticePage],
    subscribe: Callable[..., TestSubscription],
    vapid_key: VapidKey,
    smtp: SMTPInbox,
    delivery_hr: Client,
) -> None:
    person = AlumnusFactory(family_name="鳴子", given_name="陽子", consent_email=True)
    subscribe(person)
    subscribe(person, responses=(410,))
    publish(title="秋の説明会のお知らせ")
    publish(title="静かなお知らせ", notify_alumni=False)
    call_command("send_digest", month=timezone.localdate().strftime("%Y-%m"))
    assert "鳴子 陽子" in _texts(delivery_hr, "/admin/delivery-monitor/people/?q=鳴子")

    texts = _texts(delivery_hr, f"/admin/delivery-monitor/people/{person.pk}/")

    assert "鳴子 陽子 さんへの配信" in texts
    push = texts.index("秋の説明会のお知らせ")
    assert texts[push + 1 : push + 3] == [
        "プッシュ通知",
        "送信済み（届いた端末 1 台、購読切れの端末 1 台）",
    ]
    sent = Delivery.objects.get(alumnus=person, channel=Channel.PUSH).sent_at
    assert sent is not None and texts[push + 3] == f"{timezone.localtime(sent):%Y-%m-%d %H:%M}"
    digest = texts.index("静かなお知らせ")
    assert texts[digest + 1 : digest + 3] == ["月次まとめメール", "送信済み"]
    only_push = _texts(delivery_hr, f"/admin/delivery-monitor/people/{person.pk}/?channel=push")
    assert "秋の説明会のお知らせ" in only_push and "静かなお知らせ" not in only_push
    entries = AuditLogEntry.objects.filter(target="delivery_person")
    assert [(e.actor_username, e.record_ids) for e in entries] == [
        ("delivery-clerk", [str(person.pk)])
    ] * 2
    log = _texts(delivery_hr_admin(), "/admin/alumni/audit-log/")
    assert "配信状況（個人別）" in log and "鳴子 陽子" in log


def delivery_hr_admin() -> Client:
    """The audit log is read by a superuser (the delivery role cannot open it)."""
    user = get_user_model().objects.create_superuser("auditor", "auditor@example.jp", "pw")
    client = Client()
    client.force_login(user)
    return client


def test_a_notices_recipients_are_listed_by_page_and_audited(
    publish: Callable[..., NoticePage], smtp: SMTPInbox, delivery_hr: Client
) -> None:
    people = [AlumnusFactory(consent_push=False, family_name_kana=f"あ{n:03d}") for n in range(53)]
    notice = publish(title="全員へのお知らせ")
    assert Delivery.objects.filter(item=notice).count() == 53

    first = _texts(delivery_hr, f"/admin/delivery-monitor/notices/{notice.pk}/")
    second = _texts(delivery_hr, f"/admin/delivery-monitor/notices/{notice.pk}/?p=2")

    assert "「全員へのお知らせ」の受信者" in first
    assert first.count("メール") >= 50 and second.count("メール") == 3
    assert str(people[0]) in first and str(people[-1]) in second
    audited = AuditLogEntry.objects.filter(target="delivery_recipients").order_by("at", "pk")
    assert [len(entry.record_ids) for entry in audited] == [50, 3]
    monitor = delivery_hr.get("/admin/delivery-monitor/").content.decode()
    assert f'href="/admin/delivery-monitor/notices/{notice.pk}/"' in monitor


def test_the_drill_down_is_closed_to_staff_without_the_delivery_role(
    django_user_model: Any, publish: Callable[..., NoticePage], smtp: SMTPInbox
) -> None:
    person = AlumnusFactory()
    notice = publish()
    user = django_user_model.objects.create_user("editor-only")
    user.groups.add(Group.objects.get(name=PAGE_EDITORS))
    client = Client()
    client.force_login(user)
    for url in (
        "/admin/delivery-monitor/people/?q=宮城",
        f"/admin/delivery-monitor/people/{person.pk}/",
        f"/admin/delivery-monitor/notices/{notice.pk}/",
        "/admin/delivery-monitor/under-reached/",
    ):
        assert client.get(url).status_code in {302, 403}, url
    assert not AuditLogEntry.objects.filter(target__startswith="delivery").exists()


def test_open_is_not_recorded_without_analytics_consent(
    publish: Callable[..., NoticePage],
    subscribe: Callable[..., TestSubscription],
    vapid_key: VapidKey,
    client: Client,
) -> None:
    alumnus = AlumnusFactory(consent_analytics=False)
    subscribe(alumnus)
    notice = publish()
    client.force_login(alumnus.user)
    response = client.post(
        "/api/v1/push/opens",
        {"notice": notice.pk, "channel": "push"},
        content_type="application/json",
    )
    assert response.status_code == 204
    delivery: Any = Delivery.objects.get(alumnus=alumnus, channel=Channel.PUSH)
    assert delivery.status == DeliveryStatus.SENT and delivery.opened_at is None
