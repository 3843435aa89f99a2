"""WSGI entry point for gunicorn."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.production")

application = get_wsgi_application()

# Load every view now (the URL patterns import them), then move what is loaded — Django,
# Wagtail, DRF, the app's modules — out of the cyclic collector's sight: it lives as long as the
# process, and a full collection walking all of it stalled every thread of a worker for tens
# of milliseconds (the chat's p99). Collections then only walk what requests create.
get_resolver().url_patterns  # noqa: B018 (imports the URLconf and its views)
gc.collect()
gc.freeze()
