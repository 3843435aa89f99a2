"""Renders one page of the PWA with the Jinja2 templates: the build and the editor preview call this."""

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template import engines
from django.utils import timezone
from jinja2 import Environment
from markupsafe import Markup
from wagtail.models import Page

from cms.surveys.selectors import survey_current_version

from . import assets
from .body import References, Resolved, page_body, resolve, rich_text
from .content import Entry, SiteContent
from .jinja import ja_date, site_globals

NOTICES_PER_PAGE = 20
HOME_NOTICES = 5
PAGER_NEIGHBOURS = 2


def jinja_environment() -> Environment:
    """The very environment Django's Jinja2 backend uses for `site_templates/`."""
    return engines["jinja2"].env  # type: ignore[attr-defined]


def _fast_asset() -> Callable[[str], str]:
    """`asset()` for one render run: a dict lookup in the manifest read at the start."""
    names = dict(assets.manifest().names)

    def asset(relative: str) -> str:
        try:
            return assets.ASSET_URL_PREFIX + names[relative]
        except KeyError:
            raise LookupError(f"no asset {relative!r}") from None

    return asset


def absolute(path: str) -> str:
    return settings.PWA_BASE_URL + path


@dataclass(frozen=True)
class Tab:
    """One tab of the bottom tab bar: signed-out visitors follow `href`, members
    `member_href` (the app's screen) once the page knows they are signed in."""

    key: str
    label: str
    href: str
    member_href: str
    current: bool
    badge: str = ""


def _tab_current(path: str, notices: str, jobs: str) -> tuple[bool, ...]:
    """Which of the five tabs is the current one for `path`."""

    def under(*prefixes: str) -> bool:
        return any(prefix and path.startswith(prefix) for prefix in prefixes)

    return (
        path in ("/", "/app/") or under("/app/surveys/", "/app/survey/"),
        under(notices, "/app/feed/"),
        under(jobs),
        under("/app/groups/", "/app/chat/"),
        under("/app/profile/", "/app/notifications/"),
    )


def _tab_list(notices: str, jobs: str, current: tuple[bool, ...]) -> list[Tab]:
    home, notice, job, groups, mypage = current
    found = [
        Tab("home", "ホーム", "/", "/app/", home, badge="surveys"),
        Tab(
            "notices",
            "お知らせ",
            notices or "/app/feed/",
            "/app/feed/",
            notice,
            badge="notices",
        ),
        Tab("jobs", "求人", jobs, jobs, job),
        Tab("groups", "グループ", "/app/groups/", "/app/groups/", groups, badge="chat"),
        Tab("mypage", "マイページ", "/app/profile/", "/app/profile/", mypage),
    ]
    return [tab for tab in found if tab.href]


def survey_intro(survey: Any) -> dict[str, str]:
    """What the public survey page shows besides its title and intro: the answering period and
    the app screen that answers it (the page itself holds no form: answers go through the API)."""
    days = [
        ja_date(timezone.localtime(moment)) if moment else ""
        for moment in (survey.opens_at, survey.closes_at)
    ]
    period = f"{days[0]}〜{days[1]}" if any(days) else ""
    return {"survey_period": period, "app_path": f"/app/survey/?id={survey.pk}"}


def contact_view(contact: dict[str, str]) -> dict[str, str]:
    """HR's contact as the footer and help screen show it; `tel` is the phone for a tel: link."""
    phone = unicodedata.normalize("NFKC", contact.get("phone", ""))
    tel = "".join(ch for ch in phone if ch.isdigit() or ch in "+-")
    return {**contact, "tel": tel}


@dataclass(frozen=True)
class ListPage:
    """One page of a paginated list of notices: its entries and links to its neighbours."""

    entries: Sequence[Entry]
    number: int
    count: int
    base_path: str

    def pager(self) -> list[tuple[str, str, bool]]:
        """Links to a few neighbours, the oldest page and the newest (label, path, current):
        a fixed handful, so that a list page changes only when a neighbour appears, never
        each time the list grows a page (and the lists' size stays linear in the notices)."""
        if self.count == 1:
            return []
        numbers = {1, *range(self.number - PAGER_NEIGHBOURS, self.number + PAGER_NEIGHBOURS + 1)}
        links = [
            (str(n), self.path_of(n), n == self.number)
            for n in sorted(numbers, reverse=True)
            if 1 <= n < self.count
        ]
        return [("最新", self.base_path, self.number == self.count), *links]

    def path_of(self, number: int) -> str:
        """Page 1 holds the newest; archive pages are numbered from the oldest, so that a new
        notice changes only the first page and the newest archive page, not every page."""
        if number == self.count:
            return self.base_path
        return f"{self.base_path}archive/{number}/"


def paginate(entries: Sequence[Entry], base_path: str) -> list[ListPage]:
    """Newest first, in chunks counted from the oldest entry; the last chunk is the list's top."""
    oldest_first = list(reversed(entries))
    chunks = [
        oldest_first[i : i + NOTICES_PER_PAGE]
        for i in range(0, len(oldest_first), NOTICES_PER_PAGE)
    ] or [[]]
    count = len(chunks)
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        shown = list(reversed(chunk))
        if number == count and count > 1 and len(shown) < NOTICES_PER_PAGE:
            # The top page fills up with the next older ones so it never looks empty.
            shown += list(reversed(chunks[-2]))[: NOTICES_PER_PAGE - len(shown)]
        pages.append(ListPage(shown, number, count, base_path))
    return pages


class Renderer:
    """Renders templates with the site-wide context (navigation, meta, base URL)."""

    def __init__(
        self,
        content: SiteContent,
        *,
        environment: Environment | None = None,
        preview: bool = False,
        asset: Callable[[str], str] | None = None,
    ) -> None:
        self.content = content
        self.env = environment or jinja_environment()
        self.preview = preview
        self.asset = asset or _fast_asset()
        self.resolved = Resolved(preview=preview)
        self.site = {**site_globals(), "contact": content.contact}
        self.nav = [
            (entry.title, entry.path)
            for entry in (content.notice_index, content.job_index, content.press_index)
            if entry is not None
        ]
        self.footer_links = [(entry.title, entry.path) for entry in content.standard]
        self.frame = (
            tuple(self.nav),
            tuple(self.footer_links),
            tuple(sorted(content.contact.items())),
        )
        """What the frame of every page (header, tab bar, footer) shows: in every fingerprint."""
        self.contact = contact_view(content.contact)
        self.index_paths = {
            kind: entry.path if entry else ""
            for kind, entry in (
                ("notices", content.notice_index),
                ("jobs", content.job_index),
                ("press", content.press_index),
            )
        }
        self._tab_lists: dict[tuple[bool, ...], list[Tab]] = {}
        """The tab bar for each current tab: made once per build, not per page."""

    def tabs(self, path: str) -> list[Tab]:
        """ホーム・お知らせ・求人・グループ・マイページ, the one current for `path` marked."""
        notices, jobs = self.index_paths["notices"], self.index_paths["jobs"]
        current = _tab_current(path, notices, jobs)
        found = self._tab_lists.get(current)
        if found is None:
            found = self._tab_lists[current] = _tab_list(notices, jobs, current)
        return found

    def render(
        self,
        template: str,
        *,
        path: str,
        title: str,
        description: str = "",
        image: str = "",
        og_type: str = "website",
        **context: Any,
    ) -> bytes:
        full_title = title if title == self.site["name"] else f"{title}｜{self.site['name']}"
        context.update(
            site=self.site,
            nav=self.nav,
            tabs=self.tabs(path),
            footer_links=self.footer_links,
            contact=self.contact,
            index_paths=self.index_paths,
            current_path=path,
            canonical=absolute(path),
            meta={
                "title": full_title,
                "short_title": title,
                "description": description or self.content.home_lead,
                "image": image,
                "type": og_type,
            },
            preview=self.preview,
            home_path="/",
        )
        context["asset"] = self.asset
        return self.env.get_template(template).render(context).encode()

    # Pages of the page tree --------------------------------------------------------------

    def resolve_for(self, pages: "list[Any]") -> None:
        """Reads what the bodies of `pages` link to and show, in one query per kind."""
        refs = References()
        for page in pages:
            refs.add_page(page)
        self.resolved = resolve(
            refs,
            public_paths={e.pk: e.path for e in self.content.all_entries()},
            root_url_path=self.content.root_path,
            preview=self.preview,
        )

    def page(self, page: Page, entry: Entry) -> bytes:
        """A page of the tree with the template its model names (`pages/<type>.html`)."""
        specific: Any = page
        extra: dict[str, Any] = {}
        description = ""
        image = ""
        og_type = "article"
        kind = entry.kind
        if kind == "home":
            og_type = "website"
            extra = self.home_context()
        elif kind == "notice":
            description = specific.summary
        elif kind == "job":
            description = specific.summary
            extra["status"] = entry.status or specific.status
            extra["application_form_url"] = self.resolved.document_urls.get(
                specific.application_form_id or 0
            )
        elif kind == "press":
            description = specific.og_description or specific.lead
            copy = self.resolved.image(specific.og_image_id, og=True)
            if copy is not None:
                image = copy.url
                if image.startswith("/"):
                    image = (settings.API_ORIGIN if self.preview else settings.PWA_BASE_URL) + image
        elif kind == "job_index":
            extra["job_groups"] = self.job_groups()
            og_type = "website"
        elif kind == "press_index":
            extra["entries"] = self.content.press
            og_type = "website"
        elif kind == "survey":
            extra.update(survey_intro(specific))
            version = survey_current_version(survey=specific)
            extra["questions"] = version.questions if version else []
        return self.render(
            specific.template,
            path=entry.path,
            title=specific.seo_title or specific.title,
            description=description or specific.search_description,
            image=image,
            og_type=og_type,
            page=specific,
            body=page_body(specific, self.resolved),
            rich=self._rich,
            **extra,
        )

    def _rich(self, html: str) -> Markup:
        return rich_text(html or "", self.resolved)

    def home_context(self) -> dict[str, Any]:
        by_pk = {e.pk: e for e in [*self.content.notices, *self.content.jobs]}
        return {
            "featured": [by_pk[pk] for pk in self.content.featured_ids if pk in by_pk],
            "latest_notices": self.content.notices[:HOME_NOTICES],
            "open_jobs": [j for j in self.content.jobs if j.status == "募集中"],
            "notice_index": self.content.notice_index,
            "job_index": self.content.job_index,
        }

    def job_groups(self) -> list[tuple[str, list[Entry]]]:
        order = ("募集中", "募集予定", "募集終了")
        return [(status, [j for j in self.content.jobs if j.status == status]) for status in order]

    def notice_list(
        self,
        listing: ListPage,
        *,
        category: tuple[str, str] | None = None,
        index_page: Any = None,
    ) -> bytes:
        """One page of the notice list; `index_page` is a draft of the index, for preview."""
        index = self.content.notice_index
        intro = self.content.notice_intro
        if index_page is not None:
            index = Entry(
                pk=index_page.pk or 0,
                kind="notice_index",
                title=index_page.title,
                path=listing.base_path,
                revision=0,
                published=None,
            )
            intro = index_page.intro
        assert index is not None
        title = index.title if category is None else f"{index.title}：{category[1]}"
        if listing.number != listing.count:
            title = f"{title}（{listing.number}）"
        return self.render(
            "pages/notice_index_page.html",
            path=listing.path_of(listing.number),
            title=title,
            page={"title": title, "intro": intro},
            listing=listing,
            pager=listing.pager(),
            categories=[
                (slug, name, f"{index.path}category/{slug}/")
                for slug, name in self.content.categories
            ],
            current_category=category[0] if category else "",
            notice_index=index,
        )

    def screen(self, template: str, *, path: str, title: str, **context: Any) -> bytes:
        """A page outside the tree: app screens, the offline page, the 404 page."""
        return self.render(template, path=path, title=title, page={"title": title}, **context)


KINDS = {
    "HomePage": "home",
    "NoticeIndexPage": "notice_index",
    "JobIndexPage": "job_index",
    "PressReleaseIndexPage": "press_index",
    "NoticePage": "notice",
    "JobPage": "job",
    "PressReleasePage": "press",
    "StandardPage": "standard",
    "SurveyPage": "survey",
}


def preview_entry(page: Any, content: SiteContent) -> Entry:
    """The entry a draft would have once published (its path from the parent's when new)."""
    url_path = page.url_path
    if not url_path or page.pk is None:
        parent = page.get_parent() if page.pk else None
        url_path = (parent.url_path if parent else content.root_path) + page.slug + "/"
    path = (
        "/" + url_path[len(content.root_path) :] if url_path.startswith(content.root_path) else "/"
    )
    kind = KINDS.get(type(page).__name__, "standard")
    status = page.status if kind == "job" else ""
    return Entry(
        pk=page.pk or 0,
        kind=kind,
        title=page.title,
        path=path,
        revision=0,
        published=None,
        status=status,
    )


def render_single(
    page: Page, *, preview: bool = False, asset: Callable[[str], str] | None = None
) -> bytes | None:
    """One page exactly as the build writes it, with the live site around it: a draft for the
    preview, or a live page for Wagtail's own routing (None if the build would not publish it)."""
    from .content import load_site_content

    kind = KINDS.get(type(page).__name__, "standard")
    lists = kind in ("home", "notice_index", "job_index", "press_index")
    content = load_site_content(only=None if lists or page.pk is None else page.pk)
    entry = content.by_pk().get(page.pk) if page.pk else None
    if entry is None:
        if not preview:
            return None
        entry = preview_entry(page, content)
    renderer = Renderer(content, preview=preview, asset=asset)
    renderer.resolve_for([page])
    if entry.kind == "notice_index":
        listing = paginate(content.notices, entry.path)[-1]
        return renderer.notice_list(listing, index_page=page)
    return renderer.page(page, entry)


def render_not_found() -> bytes:
    """The build's 404 page, for Wagtail's own routing of a page the build leaves out."""
    from .content import load_site_content

    return Renderer(load_site_content(only=0)).screen(
        "not_found.html", path="/404.html", title="ページが見つかりません"
    )


def render_preview(page: Page, *, asset: Callable[[str], str] | None = None) -> bytes:
    """A draft page exactly as the build would write it."""
    html = render_single(page, preview=True, asset=asset)
    assert html is not None
    return html
