"""The Jinja2 environment of the PWA templates, shared by the static build and the editor preview."""

import datetime as dt
from typing import Any

from django.conf import settings
from jinja2 import Environment, select_autoescape

from .assets import asset

WEEKDAYS = "月火水木金土日"


def ja_date(value: dt.date | dt.datetime | None) -> str:
    """2026-11-03 -> 2026年11月3日（火）: the date as Japanese readers expect it."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    return f"{value.year}年{value.month}月{value.day}日（{WEEKDAYS[value.weekday()]}）"


def site_globals() -> dict[str, Any]:
    return {
        "name": settings.SITE_NAME,
        "short_name": getattr(settings, "PWA_SHORT_NAME", "アルムナイ"),
        "org_name": settings.ORG_NAME,
        "base_url": settings.PWA_BASE_URL,
        "api_origin": settings.API_ORIGIN,
        "theme_color": getattr(settings, "PWA_THEME_COLOR", "#0b5394"),
    }


def _privacy_notice() -> dict[str, Any]:
    from cms.analytics.inventory import privacy_notice_data

    return privacy_notice_data()


def environment(**options: Any) -> Environment:
    options.setdefault("autoescape", select_autoescape(default=True, default_for_string=True))
    options.setdefault("trim_blocks", True)
    options.setdefault("lstrip_blocks", True)
    # The site has a few dozen templates: a plain dict keeps them all, where the default
    # least-recently-used cache takes a lock and reorders a queue on every include.
    options.setdefault("cache_size", -1)
    env = Environment(**options)  # noqa: S701 (autoescape is set just above)
    env.globals["asset"] = asset
    env.globals["site_info"] = site_globals
    env.filters["ja_date"] = ja_date
    env.globals["privacy_notice"] = _privacy_notice
    return env
