"""HR reshapes a survey that already has answers, alone in Wagtail's editor at 1366 px: removes the
number question, moves the free-text question to the top, adds an option to the choice question,
and publishes. Every text box of the questions has a name a screen reader reads (the options'
had none), the answers given before survive in the results under the removed question's last
wording, and the results screen passes axe."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cms.content.models import HomePage
from cms.staff_roles import ALUMNI_HR, PAGE_EDITORS, PAGE_PUBLISHERS, role_grant
from cms.surveys.models import SurveyPage
from cms.surveys.selectors import survey_current_version
from cms.surveys.services import survey_response_save
from tests.browser.conftest import in_browser_thread, wait_until
from tests.browser.screens import axe_violations
from tests.browser.test_hr_notice import (
    HR_PASSWORD,
    admin_page,
    migrated_content_back,
    publish_from_editor,
)
from tests.groups.factories import AlumnusFactory
from tests.surveys.factories import SurveyPageFactory, question

pytestmark = pytest.mark.browser


def _questions_violations(page: Any) -> list[Any]:
    """The axe violations inside the questions' StreamField (Wagtail's own chrome around it,
    such as the minimap or the intro's rich-text box, is not this project's markup)."""
    found = []
    for rule, targets in axe_violations(page):
        inside = [t for t in targets if any("questions-" in str(part) for part in t)]
        if inside:
            found.append((rule, inside))
    return found


def test_hr_removes_moves_and_adds_to_an_answered_survey_with_named_fields(
    admin_static: None, pwa_api_server: str
) -> None:
    base = pwa_api_server
    migrated_content_back()
    survey: SurveyPage = SurveyPageFactory(
        parent=HomePage.objects.get(),
        slug="comeback-edit",
        title="カムバック採用に関するアンケート",
        questions=[
            question("single", "県職員に戻って働くことに関心はありますか", ["ある", "ない"]),
            question("number", "退職後に働いた年数", required=False),
            question("long_text", "ご意見", required=False),
        ],
    )
    before = survey_current_version(survey=survey)
    assert before is not None
    interest, years, _opinion = before.questions
    survey_response_save(
        survey=survey,
        alumnus=AlumnusFactory(),
        version_number=before.number,
        answers={interest["id"]: interest["options"][0]["id"], years["id"]: "7"},
        targeting_consent=[],
    )
    hr = get_user_model().objects.create_user("hr-survey-edit", password=HR_PASSWORD)
    hr.groups.add(*Group.objects.filter(name__in=[PAGE_EDITORS, PAGE_PUBLISHERS]))
    role_grant(hr, ALUMNI_HR)
    seen: dict[str, Any] = {}

    def block(page: Any, label_id: str) -> Any:
        return page.locator(f"[data-streamfield-child]:has(> section #{label_id})")

    def scenario(browser: Any) -> None:
        page = admin_page(browser, base, hr)
        page.goto(f"{base}/admin/pages/{survey.pk}/edit/")
        page.locator("[data-survey-answered]").wait_for(state="visible")
        seen["editor"] = _questions_violations(page)

        block(page, "questions-1-value-label").locator(
            "> section > .w-panel__header [data-streamfield-action='DELETE']"
        ).click()
        block(page, "questions-2-value-label").locator(
            "> section > .w-panel__header [data-streamfield-action='MOVE_UP']"
        ).click()
        options = block(page, "questions-0-value-label").locator("[data-contentpath='options']")
        options.locator("button.c-sf-add-button").last.click()
        added = options.locator("input[type=text]").last
        added.fill("わからない")
        seen["added name"] = added.evaluate("(e) => e.getAttribute('aria-label')")
        seen["edited"] = _questions_violations(page)

        publish_from_editor(page)
        page.wait_for_url(f"{base}/admin/pages/{HomePage.objects.get().pk}/")
        wait_until(page, "() => document.querySelector('.messages') !== null")
        page.goto(f"{base}/admin/surveys/{survey.pk}/")
        seen["results"] = page.locator("main").inner_text()
        seen["results axe"] = axe_violations(page)

    in_browser_thread(scenario)

    assert seen["editor"] == [] and seen["edited"] == []
    assert seen["added name"] == "選択肢"
    after = survey_current_version(survey=survey)
    assert after is not None and after.number == before.number + 1
    assert [q["label"] for q in after.questions] == [
        "ご意見",
        "県職員に戻って働くことに関心はありますか",
    ]
    assert [o["label"] for o in after.questions[1]["options"]] == ["ある", "ない", "わからない"]
    assert "退職後に働いた年数" in seen["results"]  # removed, its answer kept
    assert seen["results axe"] == []
