"""The second factor for staff who can see personal data: TOTP (django-otp), after the password.

Who needs it (`needs_second_factor`): superusers, every member of HR's roles (cms/staff_roles.py),
anyone given a permission that shows people another way, and staff named moderator of a chat
group; other editors sign in with their password alone. After Wagtail's login,
`StaffSecondFactorMiddleware` sends such a user to 「2 段階認証」 before any other admin screen:
the first time to enrol an authenticator app (cms/staff_otp_views.py), afterwards to enter its
6-digit code. django-otp keeps the verification in the session; wrong codes count toward the
staff sign-in throttle (cms/staff_login.py). A lost phone: `manage.py staff_otp_reset`.
"""

from collections.abc import Callable
from functools import cache
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from cms.staff_roles import ROLES

ADMIN_PREFIX = "/admin/"
# What the second factor guards: the admin, and outside it what only a signed-in editor sees there
# too — the drafts' preview and Wagtail's downloads of documents in private collections (both
# mounted in cms/urls.py). A visitor who is not signed in is not asked for anything there.
GUARDED_PREFIXES = (ADMIN_PREFIX, "/preview/", "/documents/")
# Admin paths a signed-in user reaches before the second factor: signing in and out, the
# factor's own screens, the password reset (which signs nobody in), and what every admin page
# loads, personal data in none: the icons (icons.js fetches /admin/sprite/ and puts what it
# gets into the page — a redirect there put a second copy of the whole page, form and all, into
# it) and the scripts' translations.
OPEN_URL_NAMES = (
    "wagtailadmin_login",
    "wagtailadmin_logout",
    "wagtailadmin_password_reset",
    "wagtailadmin_sprite",
    "wagtailadmin_javascript_catalog",
    "staff-otp-verify",
    "staff-otp-enrol",
)
# Permissions that show people (names, addresses, who got or reported what), whoever holds
# them: HR's roles need the second factor anyway; these catch one given to someone directly.
# Counts without names (comeback.view_estimate alone, the audience groups' editor without
# alumni.view_alumnus) are not personal data.
PERSONAL_DATA_PERMISSIONS = frozenset(
    {
        "alumni.view_alumnus",
        "alumni.change_alumnus",
        "alumni.view_rosterentry",
        "alumni.add_rosterentry",
        "alumni.change_rosterentry",
        "alumni.view_invitation",
        "alumni.add_invitation",
        "alumni.view_auditlogentry",
        "comeback.view_outcome",
        "comeback.add_outcome",
        "comeback.change_outcome",
        "push.view_delivery",
        "chat.view_report",
        "chat.change_message",
        "chat.view_moderationlogentry",
    }
)


def needs_second_factor(user: Any) -> bool:
    """The staff who can see personal data: superusers, HR's roles, anyone holding a permission
    that shows people, and the named moderators of a chat group (its members' names, reports)."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    if user.groups.filter(name__in=ROLES.keys()).exists():
        return True
    if PERSONAL_DATA_PERMISSIONS & user.get_all_permissions():
        return True
    from cms.groups.chat.models import CommunityGroup

    return CommunityGroup.objects.filter(staff_moderators=user).exists()


@cache
def open_paths() -> tuple[str, ...]:
    return tuple(reverse(name) for name in OPEN_URL_NAMES)


def second_factor_url(user: Any, wanted: str) -> str:
    """Where a user who has not given the second factor yet goes: the code, or enrolment."""
    name = "staff-otp-verify" if user_has_device(user, confirmed=True) else "staff-otp-enrol"
    return f"{reverse(name)}?next={quote(wanted)}"


class StaffSecondFactorMiddleware:
    """After django-otp's OTPMiddleware: an admin request of a user who needs the second factor
    and has not given it in this session goes to enrolment or to the code."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path_info = request.path_info
        if path_info.startswith(GUARDED_PREFIXES) and not path_info.startswith(open_paths()):
            user: Any = request.user
            # is_verified() first: a verified session costs no query on each admin request.
            if not user.is_verified() and needs_second_factor(user):
                return redirect(second_factor_url(user, request.get_full_path()))
        return self.get_response(request)


def staff_otp_reset(*, user: Any) -> int:
    """A lost or replaced phone: the user's authenticator apps are removed (every session
    verified with one stops being verified) and the next sign-in enrols a new one. Returns how
    many were removed."""
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    return removed
