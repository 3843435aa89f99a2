"""The plan of a build: every file of dist/, with a fingerprint of what it shows and how to render it.

A file whose fingerprint is unchanged since the last build is not rendered again; this is what
makes a rebuild after one publish cheap, whatever moved, was unpublished or deleted.
"""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from wagtail.models import Page

from .content import Entry, SiteContent
from .render import ListPage, Renderer, paginate


def fingerprint(*parts: Any) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


@dataclass
class Output:
    """One file of dist/: its path, a fingerprint of its inputs, and how to render it."""

    path: str
    fingerprint: str
    render: Callable[[dict[int, Page]], bytes]
    entry: Entry | None = None
    """The page the file shows, if it is a page of the tree: loaded in bulk before rendering."""


@dataclass
class Plan:
    version: str = ""
    outputs: list[Output] = field(default_factory=list)

    def add(
        self,
        path: str,
        parts: Iterable[Any],
        render: Callable[[dict[int, Page]], bytes],
        entry: Entry | None = None,
    ) -> None:
        self.outputs.append(Output(path, fingerprint(*parts), render, entry))


def file_of(url_path: str) -> str:
    """`/notices/n1/` -> `notices/n1/index.html`."""
    return url_path.lstrip("/") + "index.html"


def page_plan(plan: Plan, renderer: Renderer, content: SiteContent, version: str) -> None:
    """Every page of the tree, and the notice lists (all notices, and per category)."""
    nav = tuple(renderer.nav)
    home_parts: tuple[Any, ...] = ()
    if content.home is not None:
        home_ctx = renderer.home_context()
        home_parts = (
            content.home_lead,
            [e.stamp for e in home_ctx["featured"]],
            [e.stamp for e in home_ctx["latest_notices"]],
            [e.stamp for e in home_ctx["open_jobs"]],
        )
    for entry in content.all_entries():
        if entry.kind == "notice_index":
            continue  # rendered as lists below
        parts: list[Any] = [version, nav, entry.stamp]
        if entry.kind == "home":
            parts.append(home_parts)
        elif entry.kind == "job_index":
            parts.append([e.stamp for e in content.jobs])
        elif entry.kind == "press_index":
            parts.append([e.stamp for e in content.press])
        plan.add(file_of(entry.path), parts, _page_render(renderer, entry), entry)

    index = content.notice_index
    if index is None:
        return
    lists: list[tuple[tuple[str, str] | None, list[Entry], str]] = [
        (None, content.notices, index.path)
    ]
    for slug, name in content.categories:
        notices = [n for n in content.notices if n.category_slug == slug]
        lists.append(((slug, name), notices, f"{index.path}category/{slug}/"))
    header = (version, nav, index.stamp, content.notice_intro, tuple(content.categories))
    for category, notices, base_path in lists:
        for listing in paginate(notices, base_path):
            plan.add(
                file_of(listing.path_of(listing.number)),
                (
                    header,
                    category,
                    listing.number,
                    listing.number == listing.count,
                    listing.pager(),
                    [e.stamp for e in listing.entries],
                ),
                _list_render(renderer, listing, category),
            )


def _page_render(renderer: Renderer, entry: Entry) -> Callable[[dict[int, Page]], bytes]:
    return lambda pages: renderer.page(pages[entry.pk], entry)


def _list_render(
    renderer: Renderer, listing: ListPage, category: tuple[str, str] | None
) -> Callable[[dict[int, Page]], bytes]:
    return lambda _pages: renderer.notice_list(listing, category=category)
