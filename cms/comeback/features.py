"""A person's features for the estimate: HR-held facts, stated intent from surveys, behaviour.

- HR facts (the roster's dates): years since leaving, years of service, age band, department.
- Stated intent: the answer to the survey question whose label is
  `settings.COMEBACK_INTENT_QUESTION` (a single choice), mapped by
  `settings.COMEBACK_INTENT_ANSWERS` (option label → "yes" | "no"; other options say nothing),
  and only when the person agreed to that answer being used for information (targeting consent).
- Behaviour: monthly counts from the analytics domain (`monthly_counts`) over the 3 months up
  to the reference date (logins, job views, notice opens, chat activity), survey participation
  over 12 months, and months since the last active month (12 when none in a year).
Counts enter as log(1 + n): the tenth login says less than the first."""

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings

from cms.alumni.models import Alumnus
from cms.analytics.models import SignalType
from cms.analytics.selectors import monthly_counts
from cms.surveys.models import SurveyResponse

from .eligibility import full_years

DEFAULT_INTENT_QUESTION = "県職員に戻って働くことに関心はありますか"
DEFAULT_INTENT_ANSWERS = {
    "ぜひ戻りたい": "yes",
    "条件が合えば戻りたい": "yes",
    "今は考えていない": "no",
}
RECENT_MONTHS = 3
YEAR_MONTHS = 12
AGE_BANDS = (("age_under30", 0, 29), ("age_30s", 30, 39), ("age_40s", 40, 49))
AGE_OLDEST = "age_50plus"
COUNTED = {
    "logins_3m": (SignalType.LOGIN,),
    "job_views_3m": (SignalType.JOB_VIEWED,),
    "notice_opens_3m": (SignalType.NOTICE_OPENED,),
}


@dataclass
class Features:
    """Values the model reads (`values`, by code) and the plain counts the reasons quote."""

    values: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    department: str = ""


def month_start(day: dt.date, back: int = 0) -> dt.date:
    """The first day of the month `back` months before `day`'s month."""
    year, month = divmod(day.year * 12 + day.month - 1 - back, 12)
    return dt.date(year, month + 1, 1)


def age_band(age: int) -> str:
    for code, low, high in AGE_BANDS:
        if low <= age <= high:
            return code
    return AGE_OLDEST


def department_code(department: str) -> str:
    return f"dept:{department}"


def stated_intents(*, alumni_ids: Iterable[int], on: dt.date) -> dict[int, str]:
    """{alumnus id: "yes" | "no"} from the latest consented answer to the intent question."""
    label = getattr(settings, "COMEBACK_INTENT_QUESTION", DEFAULT_INTENT_QUESTION)
    meaning = getattr(settings, "COMEBACK_INTENT_ANSWERS", DEFAULT_INTENT_ANSWERS)
    found: dict[int, str] = {}
    responses = (
        SurveyResponse.objects.filter(alumnus_id__in=list(alumni_ids), updated_at__date__lte=on)
        .select_related("version")
        .order_by("updated_at")
    )
    for response in responses:
        for question in response.version.schema.get("questions", []):
            if question.get("label") != label or question["id"] not in response.targeting_consent:
                continue
            chosen = response.answers.get(question["id"])
            options = {option["id"]: option["label"] for option in question.get("options", [])}
            intent = meaning.get(options.get(chosen, ""), "")
            if intent:
                found[response.alumnus_id] = intent
    return found


def _behaviour(counts: dict[tuple[dt.date, str], int], on: dt.date) -> tuple[dict, dict]:
    recent = month_start(on, RECENT_MONTHS - 1)
    year = month_start(on, YEAR_MONTHS - 1)
    last = month_start(on)
    totals = {code: 0 for code in (*COUNTED, "chat_3m", "survey_12m")}
    active_months = []
    for (month, kind), count in counts.items():
        if month > last or month < year or count <= 0:
            continue
        active_months.append(month)
        if kind == SignalType.SURVEY_ANSWERED:
            totals["survey_12m"] += count
        if month < recent:
            continue
        for code, kinds in COUNTED.items():
            if kind in kinds:
                totals[code] += count
        if kind == SignalType.CHAT_ACTIVE:
            totals["chat_3m"] += count
    latest = max(active_months, default=None)
    inactive = (
        YEAR_MONTHS
        if latest is None
        else (last.year * 12 + last.month) - (latest.year * 12 + latest.month)
    )
    values = {code: math.log1p(totals[code]) for code in COUNTED}
    values["chat_active_3m"] = 1.0 if totals["chat_3m"] else 0.0
    values["survey_answered_12m"] = 1.0 if totals["survey_12m"] else 0.0
    values["inactive_months"] = float(inactive)
    plain = {**totals, "inactive_months": inactive}
    return values, plain


def features_for(*, alumni: list[Alumnus], on: dt.date) -> dict[int, Features]:
    """Features of each person as of `on` (their HR facts must be known: see eligibility)."""
    ids = [alumnus.pk for alumnus in alumni]
    behaviour = monthly_counts(since=month_start(on, YEAR_MONTHS - 1), alumni_ids=ids)
    intents = stated_intents(alumni_ids=ids, on=on)
    found: dict[int, Features] = {}
    for alumnus in alumni:
        values, plain = _behaviour(behaviour.get(alumnus.pk, {}), on)
        since = full_years(alumnus.retired_on, on) if alumnus.retired_on else 0
        service = (
            full_years(alumnus.hired_on, alumnus.retired_on)
            if alumnus.hired_on and alumnus.retired_on
            else 0
        )
        age = full_years(alumnus.birth_date, on)
        intent = intents.get(alumnus.pk, "")
        values |= {
            "years_since_leaving": float(since),
            "years_of_service": float(min(service, 40)),
            age_band(age): 1.0,
            "intent_yes": 1.0 if intent == "yes" else 0.0,
            "intent_no": 1.0 if intent == "no" else 0.0,
        }
        if alumnus.former_department:
            values[department_code(alumnus.former_department)] = 1.0
        plain |= {"years_since_leaving": since, "years_of_service": service, "age": age}
        found[alumnus.pk] = Features(
            values=values, counts=plain, department=alumnus.former_department
        )
    return found
