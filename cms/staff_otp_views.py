"""The screens of the staff second factor (cms/staff_otp.py) at /admin/2fa/: enrolment of an
authenticator app (a QR code drawn by segno, the key in text) and the 6-digit code.

Wrong codes count toward the staff sign-in throttle (cms/staff_login.py): while it is reached
no code is checked, as no password is. A right code completes the sign-in, and the browser
gets the account's device cookie. The key is shown on the enrolment screen only (never
in a URL or a log), on a page no cache may keep.
"""

import base64
from typing import Any
from urllib.parse import quote

import segno
from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from cms.alumni.errors import TooManyAttempts
from cms.alumni.services import client_ip, throttle_check, throttle_count
from cms.staff_login import LOCKED, staff_code_limits, trust_device
from cms.staff_otp import ADMIN_PREFIX, GUARDED_PREFIXES, needs_second_factor

DEVICE_NAME = "管理画面の認証アプリ"
WRONG_CODE = (
    "確認コードが正しくありません。認証アプリに表示されている、いまの 6 桁を入力してください。"
)


class CodeInput(forms.TextInput):
    """A code field that comes back empty after an error: a refused code is of no use again
    (the next one is typed fresh), and the field is ready for it."""

    def format_value(self, value: Any) -> str | None:
        return None


class TokenForm(forms.Form):
    """The authenticator app's code; the space some apps show in the middle may be typed."""

    token = forms.CharField(
        label="確認コード（6 桁）",
        help_text="認証アプリに表示されている 6 桁の数字です（30 秒ごとに変わります）。",
        error_messages={"required": "確認コードを入力してください。"},
        widget=CodeInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": ""}
        ),
    )

    def clean_token(self) -> str:
        token = "".join(str(self.cleaned_data["token"]).split())
        if not (len(token) == 6 and token.isascii() and token.isdigit()):
            raise forms.ValidationError("確認コードは 6 桁の数字で入力してください。")
        return token


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if allowed and wanted.startswith(GUARDED_PREFIXES) else ADMIN_PREFIX


def _elsewhere(request: HttpRequest) -> HttpResponse | None:
    """Not signed in: the login; signed in without the need (or verified already): onwards."""
    user: Any = request.user  # django-otp's OTPMiddleware adds is_verified()
    if not user.is_authenticated:
        return redirect(f"{reverse('wagtailadmin_login')}?next={quote(_next(request))}")
    if not needs_second_factor(user) or user.is_verified():
        return redirect(_next(request))
    return None


def _check_code(request: HttpRequest, form: TokenForm, devices: list[TOTPDevice]) -> bool:
    """The code of one of `devices`, within the staff throttle: True when it matched (and the
    session is verified with that device); otherwise the form carries the field's error."""
    if not form.is_valid():
        return False
    limits = staff_code_limits(username=request.user.get_username(), ip=client_ip(request.META))
    try:
        throttle_check(limits)
    except TooManyAttempts as refused:
        minutes = max(1, -(-(refused.retry_after or 60) // 60))
        form.add_error("token", LOCKED.format(minutes=minutes))
        return False
    token = form.cleaned_data["token"]
    for device in devices:
        if device.verify_token(token):
            if not device.confirmed:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return True
    throttle_count(limits)
    form.add_error("token", WRONG_CODE)
    return False


def _signed_in(request: HttpRequest) -> HttpResponse:
    """The sign-in is complete: onwards, and this browser is a trusted device of the account."""
    response = redirect(_next(request))
    trust_device(response, request.user.get_username())
    return response


@never_cache
def verify_view(request: HttpRequest) -> HttpResponse:
    """The 6-digit code of the enrolled authenticator app, after the password."""
    elsewhere = _elsewhere(request)
    if elsewhere is not None:
        return elsewhere
    devices = list(TOTPDevice.objects.filter(user=request.user, confirmed=True))
    if not devices:
        return redirect(f"{reverse('staff-otp-enrol')}?next={quote(_next(request))}")
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and _check_code(request, form, devices):
        return _signed_in(request)
    return render(request, "staff_otp/verify.html", {"form": form, "next": _next(request)})


@never_cache
def enrol_view(request: HttpRequest) -> HttpResponse:
    """First sign-in (or the first after a reset) of a user who needs the second factor: an
    authenticator app is registered once it has given one right code."""
    elsewhere = _elsewhere(request)
    if elsewhere is not None:
        return elsewhere
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(f"{reverse('staff-otp-verify')}?next={quote(_next(request))}")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name=DEVICE_NAME, confirmed=False)
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and _check_code(request, form, [device]):
        return _signed_in(request)
    secret = base64.b32encode(device.bin_key).decode()
    # Black on white with its quiet zone whatever the admin's theme; as wide as the form.
    qr_svg = segno.make(device.config_url, error="m").svg_inline(
        dark="#000", light="#fff", border=4, omitsize=True, title="認証アプリで読み取る QR コード"
    )
    return render(
        request,
        "staff_otp/enrol.html",
        {
            "form": form,
            "next": _next(request),
            "secret": secret,
            "secret_groups": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "qr_svg": qr_svg,
        },
    )


urlpatterns = [
    path("verify/", verify_view, name="staff-otp-verify"),
    path("enrol/", enrol_view, name="staff-otp-enrol"),
]
