"""Answering a survey in the PWA (Chromium at 390 px, the real build and API): one question a
screen with progress, conditions that skip a question, the server's field error at its
question, a survey changed while answering (409), offline in the middle and sent exactly once
when back, the thank-you text, an earlier response to revise; the public page leads in."""

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cms.alumni.models import Alumnus
from cms.surveys.models import SCALE_DEFAULT_CHOICES, SurveyPage, SurveyResponse
from tests.alumni.factories import AlumnusFactory
from tests.browser.conftest import wait_until
from tests.browser.screens import (
    PHONE,
    axe_violations,
    screenshot,
    small_tap_targets,
    text_contrast,
)
from tests.content.factories import SurveyPageFactory, make_site, question
from tests.fixtures.smtp import SMTPInbox, text_body
from tests.surveys.factories import relabel, survey_edit_publish

pytestmark = pytest.mark.browser

EMAIL = "aoba.survey@example.jp"
LOGIN_CODE = re.compile(r"確認コード: (\d{6})")
OFFLINE_TEXT = "オフラインです。接続が戻ると送信します。"
SHOWN = "(id) => { const n = document.getElementById(id); return n && !n.hidden; }"


@dataclass
class SurveySite:
    url: str
    survey: SurveyPage
    alumnus: Alumnus
    ids: dict[str, Any]  # question label -> {"id", "options": {label: id}}


def _ids(survey: SurveyPage) -> dict[str, Any]:
    from cms.surveys.selectors import survey_current_version

    version = survey_current_version(survey=survey)
    assert version is not None
    return {
        q["label"]: {"id": q["id"], "options": {o["label"]: o["id"] for o in q["options"]}}
        for q in version.questions
    }


@pytest.fixture
def survey_site(pwa_api_server: str, settings: Any) -> SurveySite:
    """The comeback survey (six questions, the second shown only when the first is answered
    ある or 条件による), open for two weeks, and an alumnus; the PWA built again with it."""
    from pwa_build.build import build

    home = make_site()
    survey = SurveyPageFactory(
        parent=home,
        slug="comeback",
        title="カムバック採用に関するアンケート",
        intro="<p>応募を考えるときに大切なことを教えてください。</p>",
        thank_you_text="<p>ご協力ありがとうございました。結果は人事課が活用します。</p>",
        opens_at=timezone.now() - dt.timedelta(days=1),
        closes_at=timezone.now() + dt.timedelta(days=14),
        questions=[
            question(
                "single",
                "応募を考えたことはありますか",
                ["ある", "条件による", "ない"],
                targeting=True,
            ),
            question(
                "long_text",
                "両立に必要な配慮",
                required=False,
                show_if_question="1",
                show_if_answers="ある、条件による",
            ),
            question("multiple", "希望する勤務地", ["仙台市内", "仙南", "県北", "沿岸"]),
            question("scale", "給与をどの程度重視しますか", SCALE_DEFAULT_CHOICES),
            question("number", "民間で働いた年数", required=False),
            question("date", "勤務を始められる日", required=False),
        ],
    )
    alumnus = AlumnusFactory(email=EMAIL, family_name="青葉", given_name="花子")
    build(full=True, dist=settings.PWA_DIST_DIR)
    return SurveySite(pwa_api_server, survey, alumnus, _ids(survey))


@pytest.fixture
def phone(page: Any) -> Iterator[Any]:
    page.set_viewport_size(PHONE)
    try:
        yield page
    finally:
        page.context.set_offline(False)
        page.context.clear_cookies()


def sign_in(page: Any, site: SurveySite) -> None:
    client = Client()
    client.force_login(site.alumnus.user)
    cookie = str(client.cookies["sessionid"].value)
    page.context.add_cookies([{"name": "sessionid", "value": cookie, "url": site.url}])


def checked(page: Any, name: str) -> None:
    """axe (0 violations) and the 44 px targets on the screen, and its 390 px screenshot."""
    assert axe_violations(page) == [], name
    assert small_tap_targets(page) == [], name
    screenshot(page, name)


def on_question(page: Any, label: str) -> str:
    """Waits for the question `label`; returns the progress shown (「2 / 5」)."""
    wait_until(
        page,
        "(label) => { const t = document.getElementById('survey-question-label');"
        " return t && t.textContent.startsWith(label); }",
        label,
    )
    return str(page.locator("#survey-progress-text").inner_text())


def next_button(page: Any) -> Any:
    return page.locator("#survey-next")


def puts_of(page: Any) -> list[str]:
    sent: list[str] = []
    page.on(
        "request",
        lambda r: sent.append(r.url) if r.method == "PUT" and r.url.endswith("/response") else None,
    )
    return sent


def test_an_alumnus_answers_offline_in_the_middle_and_the_answers_are_sent_once_when_back(
    survey_site: SurveySite, phone: Any
) -> None:
    page, ids = phone, survey_site.ids
    sign_in(page, survey_site)
    sent = puts_of(page)

    # The home counts the survey and the ホーム tab carries the badge; the list leads to it.
    page.goto(survey_site.url + "/app/")
    wait_until(page, "() => document.querySelector('[data-count=surveys]').textContent === '1'")
    badge = page.locator("nav.tabbar [data-badge=surveys]")
    badge.wait_for(state="visible")
    assert "回答待ち 1 件" in badge.inner_text()
    page.goto(survey_site.url + "/app/surveys/")
    page.locator("[data-surveys=waiting] a").wait_for()
    checked(page, "survey-list")
    page.get_by_role("link", name="カムバック採用に関するアンケート").click()
    page.wait_for_url(f"**/app/survey/?id={survey_site.survey.pk}")
    wait_until(page, SHOWN, "survey-intro")
    assert "応募を考えるときに大切なこと" in page.locator("#survey-intro-text").inner_text()
    count = "質問は全5問です。答えによっては、追加の質問があります。"
    assert page.locator("#survey-count").inner_text() == count
    page.get_by_role("button", name="回答を始める").click()

    # The follow-up question shows only after 「ある」 or 「条件による」: five questions.
    assert on_question(page, "応募を考えたことはありますか") == "1 / 5"
    assert "（必須）" in page.locator("#survey-question-label").inner_text()
    page.get_by_label("ない").check()
    assert page.locator("#survey-progress-text").inner_text() == "1 / 5"
    page.get_by_label(
        "この回答を、あなたに合ったお知らせを届けるために使うことに同意します（任意）"
    ).check()
    checked(page, "survey-question")
    next_button(page).click()
    assert on_question(page, "希望する勤務地") == "2 / 5"
    assert page.get_by_role("progressbar").get_attribute("aria-valuetext") == "5問中 2問目"
    page.get_by_label("仙台市内").check()
    page.get_by_label("沿岸").check()

    # The connection goes in the middle: answering goes on; the send waits, visibly.
    page.context.set_offline(True)
    next_button(page).click()
    assert on_question(page, "給与をどの程度重視しますか") == "3 / 5"
    page.get_by_label("5 重視する").check()
    next_button(page).click()
    on_question(page, "民間で働いた年数")
    page.fill("#survey-answer", "１２")
    next_button(page).click()
    assert on_question(page, "勤務を始められる日") == "5 / 5"
    page.fill("#survey-answer", "令和9年4月1日")
    assert next_button(page).inner_text() == "回答を送信する"
    # Busy while the answers are being sent (seconds on a slow line): still readable.
    next_button(page).evaluate("(button) => { button.setAttribute('aria-busy', 'true'); }")
    assert text_contrast(next_button(page)) >= 4.5
    next_button(page).evaluate("(button) => { button.removeAttribute('aria-busy'); }")
    next_button(page).click()
    offline = page.locator("#survey-offline")
    offline.wait_for(state="visible")
    assert offline.inner_text() == OFFLINE_TEXT
    page.wait_for_timeout(500)
    assert sent == [] and not SurveyResponse.objects.exists()
    # Nothing of the answers in browser storage, only in the page's memory.
    stored = page.evaluate(
        """async () => ({
            local: Object.keys(localStorage).filter((k) => k !== 'text-size'),
            session: Object.keys(sessionStorage),
            idb: (await indexedDB.databases()).map((d) => d.name),
        })"""
    )
    assert stored == {"local": [], "session": [], "idb": []}

    page.context.set_offline(False)
    wait_until(page, SHOWN, "survey-done")
    assert "ご協力ありがとうございました" in page.locator("#survey-thanks").inner_text()
    assert page.evaluate("() => document.activeElement.id") == "survey-done-heading"
    assert offline.is_hidden()
    badge.wait_for(state="hidden")  # answered: no longer waiting
    checked(page, "survey-thank-you")
    page.wait_for_timeout(500)
    assert len(sent) == 1
    response = SurveyResponse.objects.get()
    first, place = ids["応募を考えたことはありますか"], ids["希望する勤務地"]
    scale = ids["給与をどの程度重視しますか"]
    assert response.alumnus_id == survey_site.alumnus.pk
    assert response.answers == {
        first["id"]: first["options"]["ない"],
        place["id"]: [place["options"]["仙台市内"], place["options"]["沿岸"]],
        scale["id"]: scale["options"]["重視する"],
        ids["民間で働いた年数"]["id"]: 12,
        ids["勤務を始められる日"]["id"]: "2027-04-01",
    }
    assert response.targeting_consent == [first["id"]]


def test_conditions_skip_a_question_a_server_error_shows_at_its_question_and_a_changed_survey_keeps_the_answers(
    survey_site: SurveySite, phone: Any
) -> None:
    page, ids = phone, survey_site.ids
    sign_in(page, survey_site)
    sent = puts_of(page)
    page.goto(f"{survey_site.url}/app/survey/?id={survey_site.survey.pk}")
    page.get_by_role("button", name="回答を始める").click()

    # The follow-up shows for 「ある」 and is skipped once the answer is 「ない」.
    on_question(page, "応募を考えたことはありますか")
    next_button(page).click()  # nothing chosen: the required question says so
    assert page.locator("#survey-error").inner_text() == "この質問には回答が必要です。"
    # The total a person was told stays 5: the follow-up is an added question at question 1,
    # not a sixth one that comes and goes with the answer.
    page.get_by_label("ある", exact=True).check()
    assert page.locator("#survey-progress-text").inner_text() == "1 / 5"
    next_button(page).click()
    assert on_question(page, "両立に必要な配慮") == "1 / 5（追加の質問）"
    bar = page.get_by_role("progressbar")
    assert bar.get_attribute("aria-valuetext") == "5問中 1問目の追加の質問"
    assert (bar.get_attribute("aria-valuenow"), bar.get_attribute("aria-valuemax")) == ("1", "5")
    checked(page, "survey-added-question")
    page.fill("#survey-answer", "介護との両立")
    page.get_by_role("button", name="戻る").click()
    on_question(page, "応募を考えたことはありますか")
    page.get_by_label("ない").check()
    next_button(page).click()
    assert on_question(page, "希望する勤務地") == "2 / 5"
    page.get_by_label("仙南").check()
    next_button(page).click()
    on_question(page, "給与をどの程度重視しますか")
    page.get_by_label("3 どちらともいえない").check()
    next_button(page).click()
    on_question(page, "民間で働いた年数")
    page.fill("#survey-answer", "たくさん")
    next_button(page).click()
    on_question(page, "勤務を始められる日")
    next_button(page).click()

    # The server refuses the number: its message is at the question, the focus on the field.
    wait_until(page, "() => document.getElementById('survey-error').textContent !== ''")
    assert on_question(page, "民間で働いた年数") == "4 / 5"
    assert "数値で入力してください" in page.locator("#survey-error").inner_text()
    assert page.evaluate("() => document.activeElement.id") == "survey-answer"
    assert page.locator("#survey-answer").get_attribute("aria-invalid") == "true"
    assert "回答に誤りがあります" in page.locator("#survey-status").inner_text()
    checked(page, "survey-server-error")
    page.fill("#survey-answer", "3")

    # HR publishes a change meanwhile: the send gets 409, the survey is read again and the
    # answers stay; sent again, it is stored against the new version.
    survey_edit_publish(survey_site.survey, relabel(3, "給与・処遇をどの程度重視しますか"))
    next_button(page).click()
    on_question(page, "勤務を始められる日")
    next_button(page).click()
    wait_until(
        page,
        "() => document.getElementById('survey-status').textContent.includes('更新されました')",
    )
    on_question(page, "応募を考えたことはありますか")
    assert page.get_by_label("ない").is_checked()
    next_button(page).click()
    assert page.get_by_label("仙南").is_checked()
    next_button(page).click()
    on_question(page, "給与・処遇をどの程度重視しますか")
    assert page.get_by_label("3 どちらともいえない").is_checked()
    next_button(page).click()
    assert page.locator("#survey-answer").input_value() == "3"
    next_button(page).click()
    next_button(page).click()
    wait_until(page, SHOWN, "survey-done")
    assert len(sent) == 3  # refused, outdated, stored

    response = SurveyResponse.objects.get()
    assert response.version.number == 2
    assert ids["両立に必要な配慮"]["id"] not in response.answers  # hidden: never sent
    assert response.answers[ids["民間で働いた年数"]["id"]] == 3

    # Opened again, the response is there to revise until the survey closes.
    page.goto(f"{survey_site.url}/app/survey/?id={survey_site.survey.pk}")
    wait_until(page, SHOWN, "survey-answered")
    assert "回答済み" in page.locator("#survey-answered").inner_text()
    page.get_by_role("button", name="回答を見直す・修正する").click()
    on_question(page, "応募を考えたことはありますか")
    assert page.get_by_label("ない").is_checked()


def test_the_public_survey_page_has_no_form_and_leads_through_the_login_into_the_app(
    survey_site: SurveySite, phone: Any, smtp: SMTPInbox
) -> None:
    page = phone
    page.goto(survey_site.url + "/comeback/")
    assert page.locator("form").count() == 0
    assert axe_violations(page) == []
    page.get_by_role("link", name="アプリで回答する").click()
    page.wait_for_url(f"{survey_site.url}/app/login/?next=*")
    page.fill("#login-email", EMAIL)
    page.get_by_role("button", name="確認コードを送る").click()
    page.locator("#code-form").wait_for(state="visible")
    code = LOGIN_CODE.search(text_body(smtp.wait_for(1)[-1]))
    assert code is not None
    page.fill("#login-code", code.group(1))
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_url(f"{survey_site.url}/app/survey/?id={survey_site.survey.pk}")
    wait_until(page, SHOWN, "survey-intro")
    assert page.locator("h1").inner_text() == "カムバック採用に関するアンケート"


def test_survey_dates_are_japan_time_on_a_phone_set_to_los_angeles(
    survey_site: SurveySite, chromium: Any
) -> None:
    # 15:30 UTC on 15 January is 00:30 on the 16th in Japan, 07:30 on the 15th in Los Angeles.
    closes = dt.datetime(timezone.now().year + 1, 1, 15, 15, 30, tzinfo=dt.UTC)
    SurveyPage.objects.filter(pk=survey_site.survey.pk).update(closes_at=closes)
    context = chromium.new_context(
        locale="ja-JP", viewport=PHONE, timezone_id="America/Los_Angeles"
    )
    client = Client()
    client.force_login(survey_site.alumnus.user)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": survey_site.url}]
    )
    page = context.new_page()

    page.goto(survey_site.url + "/app/surveys/")
    listed = page.locator(".card-meta").first
    listed.wait_for()
    day = dt.date(closes.year, 1, 16)
    weekday = "月火水木金土日"[day.weekday()]
    assert listed.inner_text() == f"回答期限 {closes.year}年1月16日（{weekday}）"

    page.goto(f"{survey_site.url}/app/survey/?id={survey_site.survey.pk}")
    wait_until(page, "() => document.body.innerText.includes('まで')")
    assert f"{closes.year}年1月16日（{weekday}） 0:30まで" in page.inner_text("main")


# Whether the element's box is wholly inside the visible screen.
ON_SCREEN = """(selector) => {
  const box = document.querySelector(selector).getBoundingClientRect();
  return box.top >= 0 && box.bottom <= window.innerHeight;
}"""


def test_with_text_at_200_percent_and_the_largest_size_a_question_and_its_error_open_in_view(
    survey_site: SurveySite, phone: Any
) -> None:
    page = phone
    sign_in(page, survey_site)
    page.goto(f"{survey_site.url}/app/survey/?id={survey_site.survey.pk}")
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    page.get_by_role("button", name="特大").click()  # the app's own text size
    page.get_by_role("button", name="回答を始める").click()
    on_question(page, "応募を考えたことはありますか")

    # At the top of the page the header and the title filled the screen down to the
    # question's first line; its choices were out of sight.
    seen = {
        "progress": page.evaluate(ON_SCREEN, "#survey-progress-text"),
        "first_choice": page.evaluate(ON_SCREEN, "#survey-question label"),
    }
    next_button(page).click()  # nothing chosen
    page.locator("#survey-error").wait_for(state="visible")
    seen["error"] = page.evaluate(ON_SCREEN, "#survey-error")
    screenshot(page, "survey-error-text-200")

    assert seen == {"progress": True, "first_choice": True, "error": True}
