"""Editor preview: the draft rendered by the static build's own renderer and templates.

Every page type has wagtail-headless-preview's `HeadlessPreviewMixin` among its bases: Wagtail's
preview hands it the draft, which it stores under a signed token and redirects (redirect mode)
to `/preview/?content_type=…&token=…`, served here.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.core.signing import BadSignature
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET
from wagtail_headless_preview.models import HeadlessPreviewMixin

from pwa_build import assets
from pwa_build.render import render_preview


def _preview_asset(relative: str) -> str:
    # The preview lives on the CMS origin; the stylesheet and scripts on the PWA's.
    return settings.PWA_BASE_URL + assets.manifest().url(relative)


def _csp() -> str:
    pwa = settings.PWA_BASE_URL
    return (
        f"default-src 'self'; script-src 'self' {pwa}; style-src 'self' {pwa}; "
        f"img-src 'self' data: {pwa}; font-src 'self' {pwa}; connect-src 'self'; "
        "form-action 'none'; frame-ancestors 'self'; base-uri 'none'; object-src 'none'"
    )


@require_GET
@xframe_options_sameorigin
def preview(request: HttpRequest) -> HttpResponse:
    """The draft behind a headless-preview token, for editors only."""
    user: Any = request.user
    if not user.is_authenticated or not user.has_perm("wagtailadmin.access_admin"):
        return redirect_to_login(request.get_full_path(), login_url="wagtailadmin_login")
    token = request.GET.get("token", "")
    try:
        app_label, model = request.GET.get("content_type", "").split(".", 1)
        page_type: Any = ContentType.objects.get_by_natural_key(app_label, model).model_class()
        if page_type is None or not issubclass(page_type, HeadlessPreviewMixin):
            raise ValueError(model)
        page = page_type.get_page_from_preview_token(token)
    except (ValueError, ContentType.DoesNotExist, BadSignature):
        page = None
    if page is None:
        raise Http404("プレビューが見つかりません。もう一度プレビューを開いてください。")
    assets.manifest().refresh()
    html = render_preview(page, asset=_preview_asset)
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = _csp()
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
