"""Template context shared by the admin templates: the organisation's name for branding."""

from django.conf import settings
from django.http import HttpRequest


def branding(request: HttpRequest) -> dict[str, str]:
    return {"ORG_NAME": settings.ORG_NAME, "SITE_NAME": settings.SITE_NAME}
