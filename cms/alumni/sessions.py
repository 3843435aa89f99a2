"""Alumni sessions: a long sliding expiry (ALUMNI_SESSION_DAYS) renewed on use; staff keep Django's short one."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

# Marks a session begun by an alumnus's code login; staff sessions never carry it.
ALUMNI_SESSION_MARK = "alumni_session"
RENEW_MARGIN = dt.timedelta(days=1)
# When this session signed in (ISO 8601): export and deletion ask for a fresh sign-in.
SIGNED_IN_AT = "signed_in_at"


def _full_period() -> dt.timedelta:
    return dt.timedelta(days=settings.ALUMNI_SESSION_DAYS)


def alumni_session_begin(request: HttpRequest) -> None:
    """Give the freshly signed-in alumnus's session the long expiry (call after `login`)."""
    request.session[ALUMNI_SESSION_MARK] = True
    request.session.set_expiry(timezone.now() + _full_period())


def alumni_session_renew(request: HttpRequest) -> bool:
    """Push an alumni session's expiry back to the full period once less than the full period
    minus a day remains: a person who opens the app monthly stays signed in, and the session
    row is written at most once a day, not on every request."""
    session = request.session
    if not session.get(ALUMNI_SESSION_MARK):
        return False
    if dt.timedelta(seconds=session.get_expiry_age()) >= _full_period() - RENEW_MARGIN:
        return False
    session.set_expiry(timezone.now() + _full_period())
    return True


class AlumniSessionRenewalMiddleware:
    """Renews alumni sessions on use (see `alumni_session_renew`); after SessionMiddleware,
    which then saves the session and re-sets its cookie.

    Only a session the request already read is looked at: requests that never load it (public
    API reads, static files) cost nothing more."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.accessed and session.session_key:
            alumni_session_renew(request)
        return response


def session_mark_signed_in(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    """`user_logged_in` receiver: note when this session signed in (every sign-in, any user)."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SIGNED_IN_AT] = timezone.now().isoformat()


def session_is_fresh(request: HttpRequest) -> bool:
    """Whether this session signed in within ALUMNI_FRESH_LOGIN_HOURS (a session signed in
    before the time was noted counts as old)."""
    session = getattr(request, "session", None)
    noted = session.get(SIGNED_IN_AT) if session is not None else None
    try:
        signed_in_at = dt.datetime.fromisoformat(noted) if isinstance(noted, str) else None
    except ValueError:
        signed_in_at = None
    if signed_in_at is None:
        return False
    return timezone.now() - signed_in_at <= dt.timedelta(hours=settings.ALUMNI_FRESH_LOGIN_HOURS)
