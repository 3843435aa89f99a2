"""HR's own account page in Chromium at 1366 px: it opens without a script error, offers no
time zone but Japan's, and saves a changed name."""

from typing import Any

import pytest

from tests.browser.conftest import ADMIN_VIEWPORT, admin_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("built_site")]

PASSWORD = "hr-account-pass-2026"


def test_hr_changes_their_name_on_the_account_page_without_a_script_error(
    admin_static: None,
    pwa_api_server: str,
    chromium: Any,
    django_user_model: Any,
) -> None:
    user = django_user_model.objects.create_superuser(
        "hr-account", "hr-account@example.jp", PASSWORD, first_name="人事", last_name="宮城"
    )
    errors: list[str] = []
    page = chromium.new_context(locale="ja-JP", viewport=ADMIN_VIEWPORT).new_page()
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on(
        "console",
        lambda message: message.type == "error" and errors.append(f"console: {message.text}"),
    )
    admin_sign_in(page, pwa_api_server, "hr-account", PASSWORD)

    page.goto(f"{pwa_api_server}/admin/account/")
    page.wait_for_load_state("networkidle")
    offered_zones = page.locator("#id_locale-current_time_zone option").count()
    page.locator("#id_name_email-first_name").fill("花子")
    page.get_by_role("button", name="保存").click()
    page.locator(".messages .success").wait_for()
    user.refresh_from_db()

    assert errors == []
    # Only Japan's time zone exists for staff, so Wagtail shows no chooser at all.
    assert offered_zones == 0
    assert user.first_name == "花子"
