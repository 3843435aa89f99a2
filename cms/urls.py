"""URLs of the CMS and API origin: the Wagtail admin, the JSON API, editor preview."""

from django.conf import settings
from django.urls import URLPattern, URLResolver, include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms.api_errors import api_not_found
from cms.content.preview import preview as content_preview
from cms.staff_login import StaffLoginView

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/2fa/", include("cms.staff_otp_views")),  # the staff second factor
    path("admin/login/", StaffLoginView.as_view(), name="staff-login"),  # before Wagtail's own
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v1/", include("cms.api")),
    re_path(r"^api/", api_not_found),  # another API version or a typo: the API's JSON 404
    path("preview/", content_preview, name="pwa-preview"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]

# Under /api/ errors answer the API's JSON shape; elsewhere Django's pages.
handler400 = "cms.api_errors.bad_request"
handler403 = "cms.api_errors.permission_denied"
handler404 = "cms.api_errors.page_not_found"
handler500 = "cms.api_errors.server_error"
