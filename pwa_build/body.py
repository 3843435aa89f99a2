"""The StreamField body of a page as HTML, with every link and image resolved in bulk.

Wagtail's own rendering (`include_block`, `expand_db_html`) looks up each linked page, document
and image as it meets it: a query per link per page. Here the build first collects the ids
referenced by all the pages it renders, reads each kind in one query, and renders the bodies
from the raw block data with those dicts. Body images and OGP images are copied into dist/
under hashed names (`/assets/media/…`): the static site never links to the CMS's /media/.
"""

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from markupsafe import Markup, escape
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page

from .failures import PageRenderError

BODY_IMAGE = "max-960x960"
OG_IMAGE = "fill-1200x630"
MEDIA_PREFIX = "assets/media/"

_LINK = re.compile(r"<a\b([^>]*)>")
_ATTR = re.compile(r'([\w-]+)="([^"]*)"')
_REF = re.compile(
    r'linktype="(page|document)"[^>]*?\bid="(\d+)"|\bid="(\d+)"[^>]*?linktype="(page|document)"'
)


def _raw_blocks(page: Any) -> list[dict[str, Any]]:
    body = getattr(page, "body", None)
    if body is None:
        return []
    return list(body.raw_data)


def _image_id(value: Any) -> int | None:
    if isinstance(value, dict):
        value = value.get("image")
    return (
        int(value)
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit())
        else None
    )


@dataclass
class References:
    """Ids of what a set of pages links to or shows."""

    pages: set[int] = field(default_factory=set)
    documents: set[int] = field(default_factory=set)
    images: set[int] = field(default_factory=set)
    og_images: set[int] = field(default_factory=set)

    def add_rich_text(self, html: str) -> None:
        for match in _REF.finditer(html):
            kind = match.group(1) or match.group(4)
            pk = int(match.group(2) or match.group(3))
            (self.pages if kind == "page" else self.documents).add(pk)

    def add_page(self, page: Any) -> None:
        for block in _raw_blocks(page):
            value = block.get("value")
            if block.get("type") == "paragraph" and isinstance(value, str):
                self.add_rich_text(value)
            elif block.get("type") == "image":
                pk = _image_id(value)
                if pk is not None:
                    self.images.add(pk)
            elif block.get("type") == "button" and isinstance(value, dict) and value.get("page"):
                self.pages.add(int(value["page"]))
        for name in ("selection_process", "how_to_apply", "intro"):
            text = getattr(page, name, None)
            if isinstance(text, str):
                self.add_rich_text(text)
        form = getattr(page, "application_form_id", None)  # a job's application form
        if form:
            self.documents.add(form)
        og = getattr(page, "og_image_id", None)
        if og:
            self.og_images.add(og)


@dataclass(frozen=True)
class ImageCopy:
    """A rendition copied into dist/: its path there and how it is shown."""

    path: str
    source: str
    width: int
    height: int
    alt: str

    @property
    def url(self) -> str:
        return "/" + self.path


@dataclass
class Resolved:
    """Where links point on the static site, and the image copies, by id."""

    page_paths: dict[int, str] = field(default_factory=dict)
    document_urls: dict[int, str] = field(default_factory=dict)
    images: dict[int, ImageCopy] = field(default_factory=dict)
    og_images: dict[int, ImageCopy] = field(default_factory=dict)
    preview: bool = False
    used: dict[str, str] = field(default_factory=dict)
    """dist path -> storage name of every image copy rendered since the last `take_used()`."""
    broken: dict[int, str] = field(default_factory=dict)
    """Images whose file cannot be read, by id -> the reason: a page showing one fails alone."""

    def take_used(self) -> dict[str, str]:
        used, self.used = self.used, {}
        return used

    def image(self, pk: int | None, *, og: bool = False) -> ImageCopy | None:
        if pk and pk in self.broken:
            raise PageRenderError(self.broken[pk])
        copy = (self.og_images if og else self.images).get(pk or 0)
        if copy is not None and not self.preview:
            self.used[copy.path] = copy.source
        return copy


def _copy_of(rendition: Any, alt: str, preview: bool) -> ImageCopy:
    name = rendition.file.name
    if preview:
        # The preview lives on the CMS origin, where the rendition itself is served.
        return ImageCopy(rendition.url, name, rendition.width, rendition.height, alt)
    with rendition.file.storage.open(name, "rb") as source:
        digest = hashlib.sha256(source.read()).hexdigest()[:10]
    stem = PurePosixPath(name)
    path = f"{MEDIA_PREFIX}{stem.stem}.{digest}{stem.suffix}"
    return ImageCopy(path, name, rendition.width, rendition.height, alt)


def resolve(
    refs: References, *, public_paths: Mapping[int, str], root_url_path: str, preview: bool = False
) -> Resolved:
    """One query per kind of reference (pages, documents, images and their renditions).

    A linked page is linked only if the build publishes it; its path comes from `public_paths`
    when the caller already knows it, else from one query for the rest."""
    from cms.content.models import NoticePage, Visibility

    resolved = Resolved(preview=preview)
    unknown = refs.pages - set(public_paths)
    resolved.page_paths = {pk: public_paths[pk] for pk in refs.pages & set(public_paths)}
    if unknown:
        members_only = NoticePage.objects.exclude(visibility=Visibility.PUBLIC).values("pk")
        for pk, url_path in (
            Page.objects.filter(pk__in=unknown, live=True)
            .exclude(Q(pk__in=members_only))
            .values_list("pk", "url_path")
        ):
            if url_path.startswith(root_url_path):
                resolved.page_paths[pk] = "/" + url_path[len(root_url_path) :]
    if refs.documents:
        base = settings.API_ORIGIN
        for pk, file in (
            get_document_model().objects.filter(pk__in=refs.documents).values_list("pk", "file")
        ):
            filename = PurePosixPath(file).name
            resolved.document_urls[pk] = base + reverse("wagtaildocs_serve", args=(pk, filename))
    wanted = refs.images | refs.og_images
    if wanted:
        images = (
            get_image_model()
            .objects.filter(pk__in=wanted)
            .prefetch_renditions(BODY_IMAGE, OG_IMAGE)
        )
        for image in images:
            alt = getattr(image, "default_alt_text", None) or image.title
            try:
                if image.pk in refs.images:
                    resolved.images[image.pk] = _copy_of(
                        image.get_rendition(BODY_IMAGE), alt, preview
                    )
                if image.pk in refs.og_images:
                    resolved.og_images[image.pk] = _copy_of(
                        image.get_rendition(OG_IMAGE), alt, preview
                    )
            except (OSError, ValueError):
                # Only the pages showing this image fail (Resolved.image), not the build.
                resolved.broken[image.pk] = (
                    f"画像「{image.title}」のファイルが見つからないか、読み込めません。"
                    "画像を選び直すか、画像をアップロードし直してください。"
                )
    return resolved


def rich_text(html: str, resolved: Resolved) -> Markup:
    """Wagtail's stored rich text with its page and document links made real URLs."""

    def link(match: re.Match[str]) -> str:
        attrs = dict(_ATTR.findall(match.group(1)))
        kind = attrs.get("linktype")
        if kind is None:
            return match.group(0)
        pk = int(attrs.get("id", "0") or 0)
        href = (resolved.page_paths if kind == "page" else resolved.document_urls).get(pk)
        return f'<a href="{escape(href)}">' if href else "<a>"

    # Stored rich text is HTML that Wagtail's editor whitelisted on save, as its own RichText.
    return Markup(_LINK.sub(link, html))  # noqa: S704


def body_html(blocks: Iterable[dict[str, Any]], resolved: Resolved) -> Markup:
    """A StreamField body (raw block data) as HTML."""
    out: list[str] = []
    for block in blocks:
        kind, value = block.get("type"), block.get("value")
        if kind == "paragraph" and isinstance(value, str):
            out.append(rich_text(value, resolved))
        elif kind == "image":
            copy = resolved.image(_image_id(value))
            if copy is None:
                continue
            alt = copy.alt
            if isinstance(value, dict):
                alt = "" if value.get("decorative") else (value.get("alt_text") or copy.alt)
            out.append(
                f'<figure class="body-image"><img src="{escape(copy.url)}" width="{copy.width}" '
                f'height="{copy.height}" alt="{escape(alt)}" loading="lazy"></figure>'
            )
        elif kind == "button" and isinstance(value, dict):
            href = (
                resolved.page_paths.get(int(value["page"]))
                if value.get("page")
                else value.get("url")
            )
            if href:
                out.append(
                    f'<p class="link-button"><a class="button" href="{escape(href)}">'
                    f"{escape(value.get('label', ''))}</a></p>"
                )
    return Markup("".join(out))  # noqa: S704 (every value above is escaped or rich text)


def page_body(page: Any, resolved: Resolved) -> Markup:
    return body_html(_raw_blocks(page), resolved)
