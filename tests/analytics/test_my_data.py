"""「自分のデータ」 `GET /api/v1/me/data`: every inventoried item the person has, with purpose and
retention; JSON and CSV downloads."""

import csv
import datetime as dt
import io
import json
import uuid

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import timezone

from cms.alumni.models import Alumnus
from cms.analytics.inventory import inventory_entries
from cms.analytics.models import SignalType
from cms.analytics.services import signal_record
from cms.groups.chat.models import Membership, Message, Report
from cms.push.models import Channel, Delivery, DeliveryStatus, PushSubscription
from tests.alumni.factories import AlumnusFactory
from tests.analytics.conftest import SitePages, signed_in
from tests.groups.chat.factories import CommunityGroupFactory
from tests.groups.factories import AudienceGroupFactory

pytestmark = pytest.mark.django_db


def _person_with_everything(pages: SitePages) -> Alumnus:
    alumnus: Alumnus = AlumnusFactory(
        consent_analytics=True, current_region="仙台市", former_department="保健福祉部"
    )
    AudienceGroupFactory(name="仙台の方", regions="仙台市")
    picked = AudienceGroupFactory(name="個別の方", former_departments="土木部")
    picked.members.add(alumnus)
    picked.save()  # a parental many-to-many is written with its group
    AudienceGroupFactory(name="東京の方", regions="東京都")
    client = signed_in(alumnus)
    client.post(
        "/api/v1/signals",
        data=json.dumps({"signals": [{"type": "page_view", "id": pages.job.pk}]}),
        content_type="text/plain",
        headers={"origin": settings.PWA_BASE_URL},
    )
    signal_record(alumnus=alumnus, type=SignalType.LOGIN)
    Delivery.objects.create(
        item=pages.notice,
        alumnus=alumnus,
        channel=Channel.PUSH,
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
    )
    PushSubscription.objects.create(
        alumnus=alumnus, endpoint="https://push.example/1", p256dh="k", auth="a"
    )
    group = CommunityGroupFactory()
    Membership.objects.create(group=group, alumnus=alumnus, status="active")
    message = Message.objects.create(
        group=group, author=alumnus, client_id=uuid.uuid4(), body="こんにちは"
    )
    Report.objects.create(message=message, reporter=alumnus, reason="テスト")
    return alumnus


def _linked_rows(model_label: str, alumnus: Alumnus) -> bool:
    model = apps.get_model(model_label)
    for field in model._meta.get_fields():
        linked = getattr(field, "related_model", None) is Alumnus
        if (
            linked
            and getattr(field, "concrete", False)
            and model.objects.filter(**{field.name: alumnus}).exists()
        ):
            return True
    return model_label == "alumni.Alumnus"


def test_every_inventoried_table_the_person_has_is_shown_with_its_purpose(
    pages: SitePages,
) -> None:
    alumnus = _person_with_everything(pages)
    response = signed_in(alumnus).get("/api/v1/me/data")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    sections = response.json()["sections"]
    purposes = {section["purpose"] for section in sections if section["records"]}
    missing = [
        entry.model
        for entry in inventory_entries()
        if _linked_rows(entry.model, alumnus) and entry.purpose not in purposes
    ]
    assert missing == []
    assert all(section["retention"] for section in sections)


def test_groups_come_with_the_rule_that_put_me_in_them(pages: SitePages) -> None:
    alumnus = _person_with_everything(pages)
    sections = {s["key"]: s for s in signed_in(alumnus).get("/api/v1/me/data").json()["sections"]}
    groups = {
        record[0]["value"]: record[1]["value"] for record in sections["audience_groups"]["records"]
    }
    assert set(groups) == {"仙台の方", "個別の方"}
    assert "仙台市" in groups["仙台の方"]
    assert "個別に追加" in groups["個別の方"]


def test_recent_signals_are_listed_with_their_page_and_purpose(pages: SitePages) -> None:
    alumnus = _person_with_everything(pages)
    sections = {s["key"]: s for s in signed_in(alumnus).get("/api/v1/me/data").json()["sections"]}
    rows = [
        {row["name"]: row["value"] for row in record} for record in sections["signals"]["records"]
    ]
    kinds = {row["種類"] for row in rows}
    assert kinds == {"求人情報の閲覧", "ログイン"}
    job = next(row for row in rows if row["種類"] == "求人情報の閲覧")
    assert job["対象"] == pages.job.title
    assert "推計" in job["利用目的"]


def test_birth_date_is_shown_in_wareki_with_the_western_year(db: None) -> None:
    alumnus: Alumnus = AlumnusFactory(birth_date=dt.date(1980, 5, 12))
    sections = {s["key"]: s for s in signed_in(alumnus).get("/api/v1/me/data").json()["sections"]}
    profile = {row["name"]: row["value"] for row in sections["profile"]["records"][0]}
    assert profile["生年月日"] == "昭和55年（1980年）5月12日"


def test_csv_download_has_a_bom_and_each_rows_purpose(pages: SitePages) -> None:
    alumnus = _person_with_everything(pages)
    response = signed_in(alumnus).get("/api/v1/me/data?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["区分", "項目", "内容", "利用目的", "保存期間"]
    assert any(row[1] == "メールアドレス" and row[2] == alumnus.email for row in rows)
    assert all(row[3] and row[4] for row in rows[1:])


def test_json_download_is_an_attachment(pages: SitePages) -> None:
    alumnus = _person_with_everything(pages)
    response = signed_in(alumnus).get("/api/v1/me/data?format=json")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["sections"]


def test_me_data_needs_a_signed_in_alumnus(db: None) -> None:
    from django.test import Client

    assert Client().get("/api/v1/me/data").status_code == 401
