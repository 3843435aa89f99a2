"""HR edits a live survey that already has answers through Wagtail's real editor at 1366 px:
the warning is on the screen, an option is relabelled and a question added, and the publish makes
version 2 while the earlier answer keeps version 1 and its option's id."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cms.content.models import HomePage
from cms.staff_roles import PAGE_EDITORS, PAGE_PUBLISHERS
from cms.surveys.models import SurveyPage, SurveyResponse
from cms.surveys.selectors import survey_current_version
from cms.surveys.services import survey_response_save
from tests.browser.conftest import in_browser_thread, wait_until
from tests.browser.screens import screenshot
from tests.browser.test_hr_notice import (
    HR_PASSWORD,
    admin_page,
    migrated_content_back,
    publish_from_editor,
)
from tests.groups.factories import AlumnusFactory
from tests.surveys.factories import SurveyPageFactory, question

pytestmark = pytest.mark.browser


@pytest.fixture
def answered_survey(admin_static: None, pwa_api_server: str) -> SurveyPage:
    """A live survey with one answer, as the demo's is when HR comes back to it."""
    migrated_content_back()
    survey: SurveyPage = SurveyPageFactory(
        parent=HomePage.objects.get(),
        slug="comeback",
        title="カムバック採用に関するアンケート",
        questions=[
            question("single", "県職員に戻って働くことに関心はありますか", ["ある", "ない"]),
            question("long_text", "ご意見", required=False),
        ],
    )
    version = survey_current_version(survey=survey)
    assert version is not None
    first = version.questions[0]
    survey_response_save(
        survey=survey,
        alumnus=AlumnusFactory(),
        version_number=version.number,
        answers={first["id"]: first["options"][0]["id"]},
        targeting_consent=[],
    )
    return survey


@pytest.fixture
def editor(answered_survey: SurveyPage) -> Any:
    user = get_user_model().objects.create_user(
        "hr-editor", password=HR_PASSWORD, first_name="人事", last_name="花子"
    )
    user.groups.add(*Group.objects.filter(name__in=[PAGE_EDITORS, PAGE_PUBLISHERS]))
    return user


def test_hr_relabels_an_option_and_adds_a_question_to_an_answered_survey(
    answered_survey: SurveyPage, pwa_api_server: str, editor: Any
) -> None:
    base = pwa_api_server
    before = survey_current_version(survey=answered_survey)
    assert before is not None
    seen: dict[str, str] = {}

    def scenario(browser: Any) -> None:
        page = admin_page(browser, base, editor)
        page.goto(f"{base}/admin/pages/{answered_survey.pk}/edit/")
        warning = page.locator("[data-survey-answered]")
        warning.wait_for(state="visible")
        seen["warning"] = warning.inner_text()
        screenshot(page, "hr-survey-editor-warning")

        page.fill("#questions-0-value-options-0-value", "ぜひ戻りたい")
        page.locator("#questions-1-value-label").scroll_into_view_if_needed()
        # The "+" after the last question opens the block menu; 短い文章 adds a question.
        page.locator("button.c-sf-add-button").last.click()
        page.get_by_role("option", name="短い文章").click()
        page.locator("#questions-2-value-label").fill("現在の職種")
        screenshot(page, "hr-survey-editor-edited")

        publish_from_editor(page)
        page.wait_for_url(f"{base}/admin/pages/{HomePage.objects.get().pk}/")
        wait_until(page, "() => document.querySelector('.messages') !== null")
        seen["after publish"] = page.locator("main").inner_text()

    in_browser_thread(scenario)

    assert "すでに 1 件の回答があります" in seen["warning"]
    assert "新しい版" in seen["warning"]
    after = survey_current_version(survey=answered_survey)
    assert after is not None and after.number == before.number + 1
    first_before, first_after = before.questions[0], after.questions[0]
    assert first_after["id"] == first_before["id"]
    assert [o["id"] for o in first_after["options"]] == [o["id"] for o in first_before["options"]]
    assert [o["label"] for o in first_after["options"]] == ["ぜひ戻りたい", "ない"]
    assert [(q["type"], q["label"]) for q in after.questions][2] == ("short_text", "現在の職種")
    response = SurveyResponse.objects.get(survey=answered_survey)
    assert response.version_id == before.pk
    assert response.answers == {first_before["id"]: first_before["options"][0]["id"]}
