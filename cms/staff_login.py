"""Staff sign-in at /admin/login/: failed passwords are throttled and lock the account out.

Wagtail's login view takes its form from WAGTAILADMIN_USER_LOGIN_FORM; this one counts each
failed password (hashed keys, the alumni throttle records) per (username, network), per
network (an IPv4 address or an IPv6 /64) and per username and day, and refuses to check a
password at all while a limit is reached: a guesser gets a handful of tries per quarter hour,
and at most STAFF_LOGIN_FAILURES_PER_DAY a day against one account, which then stays locked
for the rest of that day (an administrator's password reset does not lift it; it runs out).
"""

from typing import Any

from django import forms
from django.conf import settings
from wagtail.admin.forms.auth import LoginForm

from cms.alumni.errors import TooManyAttempts
from cms.alumni.services import (
    DAY_SECONDS,
    Limit,
    client_ip,
    throttle_check,
    throttle_count,
    throttle_network,
)

LOCKED = (
    "ログインの失敗が続いたため、このアカウントへのログインを一時的に止めています。"
    "{minutes} 分ほどたってから、もう一度お試しください。"
)


def staff_login_limits(*, username: str, ip: str) -> list[Limit]:
    network = throttle_network(ip)
    name = username.strip().casefold()[:150]
    return [
        Limit(
            "staff-login-user",
            f"{name}|{network}",
            settings.STAFF_LOGIN_FAILURES_PER_USER_NETWORK,
        ),
        Limit("staff-login-ip", network, settings.STAFF_LOGIN_FAILURES_PER_NETWORK),
        Limit("staff-login-user-day", name, settings.STAFF_LOGIN_FAILURES_PER_DAY, DAY_SECONDS),
    ]


class ThrottledLoginForm(LoginForm):
    """Wagtail's login form, throttled: no password is checked while a limit is reached."""

    def clean(self) -> dict[str, Any]:
        meta = self.request.META if self.request is not None else {}
        limits = staff_login_limits(username=str(self.data.get("username", "")), ip=client_ip(meta))
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
