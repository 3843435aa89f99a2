"""What the build's shortcuts must not change: the site's Jinja2 environment looks a name up on a
plain dict as an item at once (no AttributeError raised and caught per lookup), and gives what
Jinja2's own environment gives for every kind of lookup."""

import sys
from typing import Any

import jinja2
from markupsafe import Markup

from pwa_build.jinja import environment

TEMPLATE = (
    "{{ d.name }}|{{ d.missing }}|{{ d.missing is undefined }}|{{ d['name'] }}|"
    "{{ d.get('name') }}|{{ d.items()|list|length }}|{{ d.keys()|list|join(',') }}|"
    "{{ d.nested.inner }}|{{ d.markup }}|{{ o.name }}|{{ o.attribute }}|{{ o.items()|list|length }}|"
    "{{ n.name }}|{{ n.missing }}"
)


class WithAttribute(dict[str, Any]):
    """A dict subclass with an attribute of its own: the attribute wins, as in Jinja2."""

    attribute = "属性"


class Named:
    name = "オブジェクト"


def context() -> dict[str, Any]:
    return {
        "d": {
            "name": "県<人事課>",
            "nested": {"inner": "中"},
            "markup": Markup("<b>太</b>"),
        },
        "o": WithAttribute(name="サブクラス", attribute="項目"),
        "n": Named(),
    }


def test_dict_lookups_render_as_in_jinja2_own_environment() -> None:
    site = environment().from_string(TEMPLATE).render(context())
    plain = jinja2.Environment(autoescape=True).from_string(TEMPLATE).render(context())
    assert site == plain
    assert site.startswith("県&lt;人事課&gt;||True|県&lt;人事課&gt;|県&lt;人事課&gt;|3|")
    assert "|属性|" in site  # a subclass's own attribute, not its item


def test_a_dict_item_is_taken_without_raising_attribute_error() -> None:
    """The shortcut itself: `{{ site.name }}` on a plain dict raises nothing to be caught (Jinja2's
    own environment raises and catches an AttributeError per lookup, dozens on every page)."""
    template = environment().from_string("{{ site.name }}{{ meta.title }}")
    raised: list[str] = []
    monitoring = sys.monitoring
    tool = monitoring.DEBUGGER_ID
    monitoring.use_tool_id(tool, "perf-invariants")
    try:
        monitoring.register_callback(
            tool,
            monitoring.events.RAISE,
            lambda _code, _offset, exc: raised.append(type(exc).__name__),
        )
        monitoring.set_events(tool, monitoring.events.RAISE)
        html = template.render(site={"name": "県"}, meta={"title": "お知らせ"})
    finally:
        monitoring.set_events(tool, 0)
        monitoring.register_callback(tool, monitoring.events.RAISE, None)
        monitoring.free_tool_id(tool)
    assert html == "県お知らせ"
    assert "AttributeError" not in raised
