"""Survey test data: HR's edits published as the editor would publish them, valid answers for
any version, and the live-edit run (six edits interleaved with responses) that the integrity
tests of the service and of the exports share."""

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from cms.alumni.models import Alumnus
from cms.surveys.blocks import option_items
from cms.surveys.models import SurveyPage, SurveyVersion
from cms.surveys.selectors import survey_current_version
from cms.surveys.services import survey_response_save
from tests.content.factories import HomePageFactory, SurveyPageFactory, make_site, question

__all__ = [
    "HomePageFactory",
    "LiveEditRun",
    "SurveyPageFactory",
    "alumni_batch",
    "answers_for",
    "live_edit_run",
    "make_site",
    "question",
    "survey_edit_publish",
]

RawQuestions = list[dict[str, Any]]


def survey_edit_publish(survey: SurveyPage, edit: Callable[[RawQuestions], None]) -> SurveyVersion:
    """Applies `edit` to the survey's questions as raw StreamField data (ids included, as the
    editor submits them), saves a revision and publishes it; returns the current version."""
    page = SurveyPage.objects.get(pk=survey.pk)
    raw: RawQuestions = page.questions.get_prep_value()
    edit(raw)
    page.questions = raw  # type: ignore[assignment]
    page.save_revision().publish()
    version = survey_current_version(survey=page)
    assert version is not None
    return version


def relabel(index: int, label: str) -> Callable[[RawQuestions], None]:
    def edit(raw: RawQuestions) -> None:
        raw[index]["value"]["label"] = label

    return edit


def relabel_option(index: int, option: int, label: str) -> Callable[[RawQuestions], None]:
    def edit(raw: RawQuestions) -> None:
        raw[index]["value"]["options"][option]["value"] = label

    return edit


def add_option(index: int, label: str) -> Callable[[RawQuestions], None]:
    def edit(raw: RawQuestions) -> None:
        raw[index]["value"]["options"].extend(option_items([label]))

    return edit


def remove_option(index: int, option: int) -> Callable[[RawQuestions], None]:
    def edit(raw: RawQuestions) -> None:
        del raw[index]["value"]["options"][option]

    return edit


def move_question(source: int, target: int) -> Callable[[RawQuestions], None]:
    def edit(raw: RawQuestions) -> None:
        raw.insert(target, raw.pop(source))

    return edit


def add_question(block: dict[str, Any], at: int | None = None) -> Callable[[RawQuestions], None]:
    def edit(raw: RawQuestions) -> None:
        raw.insert(len(raw) if at is None else at, block)

    return edit


def remove_question(index: int) -> Callable[[RawQuestions], None]:
    def edit(raw: RawQuestions) -> None:
        del raw[index]

    return edit


def alumni_batch(count: int, prefix: str = "respondent") -> list[Alumnus]:
    """`count` active alumni, created in two bulk inserts (a thousand factories are slow)."""
    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"{prefix}-{n}") for n in range(count)]
    )
    return Alumnus.objects.bulk_create(
        [
            Alumnus(
                user=user,
                family_name="回答",
                given_name=f"{n}",
                family_name_kana="かいとう",
                given_name_kana=f"{n}",
                email=f"{prefix}-{n}@example.jp",
                birth_date=dt.date(1960 + n % 40, 1 + n % 12, 1 + n % 28),
                former_department=["総務部 人事課", "土木部 道路課", "保健福祉部"][n % 3],
                retired_on=dt.date(2010 + n % 15, 3, 31),
                channel="email",
                privacy_notice_version="2026-04",
            )
            for n, user in enumerate(users)
        ]
    )


def answers_for(version: SurveyVersion, rng: random.Random) -> dict[str, Any]:
    """Valid answers to every question of `version` (conditions respected): what an alumnus
    could send."""
    answers: dict[str, Any] = {}
    for q in version.questions:
        condition = q["condition"]
        if condition:
            given = answers.get(condition["question"])
            chosen = given if isinstance(given, list) else [given]
            if not set(chosen) & set(condition["options"]):
                continue
        option_ids = [o["id"] for o in q["options"]]
        if q["type"] in ("single", "scale"):
            answers[q["id"]] = rng.choice(option_ids)
        elif q["type"] == "multiple":
            chosen = set(rng.sample(option_ids, rng.randint(1, len(option_ids))))
            answers[q["id"]] = [oid for oid in option_ids if oid in chosen]  # as stored
        elif q["type"] == "number":
            answers[q["id"]] = rng.choice([rng.randint(0, 40), round(rng.uniform(0, 10), 1)])
        elif q["type"] == "date":
            answers[q["id"]] = (
                dt.date(2027, 4, 1) + dt.timedelta(days=rng.randint(0, 700))
            ).isoformat()
        else:
            answers[q["id"]] = f"自由記述 {rng.randint(1, 999)}〜①"
    return answers


def live_edit_questions() -> RawQuestions:
    return [
        question("single", "関心はありますか", ["ある", "条件による", "ない"], targeting=True),
        question("multiple", "希望する勤務地", ["仙台市内", "仙南", "県北", "沿岸"]),
        question("scale", "給与をどの程度重視しますか", ["1", "2", "3", "4", "5"]),
        question("number", "民間で働いた年数", required=False),
        question("date", "勤務を始められる日", required=False),
        question(
            "long_text",
            "両立に必要な配慮",
            required=False,
            show_if_question="1",
            show_if_answers="ある、条件による",
        ),
    ]


EDITS: list[tuple[str, Callable[[RawQuestions], None]]] = [
    ("relabel", relabel_option(0, 1, "条件が合えば")),
    ("add option", add_option(1, "どこでもよい")),
    ("remove option", remove_option(1, 2)),  # 県北 goes; its answers keep it in the exports
    ("reorder", move_question(2, 0)),
    ("add question", add_question(question("short_text", "現在の職種", required=False))),
    ("remove question", remove_question(3)),  # the number question
]
"""Six edits HR makes to a live survey, in the order the live-edit run publishes them."""


@dataclass
class LiveEditRun:
    """What a live-edit run wrote: for each alumnus, the version number and answers the
    service accepted last (what the stored response and any export must show)."""

    survey: SurveyPage
    expected: dict[int, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    versions: list[SurveyVersion] = field(default_factory=list)


def live_edit_run(*, responses: int = 1000, seed: int = 13) -> LiveEditRun:
    """A live survey; `responses` answers written through `survey_response_save`, with the six
    EDITS published in between (evenly spaced), some alumni replacing an earlier answer
    under a later version. Every alumnus answers the version current at the time."""
    rng = random.Random(seed)  # noqa: S311 (reproducible test data)
    survey = SurveyPageFactory(
        parent=make_site(),
        title="ライブ編集のアンケート",
        questions=live_edit_questions(),
        opens_at=timezone.now() - dt.timedelta(days=1),
    )
    run = LiveEditRun(survey=survey)
    version = survey_current_version(survey=survey)
    assert version is not None
    run.versions.append(version)
    fresh = iter(alumni_batch(responses - responses // 10))
    answered: list[Alumnus] = []
    step = responses // (len(EDITS) + 1)
    for n in range(responses):
        if n and n % step == 0 and n // step <= len(EDITS):
            version = survey_edit_publish(survey, EDITS[n // step - 1][1])
            run.versions.append(version)
        if n % 10 == 9:  # one in ten replaces an earlier answer, under the version of now
            person = rng.choice(answered)
        else:
            person = next(fresh)
            answered.append(person)
        answers = answers_for(version, rng)
        consent = [q["id"] for q in version.questions if q["targeting"] and q["id"] in answers]
        survey_response_save(
            survey=survey,
            alumnus=person,
            version_number=version.number,
            answers=answers,
            targeting_consent=consent,
        )
        run.expected[person.pk] = (version.number, answers)
    return run
