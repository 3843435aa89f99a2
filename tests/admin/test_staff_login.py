"""Staff sign-in (#18 finding 4): /admin/login/ is throttled and locks an account out after a
day's failures; staff who can see personal data give a second factor (TOTP); Django's own admin
is not mounted."""

import base64
import io
import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.documents.models import Document

from cms.alumni.models import ThrottleEvent
from cms.staff_otp import open_paths
from cms.staff_roles import (
    ALUMNI_HR,
    CHAT_HR,
    DELIVERY_HR,
    PAGE_EDITORS,
    PAGE_PUBLISHERS,
    role_grant,
)
from tests.fixtures.staff_otp import totp_code
from tests.groups.chat.factories import CommunityGroupFactory

pytestmark = pytest.mark.django_db

LOCKED = "ログインの失敗が続いたため"


@pytest.fixture
def hr() -> Any:
    return get_user_model().objects.create_superuser("hr", "hr@example.jp", "pw-hr-123")


def sign_in(password: str, ip: str, client: Client | None = None) -> Any:
    client = client or Client()
    return client.post("/admin/login/", {"username": "hr", "password": password}, REMOTE_ADDR=ip)


def signed_in(response: Any) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


def test_five_wrong_passwords_from_one_network_stop_that_network(hr: Any) -> None:
    wrong = [sign_in("guess", "2001:db8:5::1") for _ in range(5)]
    locked = sign_in("pw-hr-123", "2001:db8:5::99")  # the same /64
    elsewhere = sign_in("pw-hr-123", "192.0.2.10")

    assert all(r.status_code == 200 and LOCKED not in r.content.decode() for r in wrong)
    assert locked.status_code == 200
    assert LOCKED in locked.content.decode()
    assert "_auth_user_id" not in locked.client.session
    assert signed_in(elsewhere)


def test_a_days_failures_lock_the_account_out_everywhere(hr: Any, settings: Any) -> None:
    settings.STAFF_LOGIN_FAILURES_PER_DAY = 4
    for n in range(4):
        sign_in("guess", f"2001:db8:{n + 1}::1")

    locked = sign_in("pw-hr-123", "192.0.2.10")

    assert LOCKED in locked.content.decode()
    assert "_auth_user_id" not in locked.client.session


def _signed_in_once(client: Client, ip: str) -> None:
    """hr completes a sign-in (password and code) in this browser, then signs out."""
    device = TOTPDevice.objects.get_or_create(user=get_user_model().objects.get(username="hr"))[0]
    device.confirmed = True
    device.save()
    sign_in("pw-hr-123", ip, client)
    done = client.post("/admin/2fa/verify/", {"token": _next_code(device)}, REMOTE_ADDR=ip)
    assert done.status_code == 302
    assert "staff_device" in done.cookies
    cookie = done.cookies["staff_device"]
    assert cookie["httponly"] and cookie["path"] == "/admin/"
    # A random id and a keyed hash: no name. (Asking whether the random id contains "hr" failed
    # by chance, about once in 200 runs: oNJb1MEbUgOxq_hryaC7Bg.)
    device_id, owner = cookie.value.split(":")[:2]
    assert "hr" not in (device_id, owner) and re.fullmatch(r"[0-9a-f]{64}", owner)
    client.post("/admin/logout/", REMOTE_ADDR=ip)


def test_a_strangers_failures_do_not_lock_out_a_browser_that_signed_in_before(
    hr: Any, settings: Any
) -> None:
    settings.STAFF_LOGIN_FAILURES_PER_DAY = 4
    own_browser = Client()
    _signed_in_once(own_browser, "192.0.2.10")
    for n in range(4):  # a stranger who knows the username, from four networks
        sign_in("guess", f"2001:db8:{n + 1}::1")

    fresh_browser = sign_in("pw-hr-123", "192.0.2.10")
    again = sign_in("pw-hr-123", "192.0.2.10", own_browser)

    assert LOCKED in fresh_browser.content.decode()
    assert signed_in(again)
    device = TOTPDevice.objects.get(user=hr)
    code = own_browser.post("/admin/2fa/verify/", {"token": _next_code(device)})
    assert code.status_code == 302  # the code step is not locked by the stranger either
    assert own_browser.get("/admin/").status_code == 200


def test_a_trusted_browser_still_gets_only_a_handful_of_wrong_passwords(
    hr: Any, settings: Any
) -> None:
    browser = Client()
    _signed_in_once(browser, "192.0.2.10")
    for _ in range(settings.STAFF_LOGIN_FAILURES_PER_USER_NETWORK):
        assert LOCKED not in sign_in("guess", "192.0.2.10", browser).content.decode()

    locked = sign_in("pw-hr-123", "192.0.2.10", browser)

    assert LOCKED in locked.content.decode()
    assert "_auth_user_id" not in locked.client.session


def test_a_device_cookie_counts_for_its_own_account_only_and_unaltered(
    hr: Any, settings: Any
) -> None:
    settings.STAFF_LOGIN_FAILURES_PER_DAY = 4
    get_user_model().objects.create_superuser("hr2", "hr2@example.jp", "pw-hr2-123")
    browser = Client()
    _signed_in_once(browser, "192.0.2.10")
    for n in range(4):
        browser.post(
            "/admin/login/",
            {"username": "hr2", "password": "guess"},
            REMOTE_ADDR=f"2001:db8:{n + 1}::1",
        )
    tampered = Client()
    tampered.cookies["staff_device"] = browser.cookies["staff_device"].value.replace(":", "x:", 1)

    other_account = browser.post(
        "/admin/login/", {"username": "hr2", "password": "pw-hr2-123"}, REMOTE_ADDR="192.0.2.10"
    )
    for n in range(4):
        sign_in("guess", f"2001:db8:{n + 1}::1")
    forged = sign_in("pw-hr-123", "192.0.2.10", tampered)

    assert LOCKED in other_account.content.decode()
    assert LOCKED in forged.content.decode()


def test_an_editor_without_a_second_factor_gets_the_device_cookie_with_the_password(
    settings: Any,
) -> None:
    settings.STAFF_LOGIN_FAILURES_PER_DAY = 4
    user = get_user_model().objects.create_user("editor", password="pw-editor-123")
    user.groups.add(Group.objects.get(name=PAGE_EDITORS))
    browser = Client()
    first = browser.post("/admin/login/", {"username": "editor", "password": "pw-editor-123"})
    browser.post("/admin/logout/")
    for n in range(4):
        Client().post(
            "/admin/login/",
            {"username": "editor", "password": "guess"},
            REMOTE_ADDR=f"2001:db8:{n + 1}::1",
        )

    again = browser.post("/admin/login/", {"username": "editor", "password": "pw-editor-123"})

    assert "staff_device" in first.cookies
    assert signed_in(again)


def test_django_admin_is_not_mounted(hr: Any) -> None:
    client = Client()
    client.force_login(hr)

    assert client.get("/django-admin/").status_code == 404


def _secret_from(page: str) -> str:
    found = re.search(r'id="totp-secret"[^>]*>([A-Z2-7= ]+)<', page)
    assert found is not None
    return found.group(1).replace(" ", "")


def _code_from(page: str) -> str:
    return totp_code(base64.b32decode(_secret_from(page)))


def _next_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return totp_code(device.bin_key, drift=device.drift, after=device.last_t)


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def _admin_paths() -> list[str]:
    """Every screen under /admin/ (Wagtail's and ours: reports, exports, alumni lists …),
    each path argument filled with a sample value."""

    def walk(resolver: URLResolver, prefix: str) -> Iterator[str]:
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                yield from walk(entry, route)
            elif isinstance(entry, URLPattern):
                yield route

    paths = []
    for route in walk(get_resolver(), "/"):
        if route.startswith("/admin/") and not route.startswith(open_paths()):
            filled = re.sub(r"\(\?P<\w+>[^)]*\)|<(\w+:)?\w+>", "1", route)  # path arguments
            filled = filled.replace("^", "").replace("$", "").replace("\\.", ".")
            paths.append(filled.replace(".*", "no-such-screen"))  # Wagtail's last route
    return paths


def test_every_admin_screen_waits_for_the_second_factor(hr: Any) -> None:
    client = Client()
    sign_in("pw-hr-123", "192.0.2.1", client)
    paths = _admin_paths()
    hr_screens = {
        "/admin/alumni/approvals/",
        "/admin/alumni/invitations/",
        "/admin/alumni/invitations/labels.csv",
        "/admin/alumni/invitations/letters.pdf",
        "/admin/alumni/audit-log/",
        "/admin/alumni_alumnus/",
        "/admin/alumni_roster/",
        "/admin/comeback/",
        "/admin/comeback/estimates.1",
        "/admin/comeback/people/1/",
        "/admin/delivery-monitor/people/1/",
        "/admin/analytics/people/1/",
        "/admin/chat/groups/1/members/",
        "/admin/surveys/1/responses.csv",
        "/admin/reports/",
        "/admin/reports/monthly/1/",
    }

    sent = {path: client.get(path) for path in paths}
    sent_invitations = client.post("/admin/alumni/invitations/send/")

    assert hr_screens <= set(paths)
    for path, response in sent.items():
        assert response.status_code == 302, path
        assert response["Location"] == f"/admin/2fa/enrol/?next={quote(path)}", path
    assert sent_invitations["Location"].startswith("/admin/2fa/enrol/")


def test_with_an_app_enrolled_every_admin_screen_asks_for_its_code(hr: Any) -> None:
    TOTPDevice.objects.create(user=hr, name="アプリ", confirmed=True)
    client = Client()
    sign_in("pw-hr-123", "192.0.2.1", client)

    for path in _admin_paths():
        response = client.get(f"{path}?q=1")
        assert response["Location"] == f"/admin/2fa/verify/?next={quote(path + '?q=1')}", path


def test_the_pages_parts_load_before_the_second_factor(hr: Any) -> None:
    """The icons and the scripts' translations, which the code screen itself loads: Wagtail's
    icons.js puts whatever /admin/sprite/ answers into the page (a redirect there drew the
    whole screen, a second form with it, into the page)."""
    client = Client()
    sign_in("pw-hr-123", "192.0.2.1", client)

    sprite = client.get("/admin/sprite/")
    catalog = client.get("/admin/jsi18n/")
    enrol = client.get("/admin/2fa/enrol/?next=/admin/")

    assert sprite.status_code == 200 and "<svg" in sprite.content.decode()
    assert "<form" not in sprite.content.decode()
    assert catalog.status_code == 200 and "javascript" in catalog["Content-Type"]
    assert enrol.content.decode().count('name="token"') == 1


def test_hr_staff_enrol_an_authenticator_app_and_then_give_its_code(
    hr: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = Client()
    assert sign_in("pw-hr-123", "192.0.2.1", client).status_code == 302

    to_enrol = client.get("/admin/alumni/approvals/")
    enrol = client.get(to_enrol["Location"])
    secret = _secret_from(enrol.content.decode())
    device = TOTPDevice.objects.get(user=hr)
    confirmed_at_first = device.confirmed
    wrong = client.post(to_enrol["Location"], {"token": _wrong(_code_from(enrol.content.decode()))})
    device.refresh_from_db()
    confirmed_after_wrong = device.confirmed
    done = client.post(to_enrol["Location"], {"token": _code_from(enrol.content.decode())})

    assert to_enrol.status_code == 302
    assert to_enrol["Location"] == "/admin/2fa/enrol/?next=/admin/alumni/approvals/"
    page = enrol.content.decode()
    assert re.search(r'<svg [^>]*class="segno"', page)  # the QR code, drawn in the page
    assert base64.b32decode(secret) == device.bin_key
    assert enrol["Cache-Control"].startswith("max-age=0") and "no-store" in enrol["Cache-Control"]
    assert not confirmed_at_first and not confirmed_after_wrong
    assert "確認コードが正しくありません" in wrong.content.decode()
    assert 'aria-invalid="true" aria-describedby="id_token_helptext id_token_error"' in (
        wrong.content.decode()
    )
    assert done.status_code == 302 and done["Location"] == "/admin/alumni/approvals/"
    assert TOTPDevice.objects.get(user=hr).confirmed
    assert client.get("/admin/alumni/approvals/").status_code == 200
    for response in (to_enrol, enrol, wrong, done):
        assert secret not in response.get("Location", "")
    assert secret not in caplog.text and device.key not in caplog.text

    # The next sign-in asks for the app's code before any screen.
    later = Client()
    sign_in("pw-hr-123", "192.0.2.1", later)
    to_verify = later.get("/admin/")
    refused = later.post(
        "/admin/2fa/verify/", {"token": _wrong(_next_code(device)), "next": "/admin/"}
    )
    still_refused = later.get("/admin/")
    verified = later.post("/admin/2fa/verify/", {"token": _next_code(device), "next": "/admin/"})

    assert to_verify["Location"] == "/admin/2fa/verify/?next=/admin/"
    assert "確認コードが正しくありません" in refused.content.decode()
    assert re.search(
        r'<input type="text" name="token"(?![^>]*value=)[^>]*>', refused.content.decode()
    )
    assert still_refused.status_code == 302
    assert verified.status_code == 302 and verified["Location"] == "/admin/"
    assert later.get("/admin/").status_code == 200


def test_drafts_and_private_documents_wait_for_the_second_factor_too(hr: Any) -> None:
    """The preview of a draft and Wagtail's document downloads are not under /admin/, but a
    password alone must not open them either; a visitor not signed in is asked for nothing."""
    document = Document.objects.create(
        title="名簿の控え", file=ContentFile(b"kana,name\n", name="roster-copy.csv")
    )
    download = document.url
    preview = "/preview/?content_type=content.noticepage&token=x"
    device = TOTPDevice.objects.create(user=hr, name="アプリ", confirmed=True)
    client = Client()
    sign_in("pw-hr-123", "192.0.2.1", client)

    waiting = {path: client.get(path) for path in (download, preview)}
    verified = client.post("/admin/2fa/verify/", {"token": _next_code(device), "next": preview})
    anonymous = Client().get(download)

    for path, response in waiting.items():
        assert response.status_code == 302, path
        assert response["Location"] == f"/admin/2fa/verify/?next={quote(path)}", path
    assert verified["Location"] == preview  # back to the draft, not to the dashboard
    assert client.get(download).status_code == 200
    assert anonymous.status_code == 200  # a public document, for anyone with its link


def test_a_code_in_another_shape_is_a_field_error_and_no_try(hr: Any) -> None:
    TOTPDevice.objects.create(user=hr, name="アプリ", confirmed=True)
    client = Client()
    sign_in("pw-hr-123", "192.0.2.1", client)

    answers = [
        client.post("/admin/2fa/verify/", {"token": token, "next": "/admin/"})
        for token in ("", "12345", "１２３４５６", "12a456", "1" * 5000)
    ]

    assert [a.status_code for a in answers] == [200] * 5
    assert "確認コードを入力してください。" in answers[0].content.decode()
    assert all("6 桁の数字で入力してください" in a.content.decode() for a in answers[1:])
    assert not ThrottleEvent.objects.exists()


def test_wrong_codes_count_toward_the_staff_throttle(hr: Any, settings: Any) -> None:
    device = TOTPDevice.objects.create(user=hr, name="アプリ", confirmed=True)
    client = Client()
    sign_in("pw-hr-123", "192.0.2.1", client)

    wrong = [
        client.post(
            "/admin/2fa/verify/",
            {"token": _wrong(_next_code(device)), "next": "/admin/"},
            REMOTE_ADDR="192.0.2.1",
        )
        for _ in range(settings.STAFF_LOGIN_FAILURES_PER_USER_NETWORK)
    ]
    right_but_locked = client.post(
        "/admin/2fa/verify/",
        {"token": _next_code(device), "next": "/admin/"},
        REMOTE_ADDR="192.0.2.1",
    )
    password_locked = sign_in("pw-hr-123", "192.0.2.1")

    assert all("確認コードが正しくありません" in w.content.decode() for w in wrong)
    assert right_but_locked.status_code == 200
    assert LOCKED in right_but_locked.content.decode()
    assert client.get("/admin/").status_code == 302
    assert LOCKED in password_locked.content.decode()


@pytest.mark.parametrize("role", [ALUMNI_HR, DELIVERY_HR, CHAT_HR])
def test_every_hr_role_needs_the_second_factor(role: str) -> None:
    user = get_user_model().objects.create_user("clerk", password="pw-clerk-123")
    role_grant(user, role)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client = Client()
    client.post("/admin/login/", {"username": "clerk", "password": "pw-clerk-123"})

    assert client.get("/admin/")["Location"].startswith("/admin/2fa/enrol/")
    assert client.get("/admin/reports/")["Location"].startswith("/admin/2fa/enrol/")


def test_a_personal_data_permission_or_a_groups_moderation_needs_it_too() -> None:
    by_permission = get_user_model().objects.create_user("viewer", password="pw-viewer-123")
    by_permission.groups.add(Group.objects.get(name=PAGE_EDITORS))
    by_permission.user_permissions.add(Permission.objects.get(codename="view_alumnus"))
    moderator = get_user_model().objects.create_user("mod", password="pw-mod-123")
    moderator.groups.add(Group.objects.get(name=PAGE_PUBLISHERS))
    CommunityGroupFactory().staff_moderators.add(moderator)

    for username, password in (("viewer", "pw-viewer-123"), ("mod", "pw-mod-123")):
        client = Client()
        client.post("/admin/login/", {"username": username, "password": password})
        assert client.get("/admin/")["Location"].startswith("/admin/2fa/enrol/"), username


@pytest.mark.parametrize("group", [PAGE_EDITORS, PAGE_PUBLISHERS])
def test_an_editor_without_personal_data_signs_in_with_the_password_alone(group: str) -> None:
    user = get_user_model().objects.create_user("editor", password="pw-editor-123")
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.post("/admin/login/", {"username": "editor", "password": "pw-editor-123"})

    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/2fa/verify/?next=/admin/pages/")["Location"] == "/admin/pages/"
    assert not TOTPDevice.objects.exists()


def test_counts_without_names_need_no_second_factor() -> None:
    user = get_user_model().objects.create_user("counter", password="pw-counter-123")
    user.groups.add(Group.objects.get(name=PAGE_EDITORS))
    user.user_permissions.add(Permission.objects.get(codename="view_estimate"))
    client = Client()
    client.post("/admin/login/", {"username": "counter", "password": "pw-counter-123"})

    assert client.get("/admin/comeback/").status_code == 200


def test_the_code_screens_send_elsewhere_who_is_not_signed_in_or_done() -> None:
    assert Client().get("/admin/2fa/verify/?next=/admin/")["Location"] == (
        "/admin/login/?next=/admin/"
    )
    assert Client().get("/admin/2fa/enrol/?next=//evil.example/")["Location"] == (
        "/admin/login/?next=/admin/"
    )


def test_a_superuser_resets_a_lost_phone_with_a_command(hr: Any) -> None:
    clerk = get_user_model().objects.create_user("clerk", password="pw-clerk-123")
    role_grant(clerk, ALUMNI_HR)
    clerk.user_permissions.add(Permission.objects.get(codename="access_admin"))
    TOTPDevice.objects.create(user=clerk, name="なくした電話", confirmed=True)
    signed_in_before = Client()
    signed_in_before.force_login(clerk)
    assert signed_in_before.get("/admin/").status_code == 200

    said = io.StringIO()
    call_command("staff_otp_reset", "clerk", stdout=said)
    with pytest.raises(CommandError, match="ユーザー名「nobody」のアカウントはありません"):
        call_command("staff_otp_reset", "nobody")
    fresh = Client()
    fresh.post("/admin/login/", {"username": "clerk", "password": "pw-clerk-123"})

    assert "clerk" in said.getvalue() and "登録し直します" in said.getvalue()
    assert not TOTPDevice.objects.filter(user=clerk).exists()
    assert signed_in_before.get("/admin/")["Location"].startswith("/admin/2fa/enrol/")
    assert fresh.get("/admin/")["Location"].startswith("/admin/2fa/enrol/")


def test_the_demo_accounts_sign_in_with_the_code_demo_totp_prints(settings: Any) -> None:
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo_alumni", stdout=io.StringIO())
    with pytest.raises(CommandError, match="デモ専用"):
        call_command("demo_totp", "--enrol", stdout=io.StringIO())  # DEBUG off: a real site
    assert not TOTPDevice.objects.exists()
    settings.DEBUG = True
    call_command("demo_totp", "--enrol", stdout=io.StringIO())
    printed = io.StringIO()
    call_command("demo_totp", stdout=printed)
    found = re.search(r"hr-editor: 確認コード (\d{6})", printed.getvalue())
    assert found is not None
    client = Client()

    client.post("/admin/login/", {"username": "hr-editor", "password": "demo-editor-2026"})
    verified = client.post("/admin/2fa/verify/", {"token": found.group(1), "next": "/admin/"})

    assert verified.status_code == 302
    assert client.get("/admin/").status_code == 200
