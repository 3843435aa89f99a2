"""Fitting the estimate on a season's outcomes: regularised logistic regression (scikit-learn),
Platt calibration folded into the coefficients, held-out evaluation, the reliability diagram.

Who is in a season's training set: every registered alumnus eligible for that season under its
rules who agreed to analysis, with features as of the day applications opened and the label
"applied" (an Outcome with applied=True; no Outcome means did not apply).

Why the contributions stay additive: the model is linear in standardised features,
s = b + Σ w·z with z = (x − mean)/scale. Platt scaling maps s to a·s + c, still linear, so the
calibrated log-odds is (a·b + c) + Σ (a·w)·z: the calibrated weights are stored and each term is
a contribution. Calibration is fitted on held-out (cross-validated) scores of the training data;
the metrics come from outer folds in which the whole procedure (standardise, fit, calibrate) is
refitted without the fold, so they are honest out-of-sample figures.

scikit-learn (with SciPy, about a second to import) and matplotlib are imported by the functions
that use them: every process that loads Django imports this module (the admin's views), and most
of them (a task worker, a build, a management command) never fit a model."""

import datetime as dt
import io
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings

from cms.alumni.models import Alumnus, AlumnusStatus
from cms.errors import ServiceError

from .eligibility import eligibility_for
from .features import AGE_BANDS, COUNTED, Features, department_code, features_for
from .models import Outcome, Season

# The features a fitted model may use (the 40s age band is the reference category).
BASE_FEATURES = (
    "intent_yes",
    "intent_no",
    *COUNTED,
    "survey_answered_12m",
    "chat_active_3m",
    "inactive_months",
    "years_since_leaving",
    "years_of_service",
    *(code for code, _low, _high in AGE_BANDS if code != "age_40s"),
    "age_50plus",
)
MIN_DEPARTMENT = 30  # a department enters as its own feature with at least this many people
C = 1.0  # inverse L2 strength on standardised features
FOLDS = 5
BINS = 10
SEED = 20260401


class FitError(ServiceError):
    """The season's data cannot support a fit (Japanese message)."""


@dataclass(frozen=True)
class TrainingSet:
    codes: list[str]
    x: np.ndarray
    y: np.ndarray
    alumni_ids: list[int]


def _matrix(features: list[Features], codes: list[str]) -> np.ndarray:
    return np.array([[f.values.get(code, 0.0) for code in codes] for f in features], dtype=float)


def training_set(*, season: Season) -> TrainingSet:
    """Eligible, consenting alumni of `season` with features on its opening day and the label."""
    people = [
        alumnus
        for alumnus in Alumnus.objects.filter(
            status=AlumnusStatus.ACTIVE, consent_analytics=True
        ).order_by("pk")
        if eligibility_for(alumnus=alumnus, season=season).eligible
    ]
    found = features_for(alumni=people, on=season.applications_open)
    applied = set(
        Outcome.objects.filter(season=season, applied=True).values_list("alumnus_id", flat=True)
    )
    departments: dict[str, int] = {}
    for alumnus in people:
        if alumnus.former_department:
            departments[alumnus.former_department] = (
                departments.get(alumnus.former_department, 0) + 1
            )
    codes = list(BASE_FEATURES) + sorted(
        department_code(name) for name, n in departments.items() if n >= MIN_DEPARTMENT
    )
    rows = [found[alumnus.pk] for alumnus in people]
    return TrainingSet(
        codes=codes,
        x=_matrix(rows, codes),
        y=np.array([1 if alumnus.pk in applied else 0 for alumnus in people]),
        alumni_ids=[alumnus.pk for alumnus in people],
    )


def fit_coefficients(x: np.ndarray, y: np.ndarray, codes: list[str]) -> dict[str, Any]:
    """Standardise, fit, calibrate (Platt on cross-validated scores) and fold the calibration
    into the coefficients of the contract's form."""
    from sklearn.linear_model import LogisticRegression  # imported here: see the module docstring
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    model = LogisticRegression(C=C, max_iter=1000)
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    held_out = cross_val_predict(model, z, y, cv=folds, method="decision_function")
    platt = LogisticRegression(C=1e6, max_iter=1000).fit(held_out.reshape(-1, 1), y)
    a, c = float(platt.coef_[0][0]), float(platt.intercept_[0])
    model.fit(z, y)
    weights = model.coef_[0] * a
    return {
        "intercept": float(model.intercept_[0]) * a + c,
        "features": {
            code: {"weight": float(w), "mean": float(m), "scale": float(s)}
            for code, w, m, s in zip(codes, weights, mean, scale, strict=True)
            if w != 0.0
        },
        "calibration": {"a": a, "c": c},
        "regularisation": {"penalty": "l2", "C": C},
    }


def predict(coefficients: dict[str, Any], x: np.ndarray, codes: list[str]) -> np.ndarray:
    """Probabilities from stored coefficients (the same sum the contributions make)."""
    score = np.full(x.shape[0], float(coefficients["intercept"]))
    for index, code in enumerate(codes):
        term = coefficients["features"].get(code)
        if term:
            score += term["weight"] * (x[:, index] - term["mean"]) / term["scale"]
    return 1.0 / (1.0 + np.exp(-score))


def reliability_bins(p: np.ndarray, y: np.ndarray, bins: int = BINS) -> list[dict[str, Any]]:
    """Equal-width bins of the predicted probability: how many, mean predicted, observed rate."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    found = []
    for b in range(bins):
        inside = index == b
        n = int(inside.sum())
        found.append(
            {
                "lower": float(edges[b]),
                "upper": float(edges[b + 1]),
                "n": n,
                "mean_predicted": float(p[inside].mean()) if n else None,
                "observed": float(y[inside].mean()) if n else None,
            }
        )
    return found


def metrics_of(p: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Brier, Brier skill against the base rate, ECE, AUC and the reliability bins."""
    from sklearn.metrics import roc_auc_score  # imported here: see the module docstring

    base_rate = float(y.mean())
    brier = float(np.mean((p - y) ** 2))
    reference = base_rate * (1.0 - base_rate)
    bins = reliability_bins(p, y)
    ece = math.fsum(
        b["n"] / len(y) * abs(b["mean_predicted"] - b["observed"]) for b in bins if b["n"]
    )
    return {
        "brier": brier,
        "brier_reference": reference,
        "brier_skill": 1.0 - brier / reference if reference else 0.0,
        "ece": ece,
        "auc": float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None,
        "base_rate": base_rate,
        "n": len(y),
        "positives": int(y.sum()),
        "reliability": bins,
    }


def held_out_predictions(data: TrainingSet) -> np.ndarray:
    """Out-of-fold probabilities: the whole procedure refitted without each fold."""
    from sklearn.model_selection import StratifiedKFold  # imported here: see the module docstring

    p = np.zeros(len(data.y))
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED + 1)
    for train, test in folds.split(data.x, data.y):
        coefficients = fit_coefficients(data.x[train], data.y[train], data.codes)
        p[test] = predict(coefficients, data.x[test], data.codes)
    return p


def fit_season(*, season: Season) -> tuple[dict[str, Any], dict[str, Any]]:
    """(coefficients, metrics) of a model fitted on `season`'s outcomes."""
    data = training_set(season=season)
    positives = int(data.y.sum())
    if positives < FOLDS or len(data.y) - positives < FOLDS:
        raise FitError(
            f"{season.year}年度の応募結果が少なすぎるため学習できません"
            f"（応募 {positives}件、対象 {len(data.y)}人。応募・非応募とも{FOLDS}件以上必要です）"
        )
    metrics = metrics_of(held_out_predictions(data), data.y)
    metrics |= {"folds": FOLDS, "features": data.codes, "fitted_on": dt.date.today().isoformat()}
    return fit_coefficients(data.x, data.y, data.codes), metrics


def reliability_png(metrics: dict[str, Any], *, title: str) -> bytes:
    """The reliability diagram (predicted vs observed per bin, point size by count) as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    font = font_manager.FontProperties(fname=str(settings.ALUMNI_LETTER_FONT))
    figure = Figure(figsize=(5, 5), dpi=100)
    axes = figure.subplots()
    axes.plot([0, 1], [0, 1], linestyle="--", color="#666666", label="完全に較正された場合")
    used = [b for b in metrics["reliability"] if b["n"]]
    axes.scatter(
        [b["mean_predicted"] for b in used],
        [b["observed"] for b in used],
        s=[20 + 200 * b["n"] / metrics["n"] for b in used],
        color="#005a9c",
        label="推計（区間ごと）",
    )
    axes.plot([b["mean_predicted"] for b in used], [b["observed"] for b in used], color="#005a9c")
    highest = max([0.0] + [max(b["mean_predicted"], b["observed"]) for b in used])
    top = min(1.0, max(0.2, highest * 1.1))
    axes.set_xlim(0, top)
    axes.set_ylim(0, top)
    axes.set_xlabel("推計した確率（区間の平均）", fontproperties=font)
    axes.set_ylabel("実際に応募した割合", fontproperties=font)
    axes.set_title(title, fontproperties=font)
    axes.text(
        0.02 * top,
        0.9 * top,
        f"Brier {metrics['brier']:.4f}　ECE {metrics['ece']:.4f}　n={metrics['n']}",
        fontproperties=font,
    )
    axes.legend(prop=font, loc="lower right")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
