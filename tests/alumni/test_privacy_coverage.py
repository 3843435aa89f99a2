"""Export and erasure are complete (#18 finding 6): every model that points at a person is in
開示 and is removed (or, for HR's roster, kept on purpose) by 退会; what is kept only for a while
is purged; the admin's history keeps no deleted name; export and deletion want a fresh sign-in."""

import datetime as dt

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from cms.alumni import services
from cms.alumni.models import Alumnus, OneTimeCode, RosterUpload, ThrottleEvent
from cms.alumni.privacy import DELETED, ERASE_HOOK, KEPT_ROSTER, personal_records_for
from cms.alumni.selectors import alumnus_export
from cms.alumni.sessions import SIGNED_IN_AT
from tests.alumni.factories import AlumnusFactory
from tests.analytics.conftest import SitePages, pages  # noqa: F401 (the fixture)
from tests.analytics.test_my_data import _person_with_everything

pytestmark = pytest.mark.django_db

PERSON_MODELS = ("alumni.Alumnus", "alumni.RosterEntry")


def _links_to_a_person() -> list[tuple[type[models.Model], models.Field]]:  # type: ignore[type-arg]
    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            target = getattr(field, "related_model", None)
            if target is None or (field.auto_created and not field.concrete):
                continue
            if target._meta.label in PERSON_MODELS:
                found.append((model, field))
    return found


def _covered(model: type[models.Model], field: models.Field) -> str | None:  # type: ignore[type-arg]
    """Why this link is not covered by export and erasure, or None."""
    entry = personal_records_for(model._meta.label)
    if entry is None:
        return "開示と退会の一覧（cms/alumni/privacy.py）にありません"
    if field.related_model is not Alumnus:
        return None if entry.erasure.startswith((KEPT_ROSTER, DELETED)) else "退会時の扱いが不明"
    on_delete = getattr(field.remote_field, "on_delete", None)
    if field.many_to_many or on_delete is models.CASCADE:
        return None
    erase = getattr(apps.get_app_config(model._meta.app_label), "alumnus_erase", None)
    if entry.erasure == ERASE_HOOK and callable(erase):
        return None
    return f"退会で消えません（on_delete={getattr(on_delete, '__name__', on_delete)}）"


def test_every_model_that_points_at_a_person_is_exported_and_erased(pages: SitePages) -> None:  # noqa: F811
    exported = set(alumnus_export(alumnus=_person_with_everything(pages)))
    problems = []
    for model, field in _links_to_a_person():
        label = f"{model._meta.label}.{field.name}"
        reason = _covered(model, field)
        entry = personal_records_for(model._meta.label)
        if reason is None and entry is not None and entry.export not in exported:
            reason = f"開示（alumnus_export）に「{entry.export}」がありません"
        if reason:
            problems.append(f"{label}: {reason}")
    assert problems == []


def test_the_walk_catches_a_new_model_that_points_at_an_alumnus() -> None:
    class Estimate(models.Model):  # noqa: DJ008
        alumnus = models.ForeignKey("alumni.Alumnus", on_delete=models.SET_NULL, null=True)

        class Meta:
            app_label = "analytics"

    try:
        [(model, field)] = [(m, f) for m, f in _links_to_a_person() if m is Estimate]
        assert _covered(model, field) == "開示と退会の一覧（cms/alumni/privacy.py）にありません"
    finally:
        apps.all_models["analytics"].pop("estimate", None)
        apps.clear_cache()


def test_export_shows_push_devices_deliveries_opens_and_hand_picked_groups(
    pages: SitePages,  # noqa: F811
) -> None:
    alumnus = _person_with_everything(pages)
    alumnus.deliveries.update(opened_at=timezone.now())

    data = Client()
    data.force_login(alumnus.user)
    exported = data.get("/api/v1/me/export").json()
    readable = data.get("/api/v1/me/export/readable").json()

    assert len(exported["push_subscriptions"]) == 1
    assert "endpoint" not in exported["push_subscriptions"][0]
    [delivery] = exported["deliveries"]
    assert delivery["item"] == pages.notice.title
    assert delivery["sent_at"] and delivery["opened_at"]
    assert exported["audience_groups"] == [{"name": "個別の方"}]
    titles = {section["title"] for section in readable["sections"]}
    assert {"プッシュ通知を受け取る端末", "人事課が個別に追加した配信グループ"} <= titles


def test_unconfirmed_new_addresses_are_in_the_export() -> None:
    alumnus = AlumnusFactory(email="taro@example.jp")
    services.alumnus_update(alumnus=alumnus, changes={}, new_email="new@example.jp")

    codes = alumnus_export(alumnus=alumnus)["login_codes"]

    assert [code["email"] for code in codes] == ["new@example.jp"]


def test_deletion_leaves_no_name_in_the_admin_history() -> None:
    alumnus = AlumnusFactory(family_name="宮城", given_name="削除太郎")
    hr = get_user_model().objects.create_superuser("hr", "hr@example.jp", "pw")
    log(instance=alumnus, action="wagtail.edit", user=hr)
    assert ModelLogEntry.objects.filter(label__contains="削除太郎").exists()

    services.alumnus_delete(alumnus=alumnus)

    assert not ModelLogEntry.objects.filter(label__contains="削除太郎").exists()


def test_the_daily_purge_deletes_codes_throttles_and_uploads_past_their_period(
    settings: pytest.FixtureRequest,
) -> None:
    alumnus = AlumnusFactory()
    hr = get_user_model().objects.create_superuser("hr", "hr@example.jp", "pw")
    old = timezone.now() - dt.timedelta(hours=49)
    for _ in range(2):
        services.alumnus_update(alumnus=alumnus, changes={}, new_email=f"{_}@example.jp")
        ThrottleEvent.objects.create(scope="test", key_hash="x")
        RosterUpload.objects.create(filename="名簿.csv", content=b"x", uploaded_by=hr)
    OneTimeCode.objects.filter(pk=OneTimeCode.objects.order_by("pk").first().pk).update(  # type: ignore[union-attr]
        created_at=old
    )
    first_event = ThrottleEvent.objects.filter(scope="test").order_by("pk").first()
    ThrottleEvent.objects.filter(pk=first_event.pk).update(created_at=old)  # type: ignore[union-attr]
    RosterUpload.objects.filter(pk=RosterUpload.objects.order_by("pk").first().pk).update(  # type: ignore[union-attr]
        uploaded_at=old
    )

    call_command("purge_auth_records")

    assert OneTimeCode.objects.count() == 1
    assert OneTimeCode.objects.get().email == "1@example.jp"
    assert ThrottleEvent.objects.filter(scope="test").count() == 1
    assert RosterUpload.objects.count() == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/me/export"),
        ("get", "/api/v1/me/export.csv"),
        ("get", "/api/v1/me/export/readable"),
        ("get", "/api/v1/me/data"),
        ("delete", "/api/v1/me"),
    ],
)
def test_export_and_deletion_ask_for_a_fresh_sign_in_after_a_day(method: str, path: str) -> None:
    alumnus = AlumnusFactory()
    client = Client()
    client.force_login(alumnus.user)
    session = client.session
    session[SIGNED_IN_AT] = (timezone.now() - dt.timedelta(hours=25)).isoformat()
    session.save()

    response = getattr(client, method)(path)

    assert response.status_code == 403
    body = response.json()
    assert "もう一度メールの確認コードでログイン" in body["detail"]
    assert "fresh_login" in body["errors"]
    assert Alumnus.objects.filter(pk=alumnus.pk).exists()
    assert client.get("/api/v1/me").status_code == 200  # the profile itself stays readable
