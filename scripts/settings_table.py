"""The table of settings in docs/configuration.md, generated from the settings themselves.

Every environment variable the settings read (`env`, `env_bool`, `env_list` in
cms/settings/{base,production,dev}.py) is a row: its default as written there, and its meaning
from the comment directly above where it is read (or above the setting that reads it).

    python scripts/settings_table.py            # print the page
    python scripts/settings_table.py --write    # write docs/configuration.md
"""

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ("base", "production", "dev")
READERS = {"env", "env_bool", "env_list"}
PAGE = ROOT / "docs" / "configuration.md"
HEAD = """# Configuration

Every setting that differs per deployment comes from the environment. This page is generated
from `cms/settings/` by `python scripts/settings_table.py --write` (a test fails when it is out
of date, or when a variable has no comment saying what it is for). `DJANGO_SETTINGS_MODULE` is
`cms.settings.dev` for `manage.py`, `cms.settings.production` for `cms/wsgi.py`,
`cms.settings.test` for pytest. The variables a deployment must set are listed in the README.

| variable | meaning | default | read in |
| --- | --- | --- | --- |
"""


# Meanings of variables whose comment is missing or says less (section headings, one comment
# for several variables): the registry comes first, then the comment. A variable with neither
# fails the test.
MEANINGS = {
    "ALUMNI_INVITATION_VALID_DAYS": "days an invitation code stays usable",
    "PWA_BUILD_ON_PUBLISH": "publishing queues an incremental build; a notice's push and mail go "
    "out once a build containing it is live (off: the publish itself queues them)",
    "EMAIL_BACKEND": "Django's mail backend (dev without `EMAIL_HOST`: files in `var/mail/`)",
    "EMAIL_HOST": "SMTP server",
    "EMAIL_PORT": "SMTP port",
    "EMAIL_HOST_USER": "SMTP user name",
    "EMAIL_HOST_PASSWORD": "SMTP password",
    "EMAIL_USE_TLS": "SMTP with STARTTLS",
    "ORG_NAME": "the organisation's name (admin branding, mail)",
    "SITE_NAME": "the product's name",
    "API_ORIGIN": "origin of the CMS and the JSON API, if not the PWA's (CORS allows exactly "
    "`PWA_BASE_URL`)",
    "PWA_DIST_DIR": "where the static build writes the PWA",
    "SECRET_KEY": "Django's secret key; production refuses to start without 50+ characters "
    "(dev: a fixed throwaway key)",
    "ALLOWED_HOSTS": "comma-separated host names of the CMS/API origin",
    "DATABASE_URL": "database, as a URL (`postgres://user@host:5432/name`)",
    "DATABASE_CONN_MAX_AGE": "seconds a database connection is kept open between requests",
    "MEDIA_ROOT": "uploaded images and documents",
    "DEFAULT_FROM_EMAIL": "sender of all mail",
    "TASKS_BACKEND": "Django's tasks backend (the database queue worked by `db_worker`)",
    "WAGTAILADMIN_BASE_URL": "base URL of the admin, in links of staff mail",
    "PREVIEW_CLIENT_URL": "where the editor preview renders the PWA's templates",
    "LOG_LEVEL": "root log level",
    "PUSH_TTL_SECONDS": "how long a push service keeps an undelivered push",
    "PUSH_URGENCY": "the push's `Urgency` header (`very-low`, `low`, `normal`, `high`)",
    "PUSH_MAX_ATTEMPTS": "attempts of a push (notice or chat; 5xx, timeout, reset, 429/503) "
    "before it is recorded as failed; a push then falls back to mail where the person accepts it",
    "DELIVERY_RETRY_MAX_SECONDS": "the cap of the retries' back-off (see "
    "`DELIVERY_RETRY_BASE_SECONDS`)",
    "MAIL_MAX_ATTEMPTS": "attempts of a mail (notice, invitation, digest) before it is recorded "
    "as failed",
    "PUSH_TIMEOUT_SECONDS": "how long one push request may take before it counts as failed for now",
    "ALUMNI_PRIVACY_NOTICE_VERSION": "the privacy notice's version a registration must accept",
    "ALUMNI_LETTER_FONT": "the Japanese font of the printed invitation letters (PDF)",
    "PWA_SHORT_NAME": "the installed app's name under its icon",
    "PWA_THEME_COLOR": "the installed app's theme colour",
    "SECURE_SSL_REDIRECT": "production: redirect HTTP to HTTPS",
    "SECURE_HSTS_SECONDS": "production: HSTS max-age (one year)",
}


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    meaning: str
    module: str


def _comment_above(lines: list[str], line: int) -> str:
    """The block of `#` lines ending just above `line` (1-based), joined."""
    block: list[str] = []
    number = line - 1
    while number >= 1 and lines[number - 1].strip().startswith("#"):
        block.insert(0, lines[number - 1].strip().lstrip("#").strip())
        number -= 1
    return " ".join(part for part in block if not part.startswith("noqa"))


def _default(source: str, call: ast.Call) -> str:
    if len(call.args) > 1:
        return ast.get_source_segment(source, call.args[1]) or ""
    if call.func.id == "env_bool":  # type: ignore[attr-defined]
        return "False"
    return "(unset)"


def settings_read(module: str) -> list[Setting]:
    """The variables one settings module reads, in the order it reads them."""
    path = ROOT / "cms" / "settings" / f"{module}.py"
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found: list[Setting] = []
    for statement in ast.parse(source).body:
        for node in ast.walk(statement):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in READERS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                continue
            name = node.args[0].value
            meaning = (
                MEANINGS.get(name)
                or _comment_above(lines, node.lineno)
                or _comment_above(lines, statement.lineno)
            )
            found.append(Setting(name, _default(source, node), meaning, module))
    return found


def settings_all() -> list[Setting]:
    """Each variable once, where it is first read (base before production before dev)."""
    seen: dict[str, Setting] = {}
    for module in MODULES:
        for setting in settings_read(module):
            seen.setdefault(setting.name, setting)
    return list(seen.values())


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def page() -> str:
    rows = [
        f"| `{s.name}` | {_cell(s.meaning) or '**(undocumented)**'} | `{_cell(s.default)}` "
        f"| `cms/settings/{s.module}.py` |"
        for s in settings_all()
    ]
    return HEAD + "\n".join(rows) + "\n"


if __name__ == "__main__":
    if "--write" in sys.argv:
        PAGE.write_text(page(), encoding="utf-8")
    else:
        sys.stdout.write(page())
