"""The Jinja2 environment of the PWA templates, shared by the static build and the editor preview."""

from typing import Any

from jinja2 import Environment, select_autoescape


def environment(**options: Any) -> Environment:
    options.setdefault("autoescape", select_autoescape(default=True, default_for_string=True))
    env = Environment(**options)  # noqa: S701 (autoescape is set just above)
    return env
