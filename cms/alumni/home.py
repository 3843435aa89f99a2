"""The member home's reads: what is new for one alumnus (notices, jobs, surveys, chat).
The comeback clock has its own operation (GET /api/v1/me/comeback, `cms/comeback/api.py`).

"Unread notices" are kept per device, in the server-side session (nothing in browser storage
and no new table): a notice is unread when the alumnus may read it, it was first published in
the last `NEW_NOTICE_DAYS` days and after this session last opened the notice list, and this
session has not opened it. Surveys are "waiting" while open to the alumnus (their audience, the
window) and not yet answered by them.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone
from wagtail.models import Page, Site

from cms.alumni.models import Alumnus
from cms.content.models import JobPage
from cms.groups.chat.selectors import groups_overview
from cms.groups.selectors import notices_for_alumnus
from cms.surveys.selectors import surveys_waiting_for

NEW_NOTICE_DAYS = 30
"""Notices older than this are never "new", whatever the session remembers."""
SHOWN = 5
"""Items listed per section of the home (the counts are complete)."""
OPENED_KEPT = 200
"""Notice ids a session remembers as opened (the newest)."""

SEEN_KEY = "home_notices_seen_at"
OPENED_KEY = "home_notices_opened"


@dataclass(frozen=True)
class HomeItem:
    """One line of a section: a title, where it leads and a date to show (ISO)."""

    title: str
    url: str
    date: str = ""
    count: int = 0


@dataclass
class HomeSection:
    count: int = 0
    items: list[HomeItem] = field(default_factory=list)


@dataclass
class MemberHome:
    display_name: str
    initial: str
    notices: HomeSection
    jobs: HomeSection
    surveys: HomeSection
    chat: HomeSection


# --- the session's memory of notices seen --------------------------------------------------


def notices_seen_mark(*, session: SessionBase, now: dt.datetime | None = None) -> None:
    """This device opened the notice list: everything published until now counts as seen.
    Writes only the session (server-side), never a table."""
    session[SEEN_KEY] = (now or timezone.now()).isoformat()
    session.pop(OPENED_KEY, None)


def notice_opened_mark(*, session: SessionBase, notice_id: int) -> None:
    """This device opened one notice: it no longer counts as unread here."""
    opened = [i for i in session.get(OPENED_KEY, []) if i != notice_id]
    session[OPENED_KEY] = [*opened, notice_id][-OPENED_KEPT:]


def _seen_since(session: SessionBase, now: dt.datetime) -> dt.datetime:
    oldest = now - dt.timedelta(days=NEW_NOTICE_DAYS)
    try:
        seen = dt.datetime.fromisoformat(session.get(SEEN_KEY, ""))
    except (TypeError, ValueError):
        return oldest
    return max(seen, oldest)


# --- sections ------------------------------------------------------------------------------


def _relative_path(page: Page, root_url_path: str) -> str:
    """The page's path on the PWA (the site's root page is `/`)."""
    url_path = page.url_path
    if url_path.startswith(root_url_path):
        return "/" + url_path[len(root_url_path) :]
    return url_path


def _root_url_path() -> str:
    site = Site.objects.select_related("root_page").filter(is_default_site=True).first()
    return site.root_page.url_path if site else "/"


def _unread_notices(alumnus: Alumnus, session: SessionBase, now: dt.datetime) -> HomeSection:
    opened = [i for i in session.get(OPENED_KEY, []) if isinstance(i, int)]
    unread = (
        notices_for_alumnus(alumnus=alumnus)
        .filter(first_published_at__gt=_seen_since(session, now))
        .exclude(pk__in=opened)
        .order_by("-date", "-pk")  # as the feed lists them
    )
    rows = list(unread.values("pk", "title", "date"))
    return HomeSection(
        count=len(rows),
        items=[
            HomeItem(row["title"], f"/app/feed/?notice={row['pk']}", row["date"].isoformat())
            for row in rows[:SHOWN]
        ],
    )


def _open_jobs(today: dt.date, root: str) -> HomeSection:
    jobs = (
        JobPage.objects.live()
        .public()
        .filter(application_opens__lte=today, application_closes__gte=today)
        .order_by("application_closes", "pk")
    )
    found = list(jobs.only("title", "url_path", "application_closes"))
    return HomeSection(
        count=len(found),
        items=[
            HomeItem(job.title, _relative_path(job, root), job.application_closes.isoformat())
            for job in found[:SHOWN]
        ],
    )


def _waiting_surveys(alumnus: Alumnus, now: dt.datetime) -> HomeSection:
    """Open to the alumnus and not answered yet; each leads to the app's answering screen."""
    found = list(surveys_waiting_for(alumnus=alumnus, now=now).only("title", "closes_at"))
    return HomeSection(
        count=len(found),
        items=[
            HomeItem(
                survey.title,
                f"/app/survey/?id={survey.pk}",
                timezone.localdate(survey.closes_at).isoformat() if survey.closes_at else "",
            )
            for survey in found[:SHOWN]
        ],
    )


def _unread_chat(alumnus: Alumnus) -> HomeSection:
    groups = [g for g in groups_overview(alumnus=alumnus)["groups"] if g.unread]
    return HomeSection(
        count=sum(g.unread for g in groups),
        items=[
            HomeItem(g.group.name, f"/app/chat/?group={g.group_id}", count=g.unread)
            for g in groups[:SHOWN]
        ],
    )


# --- the home ------------------------------------------------------------------------------


def member_home(
    *, alumnus: Alumnus, session: SessionBase, now: dt.datetime | None = None
) -> MemberHome:
    """Everything the member home and the tab bar's badges show, for one alumnus."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    root = _root_url_path()
    family = alumnus.family_name.strip()
    return MemberHome(
        display_name=f"{family} {alumnus.given_name}".strip(),
        initial=family[:1],
        notices=_unread_notices(alumnus, session, now),
        jobs=_open_jobs(today, root),
        surveys=_waiting_surveys(alumnus, now),
        chat=_unread_chat(alumnus),
    )
