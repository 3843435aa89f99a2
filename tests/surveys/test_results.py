"""The results screen and the exports in the admin: response rate against the audience, tallies
with removed options under their last label, who sees free text and may download, and every
export in the audit log."""

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cms.alumni.models import AuditLogEntry
from cms.staff_roles import ALUMNI_HR, PAGE_EDITORS, PAGE_PUBLISHERS, role_grant
from cms.surveys.models import SurveyPage
from cms.surveys.results import questionnaire_catalogue, survey_results
from cms.surveys.selectors import survey_current_version
from cms.surveys.services import survey_response_save
from tests.groups.factories import AlumnusFactory
from tests.surveys.factories import SurveyPageFactory, make_site, question, survey_edit_publish

pytestmark = pytest.mark.django_db


def test_catalogue_keeps_a_removed_option_in_place_with_its_last_label() -> None:
    v1 = {
        "questions": [
            {
                "id": "q",
                "type": "single",
                "label": "関心",
                "options": [
                    {"id": "a", "label": "ある"},
                    {"id": "b", "label": "少し"},
                    {"id": "c", "label": "ない"},
                ],
            }
        ]
    }
    v2 = {
        "questions": [
            {
                "id": "q",
                "type": "single",
                "label": "関心は",
                "options": [
                    {"id": "a", "label": "ある"},
                    {"id": "b", "label": "少しある"},
                    {"id": "c", "label": "ない"},
                ],
            }
        ]
    }
    v3 = {
        "questions": [
            {
                "id": "q",
                "type": "single",
                "label": "関心は",
                "options": [
                    {"id": "a", "label": "ある"},
                    {"id": "c", "label": "ない"},
                    {"id": "d", "label": "未定"},
                ],
            }
        ]
    }

    catalogue = questionnaire_catalogue(versions=[(2, v2), (1, v1), (3, v3)])

    (interest,) = catalogue
    assert interest.label == "関心は"
    assert [(o.label, o.versions) for o in interest.options] == [
        ("ある", (1, 2, 3)),
        ("少しある", (1, 2)),
        ("ない", (1, 2, 3)),
        ("未定", (3,)),
    ]


def _survey() -> SurveyPage:
    return SurveyPageFactory(
        parent=make_site(),
        title="カムバック採用に関するアンケート",
        questions=[
            question("single", "関心はありますか", ["ある", "ない", "未定"]),
            question("long_text", "ご意見", required=False),
        ],
        opens_at=timezone.now() - dt.timedelta(days=1),
    )


def _answer(survey: SurveyPage, alumnus: Any, option: int, text: str = "") -> None:
    version = survey_current_version(survey=survey)
    assert version is not None
    single, comment = version.questions
    answers: dict[str, Any] = {single["id"]: single["options"][option]["id"]}
    if text:
        answers[comment["id"]] = text
    survey_response_save(
        survey=survey,
        alumnus=alumnus,
        version_number=version.number,
        answers=answers,
        targeting_consent=[],
    )


@pytest.fixture
def answered() -> SurveyPage:
    survey = _survey()
    people = [AlumnusFactory() for _ in range(10)]
    for n, person in enumerate(people[:6]):
        _answer(survey, person, n % 3, "週休3日なら戻りたい〜–☑" if n == 0 else "")
    return survey


def test_response_rate_is_against_the_audience_and_a_removed_option_keeps_its_count(
    answered: SurveyPage,
) -> None:
    survey_edit_publish(answered, lambda raw: raw[0]["value"]["options"].pop(2))

    results = survey_results(survey=answered)

    assert (results.audience, results.responses, round(results.rate)) == (10, 6, 60)
    interest = results.tallies[0]
    assert [(o.option.label, o.count) for o in interest.options] == [
        ("ある", 2),
        ("ない", 2),
        ("未定", 2),
    ]


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def hr(django_user_model: Any) -> Any:
    user = django_user_model.objects.create_user("hr-survey", password="pw")
    user.groups.add(Group.objects.get(name=PAGE_EDITORS))
    role_grant(user, ALUMNI_HR)
    return user


@pytest.fixture
def editor(django_user_model: Any) -> Any:
    user = django_user_model.objects.create_user("editor-survey", password="pw")
    user.groups.add(Group.objects.get(name=PAGE_EDITORS))
    return user


def test_hr_sees_charts_tables_free_text_and_the_cp932_note(hr: Any, answered: SurveyPage) -> None:
    response = _client(hr).get(reverse("surveys_results", args=[answered.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and "<table" in html
    assert "週休3日なら戻りたい" in html
    assert "–→〓、☑→〓" in html
    assert reverse("surveys_export_xlsx", args=[answered.pk]) in html
    entry = AuditLogEntry.objects.get(target="survey_free_text")
    assert entry.actor == hr


def test_an_editor_without_alumni_rights_sees_aggregates_only(
    editor: Any, answered: SurveyPage
) -> None:
    client = _client(editor)

    response = client.get(reverse("surveys_results", args=[answered.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "関心はありますか" in html
    assert "週休3日なら戻りたい" not in html
    assert "responses.xlsx" not in html
    for name in ("surveys_export_xlsx", "surveys_export_csv", "surveys_export_csv_sjis"):
        assert client.get(reverse(name, args=[answered.pk])).status_code in {302, 403}
    assert not AuditLogEntry.objects.exists()


def test_staff_without_page_or_alumni_rights_cannot_open_the_results(
    django_user_model: Any, answered: SurveyPage
) -> None:
    user = django_user_model.objects.create_user("other", password="pw")
    user.groups.add(Group.objects.get(name=PAGE_PUBLISHERS))
    Group.objects.get(name=PAGE_PUBLISHERS).page_permissions.all().delete()

    response = _client(user).get(reverse("surveys_results", args=[answered.pk]))

    assert response.status_code in {302, 403}


@pytest.mark.parametrize(
    ("name", "content_type", "start"),
    [
        ("surveys_export_xlsx", "spreadsheetml", b"PK"),
        ("surveys_export_csv", "charset=utf-8", b"\xef\xbb\xbf"),
        ("surveys_export_csv_sjis", "Shift_JIS", "回答番号".encode("cp932")),
    ],
)
def test_each_export_downloads_and_is_audited_with_its_format(
    hr: Any, answered: SurveyPage, name: str, content_type: str, start: bytes
) -> None:
    response = _client(hr).get(reverse(name, args=[answered.pk]))

    assert response.status_code == 200
    assert content_type in response["Content-Type"]
    assert response.content.startswith(start)
    assert "attachment" in response["Content-Disposition"]
    entry = AuditLogEntry.objects.get(target="survey_export")
    assert entry.action == "export"
    assert len(entry.record_ids) == 6
    assert answered.title in entry.detail
    if name == "surveys_export_csv_sjis":
        assert "置き換えた文字: –→〓、☑→〓" in entry.detail
    log = _client(hr).get("/admin/alumni/audit-log/").content.decode()
    assert "アンケート回答の出力" in log and entry.detail in log


def test_the_survey_editor_links_to_its_results(hr: Any, answered: SurveyPage) -> None:
    html = _client(hr).get(reverse("wagtailadmin_pages:edit", args=[answered.pk])).content

    assert reverse("surveys_results", args=[answered.pk]).encode() in html
