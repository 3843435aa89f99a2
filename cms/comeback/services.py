"""Writes of the comeback domain: nightly estimates, model versions, outcomes."""

import datetime as dt
from collections.abc import Iterator

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction
from django.utils import timezone

from cms.alumni.models import Alumnus, AlumnusStatus, AuditAction
from cms.alumni.services import audit_log_record
from cms.errors import ServiceError

from .eligibility import Eligibility, eligibility_for
from .features import Features, features_for
from .fitting import FitError, fit_season, reliability_png
from .models import Estimate, ModelKind, ModelVersion, Outcome, Season
from .outcomes import OutcomeFileError, OutcomeImport, outcomes_read
from .scoring import (
    BAND_LABELS,
    PRIOR_COEFFICIENTS,
    Contribution,
    band_of,
    contributions_of,
    probability_of,
    top_reasons,
)
from .selectors import NO_CONSENT, current_season, model_version_active, season_rules

BATCH = 1000
# Audit targets (comeback-ui registers their labels with `register_audit_targets`).
AUDIT_MODEL = "comeback_model"
AUDIT_OUTCOME = "comeback_outcome"
AUDIT_IMPORT = "comeback_outcomes_import"


def model_version_prior() -> ModelVersion:
    """The prior scorecard's version (made once; active when no other version is)."""
    version = ModelVersion.objects.filter(kind=ModelKind.PRIOR).order_by("created_at").first()
    if version is None:
        version = ModelVersion.objects.create(
            kind=ModelKind.PRIOR, coefficients=PRIOR_COEFFICIENTS, metrics={}
        )
    if not ModelVersion.objects.filter(is_active=True).exists():
        ModelVersion.objects.filter(pk=version.pk).update(is_active=True)
        version.is_active = True
    return version


def model_version_activate(
    *, version: ModelVersion, actor: AbstractBaseUser | AnonymousUser | None
) -> ModelVersion:
    """Make `version` the one the nightly estimates use (HR does this after seeing its metrics)."""
    with transaction.atomic():
        ModelVersion.objects.select_for_update().filter(is_active=True).update(is_active=False)
        ModelVersion.objects.filter(pk=version.pk).update(is_active=True)
        audit_log_record(
            actor=actor,
            action=AuditAction.EDIT,
            target=AUDIT_MODEL,
            record_ids=[version.pk],
            detail=f"{version.label} を使用中にしました",
        )
    version.is_active = True
    return version


def _changed(previous: Estimate | None, current: Estimate, reasons: list[str]) -> str:
    """What changed since the previous estimate, in a few Japanese words."""
    if previous is None:
        return "初回の推計"
    parts: list[str] = []
    if previous.eligible != current.eligible:
        parts.append("受験資格あり" if current.eligible else "受験資格なし")
    if previous.band != current.band:
        before = BAND_LABELS.get(previous.band) or "推計なし"
        after = BAND_LABELS.get(current.band) or "推計なし"
        parts.append(f"区分が{before}から{after}に")
    if previous.probability is not None and current.probability is not None:
        delta = round((current.probability - previous.probability) * 100, 1)
        if abs(delta) >= 0.1:
            parts.append(f"見込みが{abs(delta)}ポイント{'上昇' if delta > 0 else '低下'}")
        old = set(top_reasons(_as_contributions(previous)))
        new = [reason for reason in reasons if reason not in old]
        if new:
            parts.append("新たな要因: " + "、".join(new))
    return "；".join(parts)[:300] or "変化なし"


def _as_contributions(estimate: Estimate) -> list[Contribution]:
    return [
        Contribution(code=c["code"], label=c["label"], log_odds=float(c["log_odds"]))
        for c in estimate.contributions
    ]


def estimate_build(
    *,
    alumnus: Alumnus,
    eligibility: Eligibility,
    features: Features | None,
    version: ModelVersion,
    today: dt.date,
) -> Estimate:
    """One person's estimate row (unsaved): the score, or the reason there is none."""
    estimate = Estimate(
        alumnus=alumnus,
        computed_on=today,
        model_version=version,
        eligible=eligibility.eligible,
        window_closes_on=eligibility.window_closes_on,
    )
    if not eligibility.eligible:
        estimate.reason = eligibility.reason
        return estimate
    if not alumnus.consent_analytics or features is None:
        estimate.reason = NO_CONSENT
        return estimate
    contributions = contributions_of(coefficients=version.coefficients, features=features)
    estimate.probability = probability_of(contributions)
    estimate.band = band_of(estimate.probability)
    estimate.contributions = [
        {"code": c.code, "label": c.label, "log_odds": c.log_odds} for c in contributions
    ]
    return estimate


def _batches(alumni_ids: list[int] | None) -> Iterator[list[Alumnus]]:
    people = Alumnus.objects.filter(status=AlumnusStatus.ACTIVE).order_by("pk")
    if alumni_ids is not None:
        people = people.filter(pk__in=alumni_ids)
    batch: list[Alumnus] = []
    for alumnus in people.iterator(chunk_size=BATCH):
        batch.append(alumnus)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _previous(ids: list[int], today: dt.date) -> dict[int, Estimate]:
    found: dict[int, Estimate] = {}
    for estimate in Estimate.objects.filter(alumnus_id__in=ids, computed_on__lt=today).order_by(
        "computed_on"
    ):
        found[estimate.alumnus_id] = estimate
    return found


def comeback_scores_recompute(
    *, today: dt.date | None = None, alumni_ids: list[int] | None = None
) -> int:
    """Compute today's estimate of every registered alumnus (or `alumni_ids`) with the active
    model version; yesterday's rows stay (history), today's are replaced. How many were written."""
    today = today or timezone.localdate()
    season = current_season(today=today)
    rules = season_rules(season, today)
    version = model_version_active() or model_version_prior()
    written = 0
    for batch in _batches(alumni_ids):
        ids = [alumnus.pk for alumnus in batch]
        verdicts = {alumnus.pk: eligibility_for(alumnus=alumnus, season=rules) for alumnus in batch}
        scored = [a for a in batch if verdicts[a.pk].eligible and a.consent_analytics]
        features = features_for(alumni=scored, on=today)
        previous = _previous(ids, today)
        rows = []
        for alumnus in batch:
            row = estimate_build(
                alumnus=alumnus,
                eligibility=verdicts[alumnus.pk],
                features=features.get(alumnus.pk),
                version=version,
                today=today,
            )
            row.changed = _changed(
                previous.get(alumnus.pk), row, top_reasons(_as_contributions(row))
            )
            rows.append(row)
        withdrawn = [a.pk for a in batch if not a.consent_analytics]
        with transaction.atomic():
            Estimate.objects.filter(alumnus_id__in=ids, computed_on=today).delete()
            # Stopping analysis also removes the scores computed while it was allowed.
            Estimate.objects.filter(alumnus_id__in=withdrawn, probability__isnull=False).delete()
            Estimate.objects.bulk_create(rows)
        written += len(rows)
    return written


def season_for_year(*, year: int) -> Season | None:
    return Season.objects.filter(year=year).first()


# --- outcomes ---------------------------------------------------------------------------------


def outcome_record(
    *,
    season: Season,
    alumnus: Alumnus,
    applied: bool,
    hired: bool,
    actor: AbstractBaseUser | AnonymousUser | None,
) -> Outcome:
    """Record whether `alumnus` applied (and was hired) in `season` (audit-logged)."""
    if hired and not applied:
        raise ServiceError("採用は応募した方に限り記録できます。", field="hired")
    user = actor if isinstance(actor, User) else None
    with transaction.atomic():
        outcome, _ = Outcome.objects.update_or_create(
            season=season,
            alumnus=alumnus,
            defaults={"applied": applied, "hired": hired, "recorded_by": user},
        )
        audit_log_record(
            actor=actor,
            action=AuditAction.EDIT,
            target=AUDIT_OUTCOME,
            record_ids=[alumnus.pk],
            detail=f"{season.year}年度 応募={'あり' if applied else 'なし'} 採用={'あり' if hired else 'なし'}",
        )
    return outcome


def outcomes_import(
    *,
    data: bytes,
    filename: str,
    season: Season,
    actor: AbstractBaseUser | AnonymousUser | None,
    commit: bool,
) -> OutcomeImport:
    """Read HR's list of applicants: matched rows and unmatched rows with the reason. With
    `commit` the matched rows are recorded (all or nothing, audit-logged); without it nothing
    changes. A file that cannot be read raises OutcomeFileError (Japanese) and changes nothing."""
    result = outcomes_read(filename=filename, data=data)
    if not commit:
        return result
    if not result.matched:
        raise OutcomeFileError("登録者と一致する行がないため、記録しませんでした", field="file")
    user = actor if isinstance(actor, User) else None
    with transaction.atomic():
        for row in result.matched:
            Outcome.objects.update_or_create(
                season=season,
                alumnus=row.alumnus,
                defaults={"applied": row.applied, "hired": row.hired, "recorded_by": user},
            )
        audit_log_record(
            actor=actor,
            action=AuditAction.IMPORT,
            target=AUDIT_IMPORT,
            record_ids=[row.alumnus.pk for row in result.matched],
            detail=(
                f"{season.year}年度 {filename}: {len(result.matched)}件を記録、"
                f"一致しない行 {len(result.unmatched)}件"
            ),
        )
    result.recorded = len(result.matched)
    return result


# --- fitted models ----------------------------------------------------------------------------


def comeback_fit(*, season_year: int) -> ModelVersion:
    """Fit a model on the season's outcomes and store it, with its held-out metrics and its
    reliability diagram, as an inactive version (HR activates it after seeing them)."""
    season = Season.objects.filter(year=season_year).first()
    if season is None:
        raise FitError(f"{season_year}年度の募集年度が登録されていません")
    coefficients, metrics = fit_season(season=season)
    version = ModelVersion(
        kind=ModelKind.FITTED, season=season, coefficients=coefficients, metrics=metrics
    )
    version.reliability_png = reliability_png(metrics, title=f"信頼性図（{version.label}）")
    version.save()
    return version
