"""Bulk reads of the published public content the build renders: a fixed number of queries."""

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

from django.utils import timezone
from wagtail.models import Page, PageViewRestriction, Site

from cms.content.models import (
    ContactSettings,
    HomeFeaturedPage,
    HomePage,
    JobIndexPage,
    JobPage,
    NoticeCategory,
    NoticeIndexPage,
    NoticePage,
    PressReleaseIndexPage,
    PressReleasePage,
    StandardPage,
    Visibility,
)
from cms.content.selectors import job_status
from cms.surveys.models import SurveyPage


def fingerprint(*parts: Any) -> str:
    """A short, stable digest of `parts` (their repr): equal inputs, equal fingerprints."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


@dataclass(frozen=True)
class Entry:
    """One page as lists, the sitemap and the feed show it: plain data, no ORM object."""

    pk: int
    kind: str
    title: str
    path: str
    revision: int
    published: dt.datetime | None
    date: dt.date | None = None
    summary: str = ""
    category_slug: str = ""
    category_name: str = ""
    status: str = ""
    """A job's `JobStatus` (a str: its Japanese label; `.key` names its style)."""
    opens: dt.date | None = None
    closes: dt.date | None = None
    location: str = ""

    @property
    def stamp(self) -> tuple[Any, ...]:
        """What a list entry shows: a list page changes when one of its entries' stamps does."""
        return (
            self.pk,
            self.path,
            self.title,
            self.date,
            self.summary,
            self.category_slug,
            self.category_name,
            self.status,
            self.location,
            self.revision,
        )

    @cached_property
    def lastmod(self) -> str:
        """The sitemap's `<lastmod>` element (made once per entry; entries are kept between
        builds in the worker, and the sitemap lists them all)."""
        return f"<lastmod>{self.published.date().isoformat()}</lastmod>" if self.published else ""

    @cached_property
    def digest(self) -> str:
        """A fingerprint of the stamp and the publication time: what lists, the sitemap and
        the feed compare. Computed once per entry; entries kept between builds keep it."""
        return fingerprint(self.stamp, self.published)


@dataclass
class SiteContent:
    """Everything public and live under the default site's home page, as entries."""

    root_path: str = "/"
    home: Entry | None = None
    home_lead: str = ""
    featured_ids: list[int] = field(default_factory=list)
    notice_index: Entry | None = None
    notice_intro: str = ""
    job_index: Entry | None = None
    job_intro: str = ""
    press_index: Entry | None = None
    press_intro: str = ""
    categories: list[tuple[str, str]] = field(default_factory=list)
    notices: list[Entry] = field(default_factory=list)
    jobs: list[Entry] = field(default_factory=list)
    press: list[Entry] = field(default_factory=list)
    standard: list[Entry] = field(default_factory=list)
    surveys: list[Entry] = field(default_factory=list)
    category_rows: dict[int, tuple[str, str]] = field(default_factory=dict)
    """The notice categories by pk: (slug, name)."""
    contact: dict[str, str] = field(default_factory=dict)
    """HR's help desk (ContactSettings): the footer and help screen of every page show it."""
    notice_sources: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    """Per notice, the signature it was read with: (pk, live revision, URL path, category)."""

    def by_pk(self) -> dict[int, Entry]:
        return {e.pk: e for e in self.all_entries()}

    def all_entries(self) -> Iterable[Entry]:
        for single in (self.home, self.notice_index, self.job_index, self.press_index):
            if single is not None:
                yield single
        yield from self.notices
        yield from self.jobs
        yield from self.press
        yield from self.standard
        yield from self.surveys


def _site_root() -> Page | None:
    site = Site.objects.select_related("root_page").filter(is_default_site=True).first()
    return site.root_page if site else None


def _public_live(model: type[Page], root: Page, restricted: list[str]) -> Any:
    """Live pages of `model` under `root`, none below a view restriction (login, password …)."""
    # The site's root is the common case: every page is below it, so `path` narrows nothing.
    # `pk__in` the type's own table makes SQLite start from that table (one row for an index
    # page) instead of walking every page of the site in `path` order; PostgreSQL plans it as
    # the same semi-join either way.
    qs = model.objects.live().filter(
        path__startswith=root.path, pk__in=model.objects.order_by().values("pk")
    )
    for path in restricted:
        qs = qs.exclude(path__startswith=path)
    return qs


def _entry_path(url_path: str, root_url_path: str) -> str:
    return "/" + url_path[len(root_url_path) :]


def _noon(today: dt.date | None) -> dt.datetime | None:
    """Midday of `today` in the site's time zone: the moment job statuses are computed for."""
    if today is None:
        return None
    return dt.datetime.combine(today, dt.time(12), tzinfo=timezone.get_current_timezone())


def load_site_content(
    *,
    only: int | None = None,
    today: dt.date | None = None,
    previous: "SiteContent | None" = None,
) -> SiteContent:
    """The public site's entries, in a fixed number of queries whatever the number of pages.

    `only`: the lists hold at most that one page (what one page of the tree needs, for
    Wagtail's own serving and the preview). `today`: the day job statuses are computed for
    (default: today in Asia/Tokyo), so that a daily build rewrites what changed with the date.
    `previous`: the content of the previous build; then only a signature of each notice is
    read, and the full rows of those whose signature changed (see `_notice_entries`).
    """
    # Read, never created here: `load_demo` fills a setting nobody saved yet.
    contact = ContactSettings.objects.first() or ContactSettings()
    content = SiteContent(contact=contact.as_dict())
    now = _noon(today)

    def one(qs: Any) -> Any:
        return qs.filter(pk=only) if only is not None else qs

    root = _site_root()
    if root is None:
        return content
    restricted = list(
        PageViewRestriction.objects.filter(page__path__startswith=root.path).values_list(
            "page__path", flat=True
        )
    )
    if any(root.path.startswith(p) for p in restricted):
        return content
    base = root.url_path

    def common(row: dict[str, Any], kind: str) -> dict[str, Any]:
        return {
            "pk": row["pk"],
            "kind": kind,
            "title": row["title"],
            "path": _entry_path(row["url_path"], base),
            "revision": row["live_revision_id"] or 0,
            "published": row["last_published_at"],
        }

    fields = ("pk", "title", "url_path", "live_revision_id", "last_published_at")
    home = HomePage.objects.filter(pk=root.pk).live().values(*fields, "lead").first()
    if home is None:
        return content
    content.home = Entry(**common(home, "home"))
    content.home_lead = home["lead"]
    content.featured_ids = list(
        HomeFeaturedPage.objects.filter(home_id=root.pk)
        .order_by("sort_order")
        .values_list("page_id", flat=True)
    )
    for model, attr, intro in (
        (NoticeIndexPage, "notice", "intro"),
        (JobIndexPage, "job", "intro"),
        (PressReleaseIndexPage, "press", "intro"),
    ):
        row = _public_live(model, root, restricted).values(*fields, intro).first()
        if row:
            setattr(content, f"{attr}_index", Entry(**common(row, f"{attr}_index")))
            setattr(content, f"{attr}_intro", row[intro])
    content.category_rows = {
        pk: (slug, name)
        for pk, slug, name in NoticeCategory.objects.values_list("pk", "slug", "name")
    }
    content.categories = list(content.category_rows.values())
    sources = content.notice_sources

    def notice_entries(qs: Any) -> Iterable[Entry]:
        more = ("date", "summary", "category_id", "category__slug", "category__name")
        for row in qs.values(*fields, *more):
            sources[row["pk"]] = (
                row["pk"],
                row["live_revision_id"],
                row["url_path"],
                row["category_id"],
            )
            yield Entry(
                **common(row, "notice"),
                date=row["date"],
                summary=row["summary"],
                category_slug=row["category__slug"],
                category_name=row["category__name"],
            )

    notices = (
        one(_public_live(NoticePage, root, restricted))
        .filter(visibility=Visibility.PUBLIC)
        .order_by("-date", "-pk")
    )
    if previous is not None and previous.category_rows == content.category_rows:
        content.notices = _notice_entries(notices, notice_entries, previous, sources)
    else:  # the first build in this process, or a category renamed: its notices change
        content.notices = list(notice_entries(notices))
    content.jobs = []
    for row in (
        one(_public_live(JobPage, root, restricted))
        .order_by("application_closes", "pk")
        .values(*fields, "summary", "application_opens", "application_closes", "work_location")
    ):
        status = job_status(
            opens=row["application_opens"], closes=row["application_closes"], now=now
        )
        content.jobs.append(
            Entry(
                **common(row, "job"),
                summary=row["summary"],
                status=status,
                opens=row["application_opens"],
                closes=row["application_closes"],
                location=row["work_location"],
            )
        )
    content.press = [
        Entry(**common(row, "press"), date=row["date"], summary=row["lead"])
        for row in one(_public_live(PressReleasePage, root, restricted))
        .order_by("-date", "-pk")
        .values(*fields, "date", "lead")
    ]
    # All of them even for one page: every page's footer links to them (a handful of pages).
    content.standard = [
        Entry(**common(row, "standard"))
        for row in _public_live(StandardPage, root, restricted).order_by("path").values(*fields)
    ]
    content.surveys = [
        Entry(**common(row, "survey"))
        for row in one(_public_live(SurveyPage, root, restricted)).order_by("path").values(*fields)
    ]
    content.root_path = base
    return content


KNOWN_REREAD_AT_MOST = 500
"""Above this many changed notices, one full read is cheaper than a long `pk IN (…)`."""


def _notice_entries(
    notices: Any,
    read: Callable[[Any], Iterable[Entry]],
    previous: SiteContent,
    sources: dict[int, tuple[Any, ...]],
) -> list[Entry]:
    """The notices in list order, reusing the previous build's entries whose signature (live
    revision, URL path, category) is unchanged and reading the others' full rows.

    Publishing always makes a new live revision, a move or a renamed parent changes the URL
    path (a renamed category is seen before: nothing is reused then); a page without a live
    revision (made in code, not through Wagtail's publish) is read afresh every time."""
    rows = list(notices.values_list("pk", "live_revision_id", "url_path", "category_id"))
    kept = {e.pk: e for e in previous.notices}
    was = previous.notice_sources
    entries: dict[int, Entry] = {}
    stale = []
    for row in rows:
        pk = row[0]
        if row[1] and was.get(pk) == row and pk in kept:
            entries[pk] = kept[pk]
            sources[pk] = row
        else:
            stale.append(pk)
    if len(stale) > KNOWN_REREAD_AT_MOST:
        return list(read(notices))
    if stale:
        entries.update((e.pk, e) for e in read(notices.filter(pk__in=stale)))
    # A notice unpublished between the two reads is left out.
    return [entries[pk] for pk, *_ in rows if pk in entries]


# Full page objects for the detail pages, one query (plus one prefetch) per page type.
DETAIL_MODELS: dict[str, tuple[type[Page], tuple[str, ...], tuple[str, ...]]] = {
    "home": (HomePage, (), ()),
    "notice_index": (NoticeIndexPage, (), ()),
    "job_index": (JobIndexPage, (), ()),
    "press_index": (PressReleaseIndexPage, (), ()),
    "notice": (NoticePage, ("category",), ()),
    "job": (JobPage, ("application_form",), ()),
    "press": (PressReleasePage, (), ()),
    "standard": (StandardPage, (), ()),
    "survey": (SurveyPage, (), ()),
}


@dataclass(frozen=True)
class CategoryRow:
    name: str
    slug: str


@dataclass(frozen=True)
class NoticeRow:
    """A public notice with what its template shows, read with `.values()`: notices are the bulk
    of a site, and building thousands of Wagtail page objects costs more than rendering them."""

    pk: int
    title: str
    seo_title: str
    search_description: str
    date: dt.date
    summary: str
    body: Any
    category: CategoryRow
    template: ClassVar[str] = NoticePage.template


def _notice_rows(pks: list[int]) -> Iterable[NoticeRow]:
    fields = ("pk", "title", "seo_title", "search_description", "date", "summary", "body")
    for row in NoticePage.objects.filter(pk__in=pks).values(
        *fields, "category__name", "category__slug"
    ):
        category = CategoryRow(row.pop("category__name"), row.pop("category__slug"))
        yield NoticeRow(**row, category=category)


def load_pages(entries: Iterable[Entry]) -> dict[int, Any]:
    """The pages of `entries` as their templates read them, in one query per page type present
    (page objects, or rows for notices)."""
    wanted: dict[str, list[int]] = {}
    for entry in entries:
        wanted.setdefault(entry.kind, []).append(entry.pk)
    pages: dict[int, Any] = {}
    for kind, pks in wanted.items():
        if kind == "notice":
            pages.update((row.pk, row) for row in _notice_rows(pks))
            continue
        model, related, prefetch = DETAIL_MODELS[kind]
        qs = model.objects.filter(pk__in=pks)
        if related:
            qs = qs.select_related(*related)
        if prefetch:
            qs = qs.prefetch_related(*prefetch)
        for page in qs:
            pages[page.pk] = page
    return pages
