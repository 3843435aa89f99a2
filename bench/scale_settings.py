"""The scale benchmark's settings: the developer's, with mail kept in memory and DEBUG off (so
only the measured blocks record their queries)."""

from cms.settings.dev import *  # noqa: F403

DEBUG = False
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
