"""Admin and routing hooks of the content domain."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from wagtail import hooks
from wagtail.models import Page

from pwa_build.render import render_not_found, render_single


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
