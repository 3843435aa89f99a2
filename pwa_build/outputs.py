"""The plan of a build: every file of dist/, with a fingerprint of what it shows and how to render it.

A file whose fingerprint is unchanged since the last build is not rendered again; this is what
makes a rebuild after one publish cheap, whatever moved, was unpublished or deleted.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from wagtail.models import Page

from .content import Entry, SiteContent, fingerprint
from .render import ListPage, Renderer, paginate


@dataclass(slots=True)
class Output:
    """One file of dist/: its path, a fingerprint of its inputs, and how to render it."""

    path: str
    fingerprint: str
    render: Callable[[dict[int, Page]], bytes] | None
    """None for a page of the tree, which the renderer renders from its entry (`render_output`)."""
    entry: Entry | None = None
    """The page the file shows, if it is a page of the tree: loaded in bulk before rendering."""


def render_output(output: Output, renderer: Renderer, pages: dict[int, Page]) -> bytes:
    """The bytes of `output`; `pages`: the pages of the outputs being rendered, by pk."""
    if output.render is not None:
        return output.render(pages)
    assert output.entry is not None
    return renderer.page(pages[output.entry.pk], output.entry)


@dataclass
class Plan:
    version: str = ""
    outputs: list[Output] = field(default_factory=list)

    def add(
        self,
        path: str,
        parts: Iterable[Any],
        render: Callable[[dict[int, Page]], bytes] | None,
        entry: Entry | None = None,
    ) -> None:
        self.outputs.append(Output(path, fingerprint(*parts), render, entry))

    def add_page(self, header: str, entry: Entry) -> None:
        """A page that shows only itself: its fingerprint is the build's header and the
        entry's digest side by side (no hashing per page: most pages of a site are these)."""
        self.outputs.append(Output(file_of(entry.path), header + entry.digest, None, entry))


def file_of(url_path: str) -> str:
    """`/notices/n1/` -> `notices/n1/index.html`."""
    return url_path.lstrip("/") + "index.html"


def page_plan(
    plan: Plan,
    renderer: Renderer,
    content: SiteContent,
    version: str,
) -> None:
    """Every page of the tree, and the notice lists (all notices, and per category).

    Fingerprints are made of the entries' digests (computed once per entry) and of headers
    fingerprinted once per build: a build of a large site spends little on them."""
    header = fingerprint(version, renderer.frame)
    home_parts: tuple[Any, ...] = ()
    if content.home is not None:
        home_ctx = renderer.home_context()
        home_parts = (
            content.home_lead,
            [e.digest for e in home_ctx["featured"]],
            [e.digest for e in home_ctx["latest_notices"]],
            [e.digest for e in home_ctx["open_jobs"]],
        )
    for entry in content.all_entries():
        if entry.kind == "notice_index":
            continue  # rendered as lists below
        if entry.kind == "home":
            plan.add(file_of(entry.path), (header, entry.digest, home_parts), None, entry)
        elif entry.kind == "job_index":
            jobs = [e.digest for e in content.jobs]
            plan.add(file_of(entry.path), (header, entry.digest, jobs), None, entry)
        elif entry.kind == "press_index":
            press = [e.digest for e in content.press]
            plan.add(file_of(entry.path), (header, entry.digest, press), None, entry)
        else:
            plan.add_page(header, entry)

    index = content.notice_index
    if index is None:
        return
    lists: list[tuple[tuple[str, str] | None, list[Entry], str]] = [
        (None, content.notices, index.path)
    ]
    by_category: dict[str, list[Entry]] = {slug: [] for slug, _ in content.categories}
    for notice in content.notices:
        if notice.category_slug in by_category:
            by_category[notice.category_slug].append(notice)
    for slug, name in content.categories:
        lists.append(((slug, name), by_category[slug], f"{index.path}category/{slug}/"))
    list_header = fingerprint(header, index.digest, content.notice_intro, content.categories)
    for category, notices, base_path in lists:
        for listing in paginate(notices, base_path):
            plan.add(
                file_of(listing.path_of(listing.number)),
                (
                    list_header,
                    category,
                    listing.number,
                    listing.number == listing.count,
                    listing.pager(),
                    [e.digest for e in listing.entries],
                ),
                _list_render(renderer, listing, category),
            )


def _list_render(
    renderer: Renderer, listing: ListPage, category: tuple[str, str] | None
) -> Callable[[dict[int, Page]], bytes]:
    return lambda _pages: renderer.notice_list(listing, category=category)
