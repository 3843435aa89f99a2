"""HR's rich text fields in Wagtail's page editor, in Chromium: a screen reader names each
Draftail editor after its field (選考方法, 申込方法 of a job page) or, in a notice's body
(a StreamField), after its block (本文); axe finds no nameless text box on either editor."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cms.content.models import HomePage
from cms.staff_roles import PAGE_EDITORS
from tests.browser.conftest import in_browser_thread, open_editor
from tests.browser.screens import axe_violations
from tests.browser.test_hr_notice import HR_PASSWORD, admin_page, migrated_content_back
from tests.content.factories import (
    JobIndexPageFactory,
    JobPageFactory,
    NoticeIndexPageFactory,
    NoticePageFactory,
)

pytestmark = pytest.mark.browser

_EDITOR_NAMES = """() => [...document.querySelectorAll('[role=textbox][contenteditable=true]')]
  .map((el) => el.getAttribute('aria-label')
    || (document.getElementById(el.getAttribute('aria-labelledby') || '')?.innerText ?? '')
       .replace('*', '').trim())"""


def _nameless(violations: list[Any]) -> list[Any]:
    return [v for v in violations if v[0] == "aria-input-field-name"]


def test_each_rich_text_editor_is_named_after_its_field_or_block(
    admin_static: None, pwa_api_server: str
) -> None:
    base = pwa_api_server
    migrated_content_back()
    hr = get_user_model().objects.create_user("hr-rich-text", password=HR_PASSWORD)
    hr.groups.add(Group.objects.get(name=PAGE_EDITORS))
    home = HomePage.objects.get()
    job = JobPageFactory(parent=JobIndexPageFactory(parent=home), selection_process="")
    notice = NoticePageFactory(
        parent=NoticeIndexPageFactory(parent=home),
        body=[
            {"type": "paragraph", "value": "<p>一つ目の段落</p>"},
            {"type": "paragraph", "value": ""},
        ],
    )
    seen: dict[str, Any] = {}

    def scenario(browser: Any) -> None:
        page = admin_page(browser, base, hr)
        open_editor(page, f"{base}/admin/pages/{job.pk}/edit/")
        seen["job"] = page.evaluate(_EDITOR_NAMES)
        seen["job axe"] = _nameless(axe_violations(page))
        page.get_by_role("textbox", name="選考方法").fill("書類選考と面接")
        page.wait_for_function(  # Draftail writes its state to the field a moment later
            "() => document.getElementById('id_selection_process').value.includes('書類選考')"
        )
        seen["typed"] = page.locator("#id_selection_process").input_value()
        open_editor(page, f"{base}/admin/pages/{notice.pk}/edit/")
        seen["notice"] = page.evaluate(_EDITOR_NAMES)
        seen["notice axe"] = _nameless(axe_violations(page))

    in_browser_thread(scenario)

    assert seen["job"] == ["選考方法", "申込方法"]
    assert seen["job axe"] == []
    assert "書類選考と面接" in seen["typed"]
    assert seen["notice"] == ["本文", "本文"]
    assert seen["notice axe"] == []
