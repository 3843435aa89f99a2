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


_DICT_ATTRIBUTES = frozenset(dir(dict))


class SiteEnvironment(Environment):
    """Jinja2's environment, with `{{ site.name }}` on a plain dict looked up as an item at
    once. Jinja tries the attribute first and falls back to the item on AttributeError: for
    the site, meta and contact dicts every page shows, that is an exception raised and caught
    per lookup, a few dozen per page. A plain dict has no attributes but its methods, so the
    outcome is Jinja's own: the item, or undefined (`site.items` is still the method)."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return Environment.getattr(self, obj, attribute)


def environment(**options: Any) -> Environment:
    options.setdefault("autoescape", select_autoescape(default=True, default_for_string=True))
    options.setdefault("trim_blocks", True)
    options.setdefault("lstrip_blocks", True)
    # The site has a few dozen templates: a plain dict keeps them all, where the default
    # least-recently-used cache takes a lock and reorders a queue on every include.
    options.setdefault("cache_size", -1)
    env = SiteEnvironment(**options)  # autoescape is set just above
    env.globals["asset"] = asset
    env.globals["site_info"] = site_globals
    env.filters["ja_date"] = ja_date
    env.globals["privacy_notice"] = _privacy_notice
    return env
