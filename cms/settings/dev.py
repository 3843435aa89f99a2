"""Settings for a developer's laptop and `make demo`: DEBUG on, a fixed throwaway secret key."""

from .base import *  # noqa: F403
from .base import env

DEBUG = True
SECRET_KEY = env("SECRET_KEY", "dev-only-not-secret-" + "x" * 40)
ALLOWED_HOSTS = ["*"]
# The demo keeps mail on this machine: every message lands in var/mail/ as a .eml file.
if not env("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(BASE_DIR / "var" / "mail")},  # noqa: F405
        }
    }
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
