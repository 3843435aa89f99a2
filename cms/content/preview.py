"""Editor preview: the draft rendered by the static build's own renderer and templates.

Wagtail's preview hands the draft to wagtail-headless-preview, which stores it under a signed
token and redirects (redirect mode) to `/preview/?content_type=…&token=…`, served here.
"""

from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.core.signing import BadSignature, TimestampSigner
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET
from wagtail.models import Page
from wagtail_headless_preview.models import HeadlessPreviewMixin, PagePreview

from pwa_build import assets
from pwa_build.render import render_preview

PREVIEW_APPS = ("content", "surveys")


def enable_headless_preview() -> None:
    """Gives every page type of our apps wagtail-headless-preview's preview behaviour.

    The mixin would normally be a base class of each page model; adding its methods here keeps
    the preview wiring in one place of the content domain.
    """
    members = {
        name: value
        for klass in reversed(HeadlessPreviewMixin.__mro__[:-1])
        for name, value in vars(klass).items()
        if not name.startswith("__")
    }
    for model in apps.get_models():
        if (
            issubclass(model, Page)
            and model._meta.app_label in PREVIEW_APPS
            and not issubclass(model, HeadlessPreviewMixin)
        ):
            for name, value in members.items():
                setattr(model, name, value)


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
        content_type = ContentType.objects.get_by_natural_key(app_label, model)
        TimestampSigner(salt="headlesspreview.token").unsign(token)
        stored = PagePreview.objects.get(content_type=content_type, token=token)
    except (ValueError, ContentType.DoesNotExist, BadSignature, PagePreview.DoesNotExist):
        raise Http404("プレビューが見つかりません。もう一度プレビューを開いてください。") from None
    assets.manifest().refresh()
    html = render_preview(stored.as_page(), asset=_preview_asset)
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = _csp()
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
