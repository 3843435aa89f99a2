"""Staff sign-in at /admin/login/: failed passwords are throttled and lock the account out,
for strangers only.

Wagtail's login view takes its form from WAGTAILADMIN_USER_LOGIN_FORM; this one counts each
failed password (hashed keys, the alumni throttle records) per (username, network), per
network (an IPv4 address or an IPv6 /64) and per username and day, and refuses to check a
password at all while a limit is reached: a guesser gets a handful of tries per quarter hour,
and at most STAFF_LOGIN_FAILURES_PER_DAY a day against one account, which then stays locked
for the rest of that day (an administrator's password reset does not lift it; it runs out).

That lock would let anyone who knows a username shut its owner out for a day. So a browser
that has completed a sign-in of the account (password, and the code where one is needed) gets
a device cookie (OWASP's "device cookie" defence): signed, HttpOnly, holding a random id and a
keyed hash of the username, never the name itself. With it, the password step counts that
device's failures alone, per quarter hour and per day; strangers' failures do not lock it.
Wrong codes at the second factor have their own daily count per account, which only someone
who knows the password can add to.
"""

import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac
from wagtail.admin.forms.auth import LoginForm
from wagtail.admin.views.account import LoginView

from cms.alumni.errors import TooManyAttempts
from cms.alumni.services import (
    DAY_SECONDS,
    Limit,
    client_ip,
    throttle_check,
    throttle_count,
    throttle_network,
)
from cms.staff_otp import needs_second_factor

LOCKED = (
    "ログインの失敗が続いたため、このアカウントへのログインを一時的に止めています。"
    "{minutes} 分ほどたってから、もう一度お試しください。"
)


DEVICE_COOKIE = "staff_device"
DEVICE_SALT = "cms.staff_login.device"


def _name(username: str) -> str:
    return username.strip().casefold()[:150]


def _owner(username: str) -> str:
    return salted_hmac(DEVICE_SALT, _name(username), algorithm="sha256").hexdigest()


def trusted_device(request: HttpRequest | None, username: str) -> str | None:
    """The id of this browser's device cookie when it was given for `username`, else None (no
    cookie, another account's, expired or tampered with)."""
    if request is None:
        return None
    value = request.get_signed_cookie(
        DEVICE_COOKIE,
        default=None,
        salt=DEVICE_SALT,
        max_age=settings.STAFF_LOGIN_DEVICE_DAYS * DAY_SECONDS,
    )
    device, _, owner = (value or "").partition(":")
    return device if device and owner == _owner(username) else None


def trust_device(response: HttpResponse, username: str) -> None:
    """Give the browser a device cookie for `username` (after a completed sign-in)."""
    response.set_signed_cookie(
        DEVICE_COOKIE,
        f"{secrets.token_urlsafe(16)}:{_owner(username)}",
        salt=DEVICE_SALT,
        max_age=settings.STAFF_LOGIN_DEVICE_DAYS * DAY_SECONDS,
        path="/admin/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def staff_login_limits(*, username: str, ip: str, device: str | None = None) -> list[Limit]:
    """The password step's limits: a trusted device's own, or those of everyone else."""
    if device is not None:
        return [
            Limit("staff-login-device", device, settings.STAFF_LOGIN_FAILURES_PER_USER_NETWORK),
            Limit(
                "staff-login-device-day", device, settings.STAFF_LOGIN_FAILURES_PER_DAY, DAY_SECONDS
            ),
        ]
    name = _name(username)
    return [
        *staff_network_limits(name, ip),
        Limit("staff-login-user-day", name, settings.STAFF_LOGIN_FAILURES_PER_DAY, DAY_SECONDS),
    ]


def staff_code_limits(*, username: str, ip: str) -> list[Limit]:
    """The second factor's limits: wrong codes per (username, network) and per network as for
    passwords, and per account and day in a count of their own."""
    name = _name(username)
    return [
        *staff_network_limits(name, ip),
        Limit("staff-code-user-day", name, settings.STAFF_LOGIN_FAILURES_PER_DAY, DAY_SECONDS),
    ]


def staff_network_limits(name: str, ip: str) -> list[Limit]:
    network = throttle_network(ip)
    return [
        Limit(
            "staff-login-user",
            f"{name}|{network}",
            settings.STAFF_LOGIN_FAILURES_PER_USER_NETWORK,
        ),
        Limit("staff-login-ip", network, settings.STAFF_LOGIN_FAILURES_PER_NETWORK),
    ]


class ThrottledLoginForm(LoginForm):
    """Wagtail's login form, throttled: no password is checked while a limit is reached."""

    def clean(self) -> dict[str, Any]:
        meta = self.request.META if self.request is not None else {}
        username = str(self.data.get("username", ""))
        limits = staff_login_limits(
            username=username,
            ip=client_ip(meta),
            device=trusted_device(self.request, username),
        )
        try:
            throttle_check(limits)
        except TooManyAttempts as refused:
            minutes = max(1, -(-(refused.retry_after or 60) // 60))
            raise forms.ValidationError(LOCKED.format(minutes=minutes), code="locked") from None
        try:
            return dict(super().clean())
        except forms.ValidationError:
            throttle_count(limits)
            raise


class StaffLoginView(LoginView):
    """Wagtail's login view, giving a device cookie once the sign-in is complete: at once for
    staff who need no second factor, after the code (cms/staff_otp_views.py) for the others."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        if not needs_second_factor(user):
            trust_device(response, user.get_username())
        return response
