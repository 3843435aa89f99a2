"""Admin and routing hooks of the content domain."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.models import Page

from cms.admin_listing import local_time
from pwa_build.render import render_not_found, render_single

from .admin_views import build_failures_results_view, build_failures_view
from .forms import mark_autosave
from .selectors import build_failure_of
from .views import notice_reach
from .viewsets import OneAtATimePageViewSet, page_viewset


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
    return [
        path("notices/reach/", notice_reach, name="content_notice_reach"),
        path("build-failures/", build_failures_view, name="content_build_failures"),
        path(
            "build-failures/results/",
            build_failures_results_view,
            name="content_build_failures_results",
        ),
    ]


@hooks.register("register_admin_viewset")
def register_page_viewset() -> OneAtATimePageViewSet:
    """After Wagtail's default page viewset (its hook's order is -1), so this one replaces it."""
    return page_viewset


@hooks.register("register_admin_menu_item")
def register_build_failures_menu_item() -> MenuItem:
    return MenuItem(
        "サイト生成の失敗", reverse("content_build_failures"), icon_name="warning", order=270
    )


@hooks.register("before_edit_page")
def warn_of_build_failure(request: HttpRequest, page: Page) -> None:
    """The editor of a page the last build could not render says so, why and since when."""
    if request.method != "GET":
        return
    failure = build_failure_of(page_id=page.pk)
    if failure is None:
        return
    shown = (
        "公開サイトには以前の版が表示されています。"
        if failure.kept_previous
        else "このページは公開サイトに出ていません。"
    )
    messages.warning(
        request,
        f"このページはサイトの生成に失敗しています（{local_time(failure.since)} から）。"
        f"{shown}理由: {failure.reason}直して公開し直すと、次の生成で反映されます。",
    )


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
