"""The second factor for staff who can see personal data: TOTP (django-otp), after the password.

Who needs it: superusers and every member of HR's roles (cms/staff_roles.py); other editors
sign in with their password alone. After Wagtail's login, `StaffSecondFactorMiddleware` sends
such a user to 「2 段階認証」 before any other admin screen: the first time to enrol (a QR code
for an authenticator app, drawn with segno, and the secret to type in by hand), afterwards to
enter the 6-digit code. django-otp keeps the verification in the session and throttles wrong
codes (a growing pause after each).
"""

import base64
from collections.abc import Callable
from urllib.parse import quote

import segno
from django import forms
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from cms.staff_roles import ROLES

ADMIN_PREFIX = "/admin/"
# Admin paths a signed-in user reaches before the second factor: signing out, the factor itself.
OPEN_PATHS = ("/admin/login/", "/admin/logout/", "/admin/2fa/", "/admin/password_reset/")
DEVICE_NAME = "管理画面の認証アプリ"


def needs_second_factor(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Superusers and HR's roles: the staff who can see personal data."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    groups = getattr(user, "groups", None)
    return groups is not None and groups.filter(name__in=ROLES.keys()).exists()


class StaffSecondFactorMiddleware:
    """After django-otp's OTPMiddleware: an admin request of a user who needs the second factor
    and has not given it in this session goes to enrolment or to the code."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path_info = request.path_info
        if path_info.startswith(ADMIN_PREFIX) and not path_info.startswith(OPEN_PATHS):
            user = request.user
            if needs_second_factor(user) and not user.is_verified():  # type: ignore[union-attr]
                name = "staff-otp-verify" if user_has_device(user) else "staff-otp-enrol"
                return redirect(f"{reverse(name)}?next={quote(request.get_full_path())}")
        return self.get_response(request)


class TokenForm(forms.Form):
    token = forms.RegexField(
        label="確認コード（6 桁）",
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": "6 桁の数字を入力してください。"},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": ""}
        ),
    )


WRONG_CODE = (
    "確認コードが正しくありません。時間をおいて、認証アプリの新しいコードを入力してください。"
)


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if allowed and wanted.startswith(ADMIN_PREFIX) else ADMIN_PREFIX


def _signed_in(request: HttpRequest) -> HttpResponse | None:
    if not needs_second_factor(request.user):
        return (
            redirect(_next(request)) if request.user.is_authenticated else redirect("/admin/login/")
        )
    return None


def verify_view(request: HttpRequest) -> HttpResponse:
    """The 6-digit code of the enrolled authenticator app, after the password."""
    elsewhere = _signed_in(request)
    if elsewhere is not None:
        return elsewhere
    devices = TOTPDevice.objects.filter(user=request.user, confirmed=True)
    if not devices.exists():
        return redirect(f"{reverse('staff-otp-enrol')}?next={quote(_next(request))}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].strip()
        for device in devices:
            if device.verify_token(token):
                otp_login(request, device)
                return redirect(_next(request))
        form.add_error("token", WRONG_CODE)
    return render(request, "staff_otp/verify.html", {"form": form, "next": _next(request)})


def enrol_view(request: HttpRequest) -> HttpResponse:
    """First sign-in of a user who needs the second factor: register an authenticator app."""
    elsewhere = _signed_in(request)
    if elsewhere is not None:
        return elsewhere
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(f"{reverse('staff-otp-verify')}?next={quote(_next(request))}")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name=DEVICE_NAME, confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("token", WRONG_CODE)
    secret = base64.b32encode(device.bin_key).decode()
    qr_svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, title="認証アプリで読み取る QR コード"
    )
    return render(
        request,
        "staff_otp/enrol.html",
        {"form": form, "next": _next(request), "secret": secret, "qr_svg": qr_svg},
    )


urlpatterns = [
    path("verify/", verify_view, name="staff-otp-verify"),
    path("enrol/", enrol_view, name="staff-otp-enrol"),
]
