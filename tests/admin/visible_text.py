"""What a person sees of an admin screen: its visible text and the labels read aloud, and which
of it is English UI wording from a list (the tests that keep the admin Japanese use this)."""

import re
from html.parser import HTMLParser

# Words and phrases of Wagtail's and Django's English UI. A screen that shows one of them (as a
# whole word, in visible text or in a label read aloud) has a string left untranslated.
ENGLISH_UI = (
    "Actions",
    "Add",
    "Add child page",
    "All",
    "Any",
    "Are you sure",
    "Autosave",
    "Back",
    "Bulk actions",
    "Cancel",
    "Choose",
    "Clear",
    "Close",
    "Collapse all",
    "Comments",
    "Copy",
    "Create",
    "Dashboard",
    "Date updated",
    "Delete",
    "Documents",
    "Draft",
    "Edit",
    "Edited by",
    "Expand all",
    "Explore",
    "Filter",
    "Help",
    "History",
    "Images",
    "Insert a block",
    "Last updated",
    "Live",
    "Loading",
    "Log out",
    "Main menu",
    "More",
    "Move",
    "Name",
    "Next",
    "No",
    "None",
    "Page",
    "Pages",
    "Preview",
    "Previous",
    "Publish",
    "Reports",
    "Save",
    "Save draft",
    "Saved",
    "Search",
    "Select",
    "Settings",
    "Show",
    "Snippets",
    "Sort",
    "Status",
    "Submit",
    "Title",
    "Toggle",
    "True",
    "False",
    "Type",
    "Unpublish",
    "Updated",
    "Upload",
    "Users",
    "View",
    "Yes",
    "of",
    "Pin toolbar",
    "Write something",
    "Changes have been autosaved",
    "Minimap",
    # Wagtail's own groups as its migrations name them (the user and group screens).
    "Editors",
    "Moderators",
    # Wagtail's default workflow is named after its group ("Moderators approval"), which the
    # editor's action menu shows as 「… に提出する」.
    "approval",
)
_PATTERN = re.compile(
    r"(?<![A-Za-z])("
    + "|".join(re.escape(w) for w in sorted(ENGLISH_UI, key=len, reverse=True))
    + r")(?![A-Za-z])"
)
# Elements whose text is not shown; attributes that are read aloud or shown as hints.
_HIDDEN = {"script", "style", "template", "noscript", "head", "textarea"}
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
_READ_ALOUD = ("aria-label", "placeholder", "title", "alt")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.texts: list[str] = []

    def _hidden(self) -> bool:
        return any(hidden for _, hidden in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        hidden = tag in _HIDDEN or "hidden" in values or values.get("type") == "hidden"
        if not hidden and not self._hidden():
            for name in _READ_ALOUD:
                if values.get(name):
                    self.texts.append(str(values[name]))
            if (
                tag == "input"
                and values.get("type") in {"submit", "button"}
                and values.get("value")
            ):
                self.texts.append(str(values["value"]))
        if tag not in _VOID:
            self.stack.append((tag, hidden))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if data.strip() and not self._hidden():
            self.texts.append(data.strip())


def visible_texts(html: str) -> list[str]:
    """The text pieces a person sees or hears on a screen rendered as `html`."""
    collector = _Collector()
    collector.feed(html)
    return collector.texts


def english_ui(texts: list[str]) -> list[str]:
    """The pieces of `texts` that contain English UI wording from ENGLISH_UI."""
    return [text for text in texts if _PATTERN.search(text)]
