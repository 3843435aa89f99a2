"""Demo respondents for 「カムバック採用に関するアンケート」: about thirty fictitious former staff
answer it through `survey_response_save`, so the results screen shows something real. Running it
again adds nobody and changes no answer."""

import datetime as dt
import random
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cms.alumni.models import Alumnus, AlumnusStatus, RegistrationChannel

from .answers import question_shown
from .blocks import DATE, LONG_TEXT, MULTIPLE, NUMBER, SHORT_TEXT
from .errors import SurveyError
from .models import SurveyPage, SurveyResponse, SurveyVersion
from .selectors import survey_current_version
from .services import survey_response_save

FIXTURES = Path(settings.BASE_DIR) / "content_fixtures" / "demo_survey.toml"
SURVEY_SLUG = "comeback-intent-survey"


@dataclass
class DemoSurveyReport:
    created_alumni: int = 0
    answered: int = 0
    kept: int = 0
    problems: list[str] = field(default_factory=list)


def _respondent(spec: dict[str, Any], n: int) -> Alumnus:
    email = spec["email_pattern"].format(n=n)
    existing = Alumnus.objects.filter(email=email).first()
    if existing is not None:
        return existing
    family, family_kana = spec["family_names"][n % len(spec["family_names"])]
    given, given_kana = spec["given_names"][(n * 3) % len(spec["given_names"])]
    user = get_user_model().objects.create_user(username=f"alumnus-{uuid.uuid4().hex}")
    user.set_unusable_password()
    user.save()
    return Alumnus.objects.create(
        user=user,
        family_name=family,
        given_name=given,
        family_name_kana=family_kana,
        given_name_kana=given_kana,
        email=email,
        birth_date=dt.date(1958 + (n * 7) % 40, 1 + n % 12, 1 + (n * 5) % 28),
        former_department=spec["departments"][n % len(spec["departments"])],
        retired_on=dt.date(2012 + (n * 5) % 13, 3, 31),
        status=AlumnusStatus.ACTIVE,
        # No roster entry, no invitation: registered without one and approved by HR (as
        # "email", the monthly report counted 30 registered by e-mail invitation, none invited).
        channel=RegistrationChannel.OPEN,
        privacy_notice_version=settings.ALUMNI_PRIVACY_NOTICE_VERSION,
        approved_at=timezone.now(),
    )


def _answers(version: SurveyVersion, rng: random.Random, texts: list[str]) -> dict[str, Any]:
    """Plausible answers: options leaning to the first and the upper points, optional
    questions skipped now and then, conditions kept."""
    answers: dict[str, Any] = {}
    for question in version.questions:
        if not question_shown(question, answers):
            continue
        if not question["required"] and rng.random() < 0.4:
            continue
        ids = [option["id"] for option in question["options"]]
        kind = question["type"]
        if kind == MULTIPLE:
            chosen = set(rng.sample(ids, rng.randint(1, min(3, len(ids)))))
            answers[question["id"]] = [oid for oid in ids if oid in chosen]
        elif ids:
            weights = [1 + (i if len(ids) == 5 else len(ids) - i) for i in range(len(ids))]
            answers[question["id"]] = rng.choices(ids, weights=weights)[0]
        elif kind == NUMBER:
            answers[question["id"]] = rng.randint(0, 15)
        elif kind == DATE:
            start = timezone.localdate() + dt.timedelta(days=rng.randint(90, 700))
            answers[question["id"]] = start.replace(day=1).isoformat()
        elif kind in (SHORT_TEXT, LONG_TEXT):
            answers[question["id"]] = texts[rng.randrange(len(texts))]
    return answers


def demo_survey_responses_load(*, fixtures: Path = FIXTURES) -> DemoSurveyReport:
    """Creates the demo respondents and their answers to the demo survey's current version;
    those who already answered keep their answers."""
    spec = tomllib.loads(fixtures.read_text(encoding="utf-8"))
    report = DemoSurveyReport()
    survey = SurveyPage.objects.live().filter(slug=SURVEY_SLUG).first()
    version = survey_current_version(survey=survey) if survey else None
    if survey is None or version is None:
        report.problems.append("デモのアンケートが公開されていません（先に load_demo）。")
        return report
    rng = random.Random(spec["seed"])  # noqa: S311 (demo data, reproducible)
    for n in range(1, spec["respondents"] + 1):
        with transaction.atomic():
            before = Alumnus.objects.filter(email=spec["email_pattern"].format(n=n)).exists()
            alumnus = _respondent(spec, n)
            report.created_alumni += not before
            answers = _answers(version, rng, spec["texts"])  # drawn always: same answers per n
            if SurveyResponse.objects.filter(survey=survey, alumnus=alumnus).exists():
                report.kept += 1
                continue
            consent = [q["id"] for q in version.questions if q["targeting"] and n % 3]
            try:
                survey_response_save(
                    survey=survey,
                    alumnus=alumnus,
                    version_number=version.number,
                    answers=answers,
                    targeting_consent=consent,
                )
            except SurveyError as refused:
                report.problems.append(f"{alumnus.email}: {refused.message}")
                continue
            report.answered += 1
    return report
