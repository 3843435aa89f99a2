"""A simulator of alumni cohorts with a known probability of applying (docs/comeback.md).

The generative model, per person (all draws from one seeded generator):
1. HR facts: age on the reference day U(23, 64), years since leaving U(0, 14), years of service
   U(0.5, age − since − 22) (at most 35), a department; eligibility then follows the season's
   rules exactly as the product computes it.
2. Consent to analysis with probability 0.85.
3. A latent interest u ~ N(0, 1). The survey is answered with probability σ(−0.6 + 0.8u); the
   answer to the intent question is 「ぜひ戻りたい」 when u + ε > 0.9, 「今は考えていない」 when
   u + ε < −0.2, else 「わからない」 (ε ~ N(0, 0.7)); targeting consent is always given.
4. Behaviour in each of the 12 months before the reference day: active with probability
   σ(−1 + 0.9u); an active month has Poisson(1 + 2e^{0.3u}) logins, Poisson(e^{−0.5 + 0.8u}) job
   views, Poisson(0.8) notice opens and a post in a group with probability 0.05.
5. The true probability: σ(β0 + Σ βk·xk) over the features as the product defines them
   (TRUE_WEIGHTS), with β0 solved so that the mean over eligible, consenting people is
   `base_rate`. Who applies is a Bernoulli draw of it; one in three applicants is hired.
Because the true probability depends on the person only through what the product observes,
the best possible model is the true one: a fitted model is judged by how close it comes.

Alumni, users, survey responses and outcomes are written through the ORM; behaviour through
the analytics domain's `signals_store` (so the monthly counts are the product's own)."""

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page

from cms.alumni.models import Alumnus, AlumnusStatus, RegistrationChannel
from cms.analytics.models import ContentKind, SignalType
from cms.analytics.services import SignalEvent, signals_store
from cms.surveys.blocks import SINGLE, demo_questions
from cms.surveys.models import SurveyPage, SurveyResponse, SurveyVersion
from cms.surveys.services import survey_version_sync

from .eligibility import eligibility_for, full_years
from .features import DEFAULT_INTENT_QUESTION, age_band, month_start
from .models import Outcome, Season

DEPARTMENTS = (("総務部", 0.3), ("保健福祉部", 0.25), ("土木部", 0.25), ("農政部", 0.2))
INTENT_OPTIONS = ("ぜひ戻りたい", "条件が合えば戻りたい", "今は考えていない", "わからない")
TRUE_WEIGHTS = {
    "intent_yes": 1.6,
    "intent_no": -1.3,
    "job_views_3m": 0.7,
    "logins_3m": 0.25,
    "notice_opens_3m": 0.15,
    "survey_answered_12m": 0.3,
    "chat_active_3m": 0.3,
    "inactive_months": -0.06,
    "years_since_leaving": -0.15,
    "years_of_service": 0.03,
    "age_under30": 0.2,
    "age_30s": 0.35,
    "age_50plus": -0.6,
    "dept:保健福祉部": 0.3,
}
CONSENT_RATE = 0.85
HIRED_SHARE = 1 / 3


@dataclass
class SimulatedPerson:
    alumnus_id: int
    eligible: bool
    consenting: bool
    true_probability: float | None  # None: not eligible (never applies)
    applied: bool


@dataclass
class Cohort:
    season: Season
    people: list[SimulatedPerson] = field(default_factory=list)
    interests: dict[int, float] = field(default_factory=dict)  # alumnus id → latent interest

    def scored(self) -> list[SimulatedPerson]:
        """The people the estimate is for: eligible and consenting."""
        return [p for p in self.people if p.eligible and p.consenting]

    def true_brier(self) -> float:
        scored = self.scored()
        return math.fsum(((p.true_probability or 0.0) - p.applied) ** 2 for p in scored) / max(
            1, len(scored)
        )


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def intent_survey() -> tuple[SurveyPage, SurveyVersion, dict[str, Any]]:
    """A survey with the intent question (an existing one, else a simulation page) and its
    question as the version stores it."""
    for version in SurveyVersion.objects.select_related("survey").order_by("-published_at"):
        for question in version.questions:
            if question["label"] == DEFAULT_INTENT_QUESTION and question["type"] == SINGLE:
                return version.survey, version, question
    root = Page.get_first_root_node()
    survey = root.add_child(
        instance=SurveyPage(
            title="カムバック採用に関するアンケート（シミュレーション）",
            slug="comeback-simulated-survey",
            live=False,
            notify_on_publish=False,
            questions=demo_questions(
                [
                    {
                        "type": SINGLE,
                        "label": DEFAULT_INTENT_QUESTION,
                        "options": list(INTENT_OPTIONS),
                        "targeting": True,
                    }
                ]
            ),
        )
    )
    made = survey_version_sync(survey=survey)
    assert made is not None
    return survey, made, made.questions[0]


@dataclass
class _Draws:
    """One person's drawn traits (before anything is stored)."""

    birth_date: dt.date
    hired_on: dt.date
    retired_on: dt.date
    department: str
    consenting: bool
    interest: float
    intent: str = ""  # an option label, "" when the survey was not answered
    months: dict[int, dict[str, int]] = field(default_factory=dict)  # months back → counts


def _draw_person(rng: np.random.Generator, on: dt.date) -> _Draws:
    age = rng.uniform(23, 64)
    since = rng.uniform(0, 14)
    service = rng.uniform(0.5, max(0.6, min(35.0, age - since - 22)))
    retired_on = on - dt.timedelta(days=int(since * 365.25))
    names = [name for name, _ in DEPARTMENTS]
    draws = _Draws(
        birth_date=on - dt.timedelta(days=int(age * 365.25)),
        retired_on=retired_on,
        hired_on=retired_on - dt.timedelta(days=int(service * 365.25)),
        department=str(rng.choice(names, p=[w for _, w in DEPARTMENTS])),
        consenting=bool(rng.random() < CONSENT_RATE),
        interest=float(rng.normal()),
    )
    u = draws.interest
    if rng.random() < _sigmoid(np.array(-0.6 + 0.8 * u)):
        said = u + rng.normal(0, 0.7)
        draws.intent = (
            INTENT_OPTIONS[0]
            if said > 0.9
            else (INTENT_OPTIONS[2] if said < -0.2 else INTENT_OPTIONS[3])
        )
        draws.months.setdefault(int(rng.integers(0, 12)), {})[SignalType.SURVEY_ANSWERED] = 1
    _draw_months(rng, draws)
    return draws


def _draw_months(rng: np.random.Generator, draws: _Draws) -> None:
    """Behaviour in each of the 12 months before the reference day (step 4)."""
    u = draws.interest
    active = float(_sigmoid(np.array(-1.0 + 0.9 * u)))
    for back in range(12):
        if rng.random() >= active:
            continue
        counts = draws.months.setdefault(back, {})
        counts[SignalType.LOGIN] = int(rng.poisson(1 + 2 * math.exp(0.3 * u)))
        counts[SignalType.JOB_VIEWED] = int(rng.poisson(math.exp(-0.5 + 0.8 * u)))
        counts[SignalType.NOTICE_OPENED] = int(rng.poisson(0.8))
        if rng.random() < 0.05:
            counts[SignalType.CHAT_ACTIVE] = int(rng.integers(1, 4))


def true_features(draws: _Draws, on: dt.date) -> dict[str, float]:
    """The features of a person as the product computes them (features.py), from the draws."""
    recent = {SignalType.LOGIN: 0, SignalType.JOB_VIEWED: 0, SignalType.NOTICE_OPENED: 0}
    chat = 0
    for back, counts in draws.months.items():
        if back < 3:
            for kind in recent:
                recent[kind] += counts.get(kind, 0)
            chat += counts.get(SignalType.CHAT_ACTIVE, 0)
    active = [back for back, counts in draws.months.items() if any(counts.values())]
    values = {
        "intent_yes": 1.0 if draws.intent in INTENT_OPTIONS[:2] else 0.0,
        "intent_no": 1.0 if draws.intent == INTENT_OPTIONS[2] else 0.0,
        "logins_3m": math.log1p(recent[SignalType.LOGIN]),
        "job_views_3m": math.log1p(recent[SignalType.JOB_VIEWED]),
        "notice_opens_3m": math.log1p(recent[SignalType.NOTICE_OPENED]),
        "chat_active_3m": 1.0 if chat else 0.0,
        "survey_answered_12m": 1.0 if draws.intent else 0.0,
        "inactive_months": float(min(active) if active else 12),
        "years_since_leaving": float(full_years(draws.retired_on, on)),
        "years_of_service": float(min(full_years(draws.hired_on, draws.retired_on), 40)),
        age_band(full_years(draws.birth_date, on)): 1.0,
        f"dept:{draws.department}": 1.0,
    }
    return values


def _solve_intercept(scores: np.ndarray, base_rate: float) -> float:
    low, high = -15.0, 5.0
    for _ in range(60):
        middle = (low + high) / 2
        if float(_sigmoid(middle + scores).mean()) < base_rate:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _store_people(draws: list[_Draws], prefix: str) -> list[Alumnus]:
    users = get_user_model().objects.bulk_create(
        [
            get_user_model()(username=f"{prefix}-{index}", password=make_password(None))
            for index in range(len(draws))
        ]
    )
    return Alumnus.objects.bulk_create(
        [
            Alumnus(
                user=user,
                family_name="試行",
                given_name=f"{index:05d}",
                family_name_kana="しこう",
                given_name_kana="たろう",
                email=f"{prefix}-{index}@example.invalid",
                birth_date=person.birth_date,
                hired_on=person.hired_on,
                retired_on=person.retired_on,
                former_department=person.department,
                status=AlumnusStatus.ACTIVE,
                # Nobody invited them (no roster entry, no invitation): registered without an
                # invitation and approved by HR, as the product would have it. As "email", the
                # demo's monthly report counted 600 registered by invitation beside 4 invited.
                channel=RegistrationChannel.OPEN,
                consent_analytics=person.consenting,
                privacy_notice_version=settings.ALUMNI_PRIVACY_NOTICE_VERSION,
                approved_at=timezone.now(),
            )
            for index, (user, person) in enumerate(zip(users, draws, strict=True))
        ]
    )


def _store_behaviour(alumnus: Alumnus, person: _Draws, on: dt.date) -> None:
    """The months that decide the features: the last 3, and the latest active one before."""
    older = [back for back, counts in person.months.items() if back >= 3 and any(counts.values())]
    keep = {back for back in person.months if back < 3}
    keep |= {min(older)} if older else set()
    keep |= {back for back, c in person.months.items() if c.get(SignalType.SURVEY_ANSWERED)}
    for back in sorted(keep):
        month = month_start(on, back)
        at = timezone.make_aware(dt.datetime(month.year, month.month, 1, 12))
        events = [
            SignalEvent(
                type=kind,
                content_kind=ContentKind.JOB if kind == SignalType.JOB_VIEWED else "",
                count=count,
            )
            for kind, count in person.months[back].items()
            if count
        ]
        if events:
            signals_store(alumnus=alumnus, events=events, at=at)


def _store_answers(
    people: list[tuple[Alumnus, _Draws]],
    survey_parts: tuple[SurveyPage, SurveyVersion, dict[str, Any]],
    on: dt.date,
) -> None:
    survey, version, question = survey_parts
    option = {o["label"]: o["id"] for o in question["options"]}
    answered = [(a, d) for a, d in people if d.intent]
    already = set(
        SurveyResponse.objects.filter(
            survey=survey, alumnus_id__in=[a.pk for a, _ in answered]
        ).values_list("alumnus_id", flat=True)
    )
    SurveyResponse.objects.bulk_create(
        SurveyResponse(
            survey=survey,
            alumnus=alumnus,
            version=version,
            answers={question["id"]: option[draws.intent]},
            targeting_consent=[question["id"]],
            submitted_at=_answered_at(draws, on),
            updated_at=_answered_at(draws, on),
        )
        for alumnus, draws in answered
        if alumnus.pk not in already
    )


def _answered_at(draws: _Draws, on: dt.date) -> dt.datetime:
    back = next(b for b, c in draws.months.items() if c.get(SignalType.SURVEY_ANSWERED))
    month = month_start(on, back)
    return timezone.make_aware(dt.datetime(month.year, month.month, 1, 12))


def cohort_simulate(
    *, season: Season, n: int, seed: int = 1, base_rate: float = 0.07, prefix: str = "sim"
) -> Cohort:
    """Create `n` simulated alumni with behaviour, survey answers and outcomes of `season`
    (features as of its applications_open day); the cohort knows each true probability."""
    rng = np.random.default_rng(seed)
    on = season.applications_open
    draws = [_draw_person(rng, on) for _ in range(n)]
    features = [true_features(person, on) for person in draws]
    scores = np.array(
        [math.fsum(TRUE_WEIGHTS.get(k, 0.0) * v for k, v in f.items()) for f in features]
    )
    with transaction.atomic():
        alumni = _store_people(draws, f"{prefix}-{seed}")
        eligible = np.array(
            [eligibility_for(alumnus=a, season=season).eligible for a in alumni], dtype=bool
        )
        consenting = np.array([d.consenting for d in draws], dtype=bool)
        target = eligible & consenting
        beta0 = _solve_intercept(scores[target], base_rate) if target.any() else -2.6
        probability = _sigmoid(beta0 + scores)
        applied = (rng.random(n) < probability) & eligible
        hired = applied & (rng.random(n) < HIRED_SHARE)
        _store_answers(
            [(a, d) for a, d in zip(alumni, draws, strict=True) if d.consenting],
            intent_survey(),
            on,
        )
        Outcome.objects.bulk_create(
            Outcome(season=season, alumnus=a, applied=True, hired=bool(hired[i]))
            for i, a in enumerate(alumni)
            if applied[i]
        )
    for alumnus, person in zip(alumni, draws, strict=True):
        if person.consenting:
            _store_behaviour(alumnus, person, on)
    return Cohort(
        season=season,
        people=[
            SimulatedPerson(
                alumnus_id=a.pk,
                eligible=bool(eligible[i]),
                consenting=bool(consenting[i]),
                true_probability=float(probability[i]) if eligible[i] else None,
                applied=bool(applied[i]),
            )
            for i, a in enumerate(alumni)
        ],
        interests={a.pk: d.interest for a, d in zip(alumni, draws, strict=True)},
    )


def behaviour_simulate(*, cohort: Cohort, on: dt.date, seed: int = 1) -> int:
    """Behaviour of the cohort's consenting people in the 12 months before `on`, drawn afresh
    from each one's latent interest (as the demo needs recent activity); how many people."""
    rng = np.random.default_rng(seed)
    people = Alumnus.objects.filter(pk__in=list(cohort.interests), consent_analytics=True).order_by(
        "pk"
    )
    count = 0
    for alumnus in people:
        draws = _Draws(
            birth_date=alumnus.birth_date,
            hired_on=alumnus.hired_on or alumnus.birth_date,
            retired_on=alumnus.retired_on or alumnus.birth_date,
            department=alumnus.former_department,
            consenting=True,
            interest=cohort.interests[alumnus.pk],
        )
        _draw_months(rng, draws)
        _store_behaviour(alumnus, draws, on)
        count += 1
    return count


def season_of_year(year: int, **rules: Any) -> Season:
    """A season of `year` with Miyagi's calendar: applications in late October of the year
    before, selection in December, appointment on 1 April (created when missing)."""
    season, _ = Season.objects.get_or_create(
        year=year,
        defaults={
            "applications_open": dt.date(year - 1, 10, 20),
            "applications_close": dt.date(year - 1, 10, 31),
            "selection_on": dt.date(year - 1, 12, 13),
            "appointment_on": dt.date(year, 4, 1),
            "max_age": 59,
            **rules,
        },
    )
    return season
