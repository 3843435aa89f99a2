"""What every browser test checks on a screen a person sees: axe (JIS X 8341-3 AA = WCAG 2.1 AA),
tap targets of at least 44 px, and a 390 px screenshot in `var/screenshots/` for a reviewer."""

from pathlib import Path
from typing import Any

import axe_playwright_python

AXE_JS = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}
MIN_TAP = 44

# Controls a finger must hit, links on a line of their own (a.more) among them; links inside running
# text are exempt (WCAG 2.5.8's inline exception).
_SMALL_TARGETS = """(min) => Array.from(document.querySelectorAll(
  'button, [role=button], input:not([type=hidden]), select, textarea, a.button, a.more, nav a, .tabbar a'
)).filter((el) => {
  const r = el.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) return false;  // not shown
  const style = getComputedStyle(el);
  if (style.visibility === 'hidden') return false;
  const box = el.type === 'checkbox' || el.type === 'radio' ? el.closest('label, .check') || el : el;
  const b = box.getBoundingClientRect();
  return Math.max(r.height, b.height) < min || Math.max(r.width, b.width) < min;
}).map((el) => el.outerHTML.slice(0, 120))"""


# Running animations with an end are taken to it at once: the state the screen settles in, the
# same as waiting for them, without the wait (Wagtail's badge of new menu items pings for 25 s,
# five times five seconds, on every admin screen unless the person asked for reduced motion).
_FINISH_ANIMATIONS = """() => document.getAnimations().forEach((a) => {
  if (a.playState === 'running' && a.effect && a.effect.getComputedTiming().endTime !== Infinity) {
    a.finish();
  }
})"""


def axe_violations(page: Any) -> list[Any]:
    """The axe rules of WCAG 2.0 A/AA and 2.1 AA that the page breaks, with the nodes; read
    once nothing is animating (a message sliding in has no final colours yet)."""
    page.evaluate(_FINISH_ANIMATIONS)
    page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")
    page.evaluate(AXE_JS)
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    assert len(result["passes"]) > 5  # axe really looked at the page
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]


# A form field's state after a refused submit: whether it is marked invalid, the texts its
# aria-describedby names, the error shown in its wrapper and whether it has the focus.
_FIELD_STATE = """(input) => {
  const described = (input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
  const field = input.closest('[data-field-wrapper], .w-field__wrapper') || input.parentElement;
  return {
    invalid: input.getAttribute('aria-invalid'),
    described: described.map((id) => document.getElementById(id)?.innerText.trim() ?? '!' + id),
    error: field.querySelector('.error-message')?.innerText.trim() ?? null,
    focused: document.activeElement === input,
  };
}"""


def refused_field(page: Any, selector: str) -> dict[str, Any]:
    """How an admin form's field refused on submit reads to a person and a screen reader."""
    return dict(page.locator(selector).evaluate(_FIELD_STATE))


def small_tap_targets(page: Any) -> list[str]:
    """Controls on screen smaller than 44 × 44 px (checkboxes count with their label)."""
    return list(page.evaluate(_SMALL_TARGETS, MIN_TAP))


# WCAG's contrast ratio of an element's text on its own background, both faded by its opacity
# over the white page: what axe does not measure on a disabled control.
_TEXT_CONTRAST = """(el) => {
  const style = getComputedStyle(el);
  const alpha = parseFloat(style.opacity);
  const shown = (colour) => colour.match(/[\\d.]+/g).slice(0, 3)
    .map((v) => alpha * Number(v) + (1 - alpha) * 255);
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [shown(style.color), shown(style.backgroundColor)].map(luminance)
    .sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}"""


# The focused element's outline against what it is drawn on (the first ancestor with a background):
# WCAG 1.4.11 asks 3:1 for the focus indicator.
_FOCUS_RING_CONTRAST = """() => {
  const el = document.activeElement;
  let under = el.parentElement;
  while (under && getComputedStyle(under).backgroundColor.endsWith(', 0)')) under = under.parentElement;
  const rgb = (colour) => colour.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const luminance = (c) => {
    const [r, g, b] = c.map((v) => {
      const x = v / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ring = luminance(rgb(getComputedStyle(el).outlineColor));
  const ground = luminance(rgb(under ? getComputedStyle(under).backgroundColor : 'rgb(255, 255, 255)'));
  return (Math.max(ring, ground) + 0.05) / (Math.min(ring, ground) + 0.05);
}"""


def focus_ring_contrast(page: Any) -> float:
    """The contrast ratio of the focused element's outline on the background around it."""
    return float(page.evaluate(_FOCUS_RING_CONTRAST))


def text_contrast(locator: Any) -> float:
    """The contrast ratio of the element's text on its opaque background (opacity included)."""
    return float(locator.evaluate(_TEXT_CONTRAST))


def screenshot(page: Any, name: str) -> Path:
    """Writes `var/screenshots/<name>.png` (not committed) so a reviewer can look."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
