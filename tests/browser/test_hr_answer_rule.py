"""HR builds an audience group from survey answers in Chromium: the 「アンケートの回答」 options
are ticked by label in the group editor, a mix of two questions gets the field error there, and
the saved group holds only the person who agreed that answer may be used."""

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from cms.content.models import HomePage
from cms.groups.models import AudienceGroup
from cms.groups.selectors import audience_group_member_ids
from cms.surveys.models import SurveyPage
from cms.surveys.selectors import survey_current_version
from cms.surveys.services import survey_response_save
from tests.browser.conftest import in_browser_thread
from tests.browser.screens import axe_violations, screenshot
from tests.browser.test_hr_notice import HR_PASSWORD, admin_page, migrated_content_back
from tests.groups.factories import AlumnusFactory
from tests.surveys.factories import SurveyPageFactory, question

pytestmark = pytest.mark.browser


@pytest.fixture
def targeting_survey(admin_static: None, pwa_api_server: str) -> SurveyPage:
    migrated_content_back()
    survey: SurveyPage = SurveyPageFactory(
        parent=HomePage.objects.get(),
        slug="comeback-interest",
        title="カムバック採用に関するアンケート",
        questions=[
            question(
                "single", "カムバック採用に関心はありますか", ["ある", "ない"], targeting=True
            ),
            question("multiple", "知りたい情報", ["給与", "勤務地"], targeting=True),
        ],
        opens_at=timezone.now() - dt.timedelta(days=1),
    )
    return survey


def _answer(survey: SurveyPage, *, consent: bool) -> Any:
    version = survey_current_version(survey=survey)
    assert version is not None
    interest, topics = version.questions
    alumnus = AlumnusFactory()
    survey_response_save(
        survey=survey,
        alumnus=alumnus,
        version_number=version.number,
        answers={
            interest["id"]: interest["options"][0]["id"],
            topics["id"]: [topics["options"][0]["id"]],
        },
        targeting_consent=[interest["id"]] if consent else [],
    )
    return alumnus


def test_hr_ticks_answer_options_by_label_and_saves_the_group(
    targeting_survey: SurveyPage, pwa_api_server: str
) -> None:
    base = pwa_api_server
    agreed = _answer(targeting_survey, consent=True)
    _answer(targeting_survey, consent=False)
    editor = get_user_model().objects.create_superuser("hr-groups", password=HR_PASSWORD)
    seen: dict[str, Any] = {}

    def scenario(browser: Any) -> None:
        page = admin_page(browser, base, editor)
        page.goto(f"{base}/admin/snippets/groups/audiencegroup/add/")
        page.fill("#id_name", "カムバックに関心あり")
        # Two questions' options at once: refused at the field.
        page.get_by_label("ある", exact=True).check()
        page.get_by_label("給与", exact=True).check()
        page.locator("footer button[type=submit]").first.click()
        page.get_by_text("選択肢は一つの質問の中から選んでください。").wait_for()
        seen["axe"] = axe_violations(page)
        screenshot(page, "hr-group-answer-rule-error")
        page.get_by_label("給与", exact=True).uncheck()
        page.locator("footer button[type=submit]").first.click()
        page.wait_for_url(f"{base}/admin/snippets/groups/audiencegroup/")

    in_browser_thread(scenario)

    assert seen["axe"] == []
    group = AudienceGroup.objects.get(name="カムバックに関心あり")
    assert audience_group_member_ids(group=group) == {agreed.pk}
