"""The staff second factor in Chromium (#18 finding 4): the first sign-in of HR enrols an
authenticator app (its key read from the page's text, the code computed with django-otp's
TOTP), a later sign-in asks for the code, a wrong code is refused at the field, and both
screens show one form, in Japanese, readable at 390 px."""

import base64
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from cms.staff_roles import ALUMNI_HR, role_grant
from tests.browser.conftest import ADMIN_VIEWPORT
from tests.browser.screens import PHONE, axe_violations, screenshot
from tests.browser.screens import small_tap_targets as all_small_tap_targets
from tests.fixtures.staff_otp import device_code, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("built_site")]

PASSWORD = "pw-hr-clerk-2026"
CODE_LABEL = "確認コード（6 桁）"
# What the screen offers: its forms, the code fields and buttons a person can reach.
SHAPE = """() => ({
  codeForms: document.querySelectorAll('form input[name=token]').length,
  fields: Array.from(document.querySelectorAll('input[name=token]')).map((el) => ({
    autocomplete: el.getAttribute('autocomplete'),
    inputmode: el.getAttribute('inputmode'),
    invalid: el.getAttribute('aria-invalid'),
    label: el.labels.length ? el.labels[0].textContent.trim() : '',
  })),
  said: Array.from(document.querySelectorAll('input[name=token]')).map((el) =>
    (el.getAttribute('aria-describedby') || '').split(' ').filter(Boolean)
      .map((id) => (document.getElementById(id) || {}).textContent || '').join(' ').trim()),
  shownErrors: Array.from(document.querySelectorAll('.error-message'))
    .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
    .map((el) => el.textContent.trim()),
  lang: document.documentElement.lang,
  wide: document.documentElement.scrollWidth > window.innerWidth,
})"""


@pytest.fixture
def hr_clerk(django_user_model: Any) -> Any:
    user = django_user_model.objects.create_user("hr-clerk", "hr-clerk@example.jp", PASSWORD)
    role_grant(user, ALUMNI_HR)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user


def small_tap_targets(page: Any) -> list[str]:
    """Controls under 44 px but Wagtail's skip link (off screen until it has the focus)."""
    return [html for html in all_small_tap_targets(page) if "skiplink" not in html]


def _password(page: Any, base: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.get_by_label("ユーザー名").fill("hr-clerk")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="サインイン").click()


def _give(page: Any, code: str, button: str) -> None:
    page.get_by_label(CODE_LABEL).fill(code)
    page.get_by_role("button", name=button).click()


def test_first_sign_in_enrols_and_a_later_one_asks_for_the_code(
    admin_static: None, pwa_api_server: str, chromium: Any, hr_clerk: Any
) -> None:
    seen: dict[str, Any] = {}
    page = chromium.new_context(locale="ja-JP", viewport=ADMIN_VIEWPORT).new_page()
    _password(page, pwa_api_server)
    page.wait_for_url("**/admin/2fa/enrol/?next=/admin/")
    seen["enrol"] = page.evaluate(SHAPE)
    seen["qr"] = page.get_by_role("img", name="認証アプリで読み取る QR コード").count()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    seen["enrol-axe"] = axe_violations(page)
    screenshot(page, "admin-otp-enrol")
    right = totp_code(base64.b32decode(secret))
    _give(page, "000000" if right != "000000" else "111111", "設定を完了する")
    page.wait_for_load_state()
    seen["enrol-wrong"] = page.evaluate(SHAPE)
    _give(page, totp_code(base64.b32decode(secret)), "設定を完了する")
    page.wait_for_url(f"{pwa_api_server}/admin/")
    seen["home"] = page.get_by_role("heading", level=1).first.inner_text()
    page.context.close()

    later = chromium.new_context(locale="ja-JP", viewport=ADMIN_VIEWPORT).new_page()
    _password(later, pwa_api_server)
    later.wait_for_url("**/admin/2fa/verify/?next=/admin/")
    seen["verify"] = later.evaluate(SHAPE)
    _give(later, "123456" if device_code("hr-clerk") != "123456" else "654321", "確認する")
    later.wait_for_load_state()
    seen["verify-wrong"] = later.evaluate(SHAPE)
    seen["verify-axe"] = axe_violations(later)
    screenshot(later, "admin-otp-verify-wrong")
    _give(later, device_code("hr-clerk"), "確認する")
    later.wait_for_url(f"{pwa_api_server}/admin/")
    later.goto(f"{pwa_api_server}/admin/alumni/approvals/")
    seen["approvals"] = later.url

    one_field = {
        "autocomplete": "one-time-code",
        "inputmode": "numeric",
        "invalid": None,
        "label": CODE_LABEL,
    }
    for screen in ("enrol", "verify"):
        assert seen[screen]["codeForms"] == 1
        assert seen[screen]["fields"] == [one_field]
        assert seen[screen]["lang"] == "ja" and not seen[screen]["wide"]
    assert seen["qr"] == 1
    for wrong in ("enrol-wrong", "verify-wrong"):
        assert seen[wrong]["codeForms"] == 1
        assert [field["invalid"] for field in seen[wrong]["fields"]] == ["true"]
        [said] = seen[wrong]["said"]
        assert "確認コードが正しくありません" in said
        assert said.endswith(" ".join(seen[wrong]["shownErrors"]))  # on screen, read out
    assert seen["enrol-axe"] == [] and seen["verify-axe"] == []
    assert seen["approvals"].endswith("/admin/alumni/approvals/")


def test_the_code_screen_is_readable_on_a_phone(
    admin_static: None, pwa_api_server: str, chromium: Any, hr_clerk: Any
) -> None:
    page = chromium.new_context(locale="ja-JP", viewport=PHONE).new_page()
    _password(page, pwa_api_server)
    page.wait_for_url("**/admin/2fa/enrol/**")
    enrol = page.evaluate(SHAPE)
    enrol_small = small_tap_targets(page)
    screenshot(page, "admin-otp-enrol-390")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    _give(page, totp_code(base64.b32decode(secret)), "設定を完了する")
    page.wait_for_url(f"{pwa_api_server}/admin/")
    page.context.close()

    later = chromium.new_context(locale="ja-JP", viewport=PHONE).new_page()
    _password(later, pwa_api_server)
    later.wait_for_url("**/admin/2fa/verify/**")
    verify = later.evaluate(SHAPE)
    verify_small = small_tap_targets(later)
    verify_axe = axe_violations(later)
    screenshot(later, "admin-otp-verify-390")

    assert enrol["codeForms"] == verify["codeForms"] == 1
    assert not enrol["wide"] and not verify["wide"]
    assert (enrol_small, verify_small) == ([], [])
    assert verify_axe == []
