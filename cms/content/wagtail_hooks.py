"""Admin and routing hooks of the content domain."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import URLPattern, path
from django.utils.html import format_html
from django.utils.safestring import SafeString
from wagtail import hooks
from wagtail.models import Page

from pwa_build.render import render_not_found, render_single

from .forms import mark_autosave
from .views import notice_reach


@hooks.register("before_serve_page")
def serve_with_the_pwa_renderer(
    page: Page, request: HttpRequest, serve_args: Any, serve_kwargs: Any
) -> HttpResponse | None:
    """Wagtail's own routing shows a page exactly as the static build writes it, and never a
    page the build leaves out (members-only notices, pages behind a view restriction). Only
    that page's data is read: the queries do not grow with the size of the site."""
    if request.method not in ("GET", "HEAD"):
        return None
    html = render_single(page.specific)
    if html is None:
        return HttpResponse(render_not_found(), status=404, content_type="text/html; charset=utf-8")
    return HttpResponse(html, content_type="text/html; charset=utf-8")


@hooks.register("register_admin_urls")
def register_notice_reach_url() -> list[URLPattern]:
    return [path("notices/reach/", notice_reach, name="content_notice_reach")]


@hooks.register("before_edit_page")
def recognise_autosave(request: HttpRequest, page: Page) -> None:
    """The editor's autosave posts the same form as 下書き保存 but asks for JSON (Wagtail's
    JsonPostResponseMixin): mark it, so the page form refuses it once a publish has overtaken
    it (cms.content.forms.RevisionSafePageForm). The page is the very instance the form saves."""
    if request.method == "POST" and not request.accepts("text/html"):
        mark_autosave(page)


@hooks.register("insert_editor_js")
def stop_autosave_on_submit() -> SafeString:
    """Every editor: an autosave is not sent after the form has been submitted (a file, as the
    strict CSP wants; its name carries its hash in production)."""
    return format_html('<script src="{}" defer></script>', static("content/js/editor-autosave.js"))
