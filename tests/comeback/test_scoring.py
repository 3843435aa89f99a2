"""The prior scorecard's estimates: contributions add up, reasons, history, no score without
eligibility or consent."""

import datetime as dt
import math

import pytest

from cms.analytics.models import ContentKind, SignalType
from cms.analytics.services import SignalEvent, signals_store
from cms.comeback.models import Estimate
from cms.comeback.scoring import logit
from cms.comeback.selectors import (
    NO_CONSENT,
    comeback_band_counts,
    comeback_estimate,
    estimates_latest,
    window_closing_within,
)
from cms.comeback.services import comeback_scores_recompute
from tests.alumni.factories import AlumnusFactory
from tests.comeback.factories import SeasonFactory
from tests.comeback.ui_builders import fitted_version_of_use

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 15)
FACTS = {
    "hired_on": dt.date(2010, 4, 1),
    "retired_on": dt.date(2020, 3, 31),
    "birth_date": dt.date(1985, 5, 10),
}


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)


def test_an_eligible_consenting_person_gets_a_prior_estimate_whose_terms_add_up() -> None:
    SeasonFactory()
    person = AlumnusFactory(consent_analytics=True, **FACTS)
    signals_store(
        alumnus=person,
        events=[
            SignalEvent(type=SignalType.LOGIN),
            *[SignalEvent(type=SignalType.JOB_VIEWED, content_kind=ContentKind.JOB)] * 3,
        ],
        at=_at(TODAY),
    )
    comeback_scores_recompute(today=TODAY)
    estimate = comeback_estimate(alumnus=person)
    assert estimate.probability is not None
    assert estimate.is_prior and estimate.model_label == "事前設定による推計"
    assert math.fsum(c.log_odds for c in estimate.contributions) == pytest.approx(
        logit(estimate.probability), abs=1e-9
    )
    assert estimate.contributions[0].code == "intercept"
    assert "求人情報を直近3か月で3回閲覧（＋）" in estimate.top_reasons
    assert len(estimate.top_reasons) == 3
    assert estimate.band in ("high", "medium", "low") and estimate.band_label in "高中低"
    assert estimate.eligibility.window_closes_on == dt.date(2030, 3, 31)


def test_no_estimate_without_consent_or_eligibility_only_the_reason() -> None:
    SeasonFactory()
    refused = AlumnusFactory(consent_analytics=False, **FACTS)
    too_short = AlumnusFactory(
        consent_analytics=True, **(FACTS | {"hired_on": dt.date(2019, 4, 1)})
    )
    comeback_scores_recompute(today=TODAY)
    no_consent = comeback_estimate(alumnus=refused)
    assert no_consent.probability is None and no_consent.band == ""
    assert no_consent.reason == NO_CONSENT and no_consent.contributions == []
    ineligible = comeback_estimate(alumnus=too_short)
    assert ineligible.probability is None and not ineligible.eligibility.eligible
    assert "在職期間" in ineligible.reason and ineligible.top_reasons == []
    assert comeback_band_counts() | {} == {
        "high": 0,
        "medium": 0,
        "low": 0,
        "ineligible": 1,
        "no_consent": 1,
    }


def test_history_is_kept_and_says_what_changed() -> None:
    SeasonFactory()
    person = AlumnusFactory(consent_analytics=True, **FACTS)
    comeback_scores_recompute(today=TODAY)
    later = TODAY + dt.timedelta(days=1)
    signals_store(
        alumnus=person,
        events=[SignalEvent(type=SignalType.JOB_VIEWED, content_kind=ContentKind.JOB)] * 4,
        at=_at(later),
    )
    comeback_scores_recompute(today=later)
    comeback_scores_recompute(today=later)  # again the same day: replaced, not added
    rows = list(Estimate.objects.filter(alumnus=person).order_by("computed_on"))
    assert [row.computed_on for row in rows] == [TODAY, later]
    assert rows[0].changed == "初回の推計"
    assert "上昇" in rows[1].changed and "求人情報を直近3か月で4回閲覧" in rows[1].changed
    assert list(estimates_latest()) == [rows[1]]
    assert window_closing_within(days=365 * 5, today=later) == 1
    assert window_closing_within(days=30, today=later) == 0


def _answer(person: object, label: str, *, consent: bool) -> None:
    from django.utils import timezone

    from cms.comeback.simulation import intent_survey
    from cms.surveys.models import SurveyResponse

    survey, version, question = intent_survey()
    option = {o["label"]: o["id"] for o in question["options"]}[label]
    at = timezone.now() - dt.timedelta(days=400)
    SurveyResponse.objects.create(
        survey=survey,
        alumnus=person,
        version=version,
        answers={question["id"]: option},
        targeting_consent=[question["id"]] if consent else [],
        submitted_at=at,
        updated_at=at,
    )


def test_stated_intent_counts_only_with_the_persons_consent_to_its_use() -> None:
    SeasonFactory()
    willing = AlumnusFactory(consent_analytics=True, **FACTS)
    private = AlumnusFactory(consent_analytics=True, **FACTS)
    _answer(willing, "ぜひ戻りたい", consent=True)
    _answer(private, "ぜひ戻りたい", consent=False)
    comeback_scores_recompute(today=TODAY)
    first = comeback_estimate(alumnus=willing)
    second = comeback_estimate(alumnus=private)
    assert first.top_reasons[0] == "アンケートで県職員に戻ることに関心ありと回答（＋）"
    assert not any("関心あり" in reason for reason in second.top_reasons)
    assert first.probability is not None and second.probability is not None
    assert first.probability > second.probability


def test_stopping_analysis_removes_the_scores_at_the_next_recompute() -> None:
    SeasonFactory()
    person = AlumnusFactory(consent_analytics=True, **FACTS)
    comeback_scores_recompute(today=TODAY)
    person.consent_analytics = False
    person.save()
    comeback_scores_recompute(today=TODAY + dt.timedelta(days=1))
    assert list(Estimate.objects.filter(alumnus=person).values_list("probability", "reason")) == [
        (None, NO_CONSENT)
    ]


def test_stopping_analysis_removes_the_scores_at_once() -> None:
    from cms.analytics.services import analysis_consent_set

    SeasonFactory()
    person = AlumnusFactory(consent_analytics=True, **FACTS)
    comeback_scores_recompute(today=TODAY)
    assert Estimate.objects.filter(alumnus=person, probability__isnull=False).exists()
    analysis_consent_set(alumnus=person, given=False)
    assert not Estimate.objects.filter(alumnus=person).exists()
    assert comeback_estimate(alumnus=person).probability is None


def test_a_band_or_department_term_of_someone_outside_it_says_so() -> None:
    from cms.comeback.features import Features
    from cms.comeback.scoring import label_of

    thirties = Features(values={"age_30s": 1.0, "dept:土木部": 1.0})
    fifties = Features(values={"age_50plus": 1.0})
    assert label_of("age_30s", thirties) == "年齢（30代）"
    assert label_of("age_30s", fifties) == "年齢（30代以外）"
    assert label_of("age_50plus", thirties) == "年齢（50歳未満）"
    assert label_of("dept:土木部", thirties) == "退職時の所属（土木部）"
    assert label_of("dept:土木部", fifties) == "退職時の所属（土木部以外）"


def test_a_fitted_models_bands_read_as_one_term_of_what_the_person_has() -> None:
    """A fitted model centres every band and department: someone in their 40s got 「年齢（30歳
    以上）」「年齢（30代以外）」「年齢（50歳未満）」 as three reasons. They are one term now."""
    from cms.comeback.features import Features
    from cms.comeback.scoring import contributions_of, probability_of, top_reasons

    def centred(weight: float, mean: float) -> dict[str, float]:
        return {"weight": weight, "mean": mean, "scale": 1.0}

    coefficients = {
        "intercept": -2.5,
        "features": {
            "age_under30": centred(0.4, 0.2),
            "age_30s": centred(0.3, 0.3),
            "age_50plus": centred(-0.6, 0.2),
            "dept:土木部": centred(0.5, 0.3),
            "dept:農政部": centred(-0.2, 0.4),
            "intent_yes": centred(1.5, 0.1),
            "intent_no": centred(-1.2, 0.1),
            "logins_3m": centred(0.3, 1.0),
        },
    }
    person = Features(
        values={"age_40s": 1.0, "dept:総務部": 1.0, "logins_3m": 2.0},
        counts={"logins_3m": 2},
        department="総務部",
    )
    found = contributions_of(coefficients=coefficients, features=person)
    labels = {c.code: c.label for c in found}
    assert labels == {
        "intercept": "基準（平均的な方）",
        "age": "年齢（40代）",
        "dept": "退職時の所属（総務部）",
        "intent": "アンケートで関心の有無の回答なし",
        "logins_3m": "直近3か月に確認コードでログイン2回",
    }
    terms = {c.code: c.log_odds for c in found}
    assert terms["age"] == pytest.approx(-0.4 * 0.2 - 0.3 * 0.3 + 0.6 * 0.2)
    assert terms["dept"] == pytest.approx(-0.5 * 0.3 + 0.2 * 0.4)
    z = -2.5 + terms["age"] + terms["dept"] + (-1.5 * 0.1 + 1.2 * 0.1) + 0.3 * (2.0 - 1.0)
    assert probability_of(found) == pytest.approx(1 / (1 + math.exp(-z)))
    assert not any("以外" in r or "未満" in r for r in top_reasons(found, limit=10))


def test_a_person_who_stays_signed_in_is_not_said_to_have_no_logins_beside_their_use() -> None:
    """A login signal is a sign-in with the mailed code. 青葉 stayed signed in and read pages
    this month: her estimate says so, not 「直近3か月のログインなし」 beside 「今月も利用あり」;
    泉 did nothing for a year: 「直近3か月の利用なし」. (A fitted model's centred term speaks of
    the count even when it is 0.)"""
    SeasonFactory()
    fitted_version_of_use()
    aoba = AlumnusFactory(consent_analytics=True, **FACTS)
    izumi = AlumnusFactory(consent_analytics=True, **FACTS)
    signals_store(
        alumnus=aoba,
        events=[SignalEvent(type=SignalType.PAGE_VIEW, content_kind=ContentKind.PAGE)] * 2,
        at=_at(TODAY),
    )
    comeback_scores_recompute(today=TODAY)

    used = {c.code: c.label for c in comeback_estimate(alumnus=aoba).contributions}
    idle = {c.code: c.label for c in comeback_estimate(alumnus=izumi).contributions}
    assert used["inactive_months"] == "今月も利用あり"
    assert used["logins_3m"] == "直近3か月は確認コードでのログインなし（ログインしたまま利用）"
    assert idle["inactive_months"] == "この1年の利用なし"
    assert idle["logins_3m"] == "直近3か月の利用なし"
