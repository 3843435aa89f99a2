"""Settings shared by every environment; each value that differs per deployment comes from the environment."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    """One environment variable, stripped; the default when unset or empty."""
    return os.environ.get(name, "").strip() or default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if not value:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


ORG_NAME = env("ORG_NAME", "宮城県")
SITE_NAME = env("SITE_NAME", f"{ORG_NAME} アルムナイネットワーク")

# Where the static PWA lives (canonical URLs, links in mail) and where it calls the API.
PWA_BASE_URL = env("PWA_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
API_ORIGIN = env("API_ORIGIN", PWA_BASE_URL).rstrip("/")
PWA_DIST_DIR = Path(env("PWA_DIST_DIR", str(BASE_DIR / "dist")))

SECRET_KEY = env("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "cms.content",
    "cms.surveys",
    "cms.alumni",
    "cms.groups",
    "cms.groups.chat",
    "cms.push",
    "cms.analytics",
    "cms.reports",
    "cms.comeback",
    "wagtail_headless_preview",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "rest_framework",
    "drf_spectacular",
    "corsheaders",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cms.alumni.sessions.AlumniSessionRenewalMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cms.staff_otp.StaffSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        # The PWA's own templates: the static build and the editor preview render with these.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "site_templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "pwa_build.jinja.environment",
            "extensions": ["wagtail.jinja2tags.core", "wagtail.images.jinja2tags.images"],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cms" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cms.context_processors.branding",
                "cms.context_processors.admin_messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the background worker write while the server reads.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # The delivery monitor's covering indexes (INCLUDE) are PostgreSQL's; SQLite builds them
    # without the extra columns, which is all a small demo or test database needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
    DATABASES["default"]["CONN_MAX_AGE"] = 0

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Wagtail's search index uses PostgreSQL's full-text search and GIN indexes.
    INSTALLED_APPS.append("django.contrib.postgres")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis, shared by every server process, as Django's cache: sessions are read from it (written
# through to the database), the chat batches its pushes there. Unset (the demo, a laptop), each
# process keeps its own cache in memory and sessions are read from the database.
REDIS_URL = env("REDIS_URL")
# Keys in Redis start with this (several sites or test runs may share one Redis).
REDIS_KEY_PREFIX = env("REDIS_KEY_PREFIX", "alumni")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if not REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": REDIS_KEY_PREFIX,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}
SESSION_ENGINE = f"django.contrib.sessions.backends.{'cached_db' if REDIS_URL else 'db'}"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
# Japanese for the admin strings Wagtail and Django leave untranslated (cms/locale/ja/).
LOCALE_PATHS = [BASE_DIR / "cms" / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Mail: SMTP with settings from the environment (Django 6.1's MAILERS).
MAILERS = {
    "default": {
        "BACKEND": env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"),
        "OPTIONS": {
            "host": env("EMAIL_HOST", "127.0.0.1"),
            "port": int(env("EMAIL_PORT", "25")),
            "username": env("EMAIL_HOST_USER") or None,
            "password": env("EMAIL_HOST_PASSWORD") or None,
            "use_tls": env_bool("EMAIL_USE_TLS"),
            # Short: a hung mail server must not hold a worker for long (mail has its own
            # queue and worker, so it never delays pushes or builds either).
            "timeout": int(env("EMAIL_TIMEOUT", "10")),
        },
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <no-reply@alumni.example.jp>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work: Django's tasks API, queued in the database, run by `manage.py db_worker`.
# Three queues, each with its own worker, so that none waits behind another (see README,
# "Deployment outline"): "default" (push, search index …), "pwa" (static builds after a publish,
# live within a fraction of a second) and "mail" (invitations and login codes: a slow or hung
# mail server delays only other mail).
TASK_QUEUES = ["default", "pwa", "mail"]
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": TASK_QUEUES,
    }
}

# Staff sign-in (/admin/login/): failed passwords per (username, network) and per network
# within ALUMNI_THROTTLE_WINDOW_SECONDS, and per username and day (then locked for the day).
WAGTAILADMIN_USER_LOGIN_FORM = "cms.staff_login.ThrottledLoginForm"
STAFF_LOGIN_FAILURES_PER_USER_NETWORK = 5
STAFF_LOGIN_FAILURES_PER_NETWORK = 20
# Failed staff sign-ins of one username in a day before it is locked until the next day.
STAFF_LOGIN_FAILURES_PER_DAY = int(env("STAFF_LOGIN_FAILURES_PER_DAY", "20"))
# A browser that completed a staff sign-in keeps a device cookie this many days: with it, only
# its own failures count (strangers' failures cannot lock its owner out; cms/staff_login.py).
STAFF_LOGIN_DEVICE_DAYS = int(env("STAFF_LOGIN_DEVICE_DAYS", "90"))
# The staff second factor (cms/staff_otp.py): the name authenticator apps show for this site;
# wrong codes count toward the staff sign-in throttle above, not a pause of django-otp's own.
OTP_TOTP_ISSUER = f"{SITE_NAME} 管理画面"
OTP_TOTP_THROTTLE_FACTOR = 0

# Wagtail
WAGTAIL_SITE_NAME = SITE_NAME
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", API_ORIGIN)
WAGTAILADMIN_PERMITTED_LANGUAGES = [("ja", "日本語")]
WAGTAIL_I18N_ENABLED = False
# Staff see every time in Japan's time zone, which is the employer's: the account page offers no
# other. Wagtail's default list is every zone the system's tzdata names, which on Debian includes
# "localtime" (a symlink), a name browsers refuse; the page's script failed on it.
WAGTAIL_USER_TIME_ZONES = [TIME_ZONE]
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No Gravatar: it would send a hash of each staff member's email address to a third party.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Draftail, its editor named by the field's label for a screen reader (Wagtail's is nameless).
WAGTAILADMIN_RICH_TEXT_EDITORS = {
    "default": {"WIDGET": "cms.admin_forms.LabelledDraftailRichTextArea"}
}
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "pdf", "txt", "xlsx", "docx"]
WAGTAIL_HEADLESS_PREVIEW = {
    "CLIENT_URLS": {"default": env("PREVIEW_CLIENT_URL", f"{API_ORIGIN}/preview/")},
    "SERVE_BASE_URL": PWA_BASE_URL,
    "REDIRECT_ON_PREVIEW": True,
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["cms.api_parsers.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cms.api_errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "PREPROCESSING_HOOKS": ["cms.api.only_public_api"],
    # `<id:…>` (cms.converters): an integer of at most 18 digits.
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "minimum": 0, "maximum": 999_999_999_999_999_999}
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# The PWA may live on another origin of the same site: allow exactly that origin, with cookies.
CORS_ALLOWED_ORIGINS = [o for o in {PWA_BASE_URL} if o != API_ORIGIN]
CORS_ALLOW_CREDENTIALS = True
CORS_URLS_REGEX = r"^/api/.*$"
CSRF_TRUSTED_ORIGINS = sorted({PWA_BASE_URL, API_ORIGIN})

# Staff (admin) sessions stay short: 8 hours, ended with the browser unless Wagtail's
# 「ログインしたままにする」 is ticked. Alumni sessions get ALUMNI_SESSION_DAYS at sign-in instead.
STAFF_SESSION_HOURS = int(env("STAFF_SESSION_HOURS", "8"))
SESSION_COOKIE_AGE = STAFF_SESSION_HOURS * 60 * 60
# Alumni sessions: sliding expiry, renewed on use (cms.alumni.sessions) for people who open
# the app about once a month.
ALUMNI_SESSION_DAYS = int(env("ALUMNI_SESSION_DAYS", "180"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Push and delivery
# VAPID `sub`: a contact the push services can reach (mailto: or https:).
PUSH_VAPID_SUBJECT = env("PUSH_VAPID_SUBJECT", "mailto:alumni@alumni.example.jp")
# Hosts a subscription endpoint may point at (https only); "*.example" allows any subdomain.
PUSH_SERVICE_HOSTS = env_list(
    "PUSH_SERVICE_HOSTS",
    "fcm.googleapis.com,updates.push.services.mozilla.com,*.push.apple.com,*.notify.windows.com",
)
# Extra CA bundle the sender trusts (a private push gateway; the tests' local service).
PUSH_CA_FILE = env("PUSH_CA_FILE")
PUSH_TTL_SECONDS = int(env("PUSH_TTL_SECONDS", str(24 * 60 * 60)))
PUSH_URGENCY = env("PUSH_URGENCY", "normal")
# Concurrent requests in flight per push service (origin).
PUSH_CONCURRENCY_PER_SERVICE = int(env("PUSH_CONCURRENCY_PER_SERVICE", "64"))
# 429/503: wait in the same task when the service asks for at most this long, else re-enqueue.
PUSH_INLINE_RETRY_MAX_SECONDS = int(env("PUSH_INLINE_RETRY_MAX_SECONDS", "30"))
PUSH_MAX_ATTEMPTS = int(env("PUSH_MAX_ATTEMPTS", "5"))
# Browsers (subscriptions) one alumnus may register for push; a new one beyond replaces the oldest.
PUSH_MAX_SUBSCRIPTIONS_PER_ALUMNUS = int(env("PUSH_MAX_SUBSCRIPTIONS_PER_ALUMNUS", "10"))
# How long a worker's claim on a delivery or invitation mail holds (renewed as it progresses);
# past it, `manage.py sweep_claims` (run by the scheduler) gives the work to another worker.
DELIVERY_LEASE_SECONDS = int(env("DELIVERY_LEASE_SECONDS", "300"))
# A push (5xx, timeout, reset, 429/503 without Retry-After) or notice mail that failed for now is
# tried again after DELIVERY_RETRY_BASE_SECONDS, doubled each time up to the cap; after the last
# attempt push falls back to mail.
DELIVERY_RETRY_BASE_SECONDS = float(env("DELIVERY_RETRY_BASE_SECONDS", "30"))
DELIVERY_RETRY_MAX_SECONDS = float(env("DELIVERY_RETRY_MAX_SECONDS", "3600"))
MAIL_MAX_ATTEMPTS = int(env("MAIL_MAX_ATTEMPTS", "5"))
# The admin warns (a banner on every screen) when a queue's oldest ready task has waited this
# long: no worker is taking tasks.
TASK_STALLED_MINUTES = int(env("TASK_STALLED_MINUTES", "5"))
PUSH_TIMEOUT_SECONDS = float(env("PUSH_TIMEOUT_SECONDS", "30"))

# Alumni identity
ALUMNI_INVITATION_VALID_DAYS = int(env("ALUMNI_INVITATION_VALID_DAYS", "90"))
ALUMNI_LOGIN_CODE_MINUTES = 10
# A login code whose mail failed is tried again after these pauses (all within its validity).
ALUMNI_CODE_MAIL_RETRY_SECONDS = [30, 120]
# 「未送信の全員に招待メールを送る」 queues one task per this many entries, each its own transaction.
ALUMNI_INVITATION_BATCH_SIZE = int(env("ALUMNI_INVITATION_BATCH_SIZE", "200"))
# Wrong tries that kill a login code, counted from the network that asked for it.
ALUMNI_LOGIN_CODE_MAX_TRIES = 5
# Within the window, hashed: code requests per email and per network; wrong codes per (email,
# network) and per network. A "network" is an IPv4 address or an IPv6 /64.
ALUMNI_THROTTLE_WINDOW_SECONDS = 15 * 60
ALUMNI_THROTTLE_CODE_REQUESTS_PER_EMAIL = 5
ALUMNI_THROTTLE_CODE_REQUESTS_PER_IP = 30
ALUMNI_THROTTLE_WRONG_CODES_PER_EMAIL = 5
ALUMNI_THROTTLE_WRONG_CODES_PER_IP = 20
# Wrong codes per account and day (and per account and network and day): at the cap the owner
# gets a notice mail and a code answers only the network that asked for it.
ALUMNI_THROTTLE_WRONG_CODES_PER_DAY = int(env("ALUMNI_THROTTLE_WRONG_CODES_PER_DAY", "10"))
# Export and account deletion ask for a fresh login code when the sign-in is older than this.
ALUMNI_FRESH_LOGIN_HOURS = int(env("ALUMNI_FRESH_LOGIN_HOURS", "24"))
# `manage.py purge_auth_records` deletes login codes (with unconfirmed new addresses), throttle
# records and roster uploads left unconfirmed after this many hours.
ALUMNI_PURGE_AFTER_HOURS = int(env("ALUMNI_PURGE_AFTER_HOURS", "48"))
# New email addresses asked for by one alumnus (each gets a code by mail), within the window.
ALUMNI_THROTTLE_EMAIL_CHANGES_PER_ALUMNUS = 3

# Engagement signals (cms/analytics): raw signals are purged after this many months (two
# application seasons); the monthly per-person counts stay while the person is registered.
SIGNALS_RETENTION_MONTHS = int(env("SIGNALS_RETENTION_MONTHS", "25"))
# The most signals one beacon may carry.
SIGNALS_PER_BATCH = 50
# Comeback reminders (cms/comeback/reminders.py, opted-in alumni only): the first is sent this
# many months before the person's eligibility window closes.
COMEBACK_REMINDER_MONTHS_BEFORE = int(env("COMEBACK_REMINDER_MONTHS_BEFORE", "6"))
# Reverse proxies in front of the app that append the client address to X-Forwarded-For; the
# per-IP throttles trust that header only this many hops deep (0: use the peer address).
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))
ALUMNI_PRIVACY_NOTICE_VERSION = env("ALUMNI_PRIVACY_NOTICE_VERSION", "2026-04")
# The contract's registrant target (Miyagi's is at least 50), shown against the registrants on
# the admin home and in the monthly and fiscal-year reports.
ALUMNI_REGISTRATION_TARGET = int(env("ALUMNI_REGISTRATION_TARGET", "50"))
# Where the PWA's registration screen lives; the invitation code goes in its fragment (#code=).
ALUMNI_REGISTER_PATH = "/app/register/"
API_MAX_REQUEST_BYTES = 64 * 1024
API_MAX_JSON_DEPTH = 32  # lists and objects in a request body; ours nest 3 deep
ALUMNI_LETTER_FONT = env(
    "ALUMNI_LETTER_FONT", "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"
)
# The font for what the letter's font lacks (𠮷 of 𠮷田): IPAmj Mincho, Debian's
# fonts-ipamj-mincho.
ALUMNI_LETTER_FALLBACK_FONT = env(
    "ALUMNI_LETTER_FALLBACK_FONT", "/usr/share/fonts/truetype/ipamj/ipamjm.ttf"
)

# PWA build
# Publishing, unpublishing, moving or deleting a live page queues an incremental build of dist/.
PWA_BUILD_ON_PUBLISH = env_bool("PWA_BUILD_ON_PUBLISH", True)
PWA_SHORT_NAME = env("PWA_SHORT_NAME", "アルムナイ")
PWA_THEME_COLOR = env("PWA_THEME_COLOR", "#0b5394")

# Community chat
CHAT_MESSAGE_MAX_CHARS = 2000
# Own messages can be edited for this long after posting (deleting is always possible).
CHAT_EDIT_MINUTES = int(env("CHAT_EDIT_MINUTES", "15"))
CHAT_PAGE_SIZE = 50
# Flood limit: a member's posts (in all groups) within a minute; the next gets 429 until the
# oldest of them is a minute old. Retries of a post (same client_id) do not count.
CHAT_POSTS_PER_MINUTE = int(env("CHAT_POSTS_PER_MINUTE", "10"))
# At most one "new messages" push per member and group within this interval.
CHAT_PUSH_MIN_INTERVAL_SECONDS = int(env("CHAT_PUSH_MIN_INTERVAL_SECONDS", str(5 * 60)))
# The push waits this long, so that members with the chat open (polling) are not pushed.
CHAT_PUSH_DELAY_SECONDS = int(env("CHAT_PUSH_DELAY_SECONDS", "10"))
# Messages and moderation records older than this are deleted by `manage.py purge_chat`.
CHAT_RETENTION_DAYS = int(env("CHAT_RETENTION_DAYS", str(3 * 365)))
# The PWA may poll from another origin: it sends If-None-Match and reads the ETag.
from corsheaders.defaults import default_headers  # noqa: E402

CORS_ALLOW_HEADERS = (*default_headers, "if-none-match")
CORS_EXPOSE_HEADERS = ["ETag"]

# A fan-out walks its audience this many alumni at a time, each slice planned, pushed and
# mailed before the next is read (cms.push.services.item_fan_out): the first push goes out
# after one slice's planning, and a worker that dies leaves at most one slice in its hands.
FAN_OUT_SLICE = int(env("FAN_OUT_SLICE", "1000"))
