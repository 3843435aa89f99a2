"""The admin's warning that delivery has stopped (no worker took a task for a while), seen by
HR in Chromium on the dashboard and the delivery monitor, in Japanese, axe clean."""

import datetime as dt
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cms.push.tasks import item_fan_out_task
from tests.browser.conftest import ADMIN_VIEWPORT, admin_sign_in
from tests.browser.screens import axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("built_site")]

PASSWORD = "hr-pass-2026"
DATABASE_QUEUE = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "pwa", "mail"]}
}


def test_hr_sees_that_delivery_has_stopped(
    admin_static: None,
    pwa_api_server: str,
    chromium: Any,
    django_user_model: Any,
    settings: Any,
) -> None:
    settings.TASK_STALLED_MINUTES = 5
    with override_settings(TASKS=DATABASE_QUEUE):
        waiting = item_fan_out_task.enqueue(1, "published")
    DBTaskResult.objects.filter(pk=waiting.id).update(
        enqueued_at=timezone.now() - dt.timedelta(minutes=12, seconds=30)
    )
    django_user_model.objects.create_superuser("hr", password=PASSWORD, first_name="人事")

    try:
        page = chromium.new_context(
            locale="ja-JP", viewport=ADMIN_VIEWPORT, reduced_motion="reduce"
        ).new_page()
        admin_sign_in(page, pwa_api_server, "hr", PASSWORD)
        banner = page.get_by_role("status").get_by_text("配信の処理が止まっています")
        on_dashboard = banner.inner_text()
        dashboard_violations = axe_violations(page)
        screenshot(page, "admin-queue-stalled")
        page.get_by_role("link", name="配信状況").click()
        page.wait_for_url("**/admin/delivery-monitor/")
        on_monitor = page.get_by_text("配信の処理が止まっています").inner_text()
        monitor_violations = axe_violations(page)
    finally:
        DBTaskResult.objects.all().delete()

    assert "キュー: default、最も古い待ちタスク: 12分前" in on_dashboard
    assert "キュー: default" in on_monitor
    assert dashboard_violations == []
    assert monitor_violations == []
