"""Fitting on a simulated season: close to the true model, calibrated, additive, activated only
through the audited service."""

import math

import pytest

from cms.alumni.models import AuditLogEntry
from cms.comeback.fitting import FitError
from cms.comeback.models import Estimate, ModelKind, ModelVersion
from cms.comeback.scoring import logit
from cms.comeback.selectors import comeback_estimate, model_version_active
from cms.comeback.services import (
    comeback_fit,
    comeback_scores_recompute,
    model_version_activate,
    model_version_prior,
)
from cms.comeback.simulation import cohort_simulate, season_of_year

pytestmark = pytest.mark.django_db
N = 1200


def test_a_fitted_model_comes_close_to_the_true_one_and_is_calibrated() -> None:
    season = season_of_year(2026)
    cohort = cohort_simulate(season=season, n=N, seed=3, base_rate=0.08)
    version = comeback_fit(season_year=2026)
    metrics = version.metrics
    scored = cohort.scored()
    assert metrics["n"] == len(scored)
    assert metrics["positives"] == sum(p.applied for p in scored)
    assert metrics["brier"] - cohort.true_brier() < 0.015
    assert metrics["ece"] <= 0.05
    assert metrics["auc"] > 0.7
    assert metrics["brier_skill"] > 0
    assert sum(b["n"] for b in metrics["reliability"]) == metrics["n"]
    assert bytes(version.reliability_png).startswith(b"\x89PNG")
    assert version.kind == ModelKind.FITTED and not version.is_active


def test_fitted_estimates_add_up_for_every_person_and_skip_the_ineligible(
    admin_user: object,
) -> None:
    season = season_of_year(2026)
    cohort = cohort_simulate(season=season, n=400, seed=5, base_rate=0.1)
    model_version_prior()
    version = comeback_fit(season_year=2026)
    model_version_activate(version=version, actor=admin_user)  # type: ignore[arg-type]
    assert model_version_active() == version
    assert AuditLogEntry.objects.filter(target="comeback_model", action="edit").count() == 1
    comeback_scores_recompute(today=season.applications_open)  # season 2026 is coming
    by_person = {p.alumnus_id: p for p in cohort.people}
    rows = Estimate.objects.filter(alumnus_id__in=by_person)
    assert rows.count() == len(by_person)
    for row in rows:
        person = by_person[row.alumnus_id]
        if person.eligible and person.consenting:
            assert row.probability is not None and row.model_version == version
            total = math.fsum(c["log_odds"] for c in row.contributions)
            assert total == pytest.approx(logit(row.probability), abs=1e-9)
        else:
            assert row.probability is None and row.contributions == [] and row.reason
    someone = next(p for p in cohort.scored())
    from cms.alumni.models import Alumnus

    estimate = comeback_estimate(alumnus=Alumnus.objects.get(pk=someone.alumnus_id))
    assert not estimate.is_prior
    assert estimate.model_label == "学習済みモデル（令和8年度の結果）"


def test_only_one_version_is_active_at_a_time(admin_user: object) -> None:
    prior = model_version_prior()
    other = ModelVersion.objects.create(kind=ModelKind.PRIOR, coefficients=prior.coefficients)
    model_version_activate(version=other, actor=admin_user)  # type: ignore[arg-type]
    assert list(ModelVersion.objects.filter(is_active=True)) == [other]


def test_a_season_without_enough_outcomes_is_refused_in_japanese() -> None:
    season_of_year(2026)
    with pytest.raises(FitError, match="学習できません"):
        comeback_fit(season_year=2026)
    with pytest.raises(FitError, match="登録されていません"):
        comeback_fit(season_year=2031)
