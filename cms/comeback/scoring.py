"""Scores on the log-odds scale: the prior scorecard, contributions, reasons and bands.

A model version's coefficients are {"intercept": b, "features": {code: {"weight", "mean",
"scale"}}}. A person's log-odds is b + Σ weight·(x − mean)/scale over the model's features
(a feature the person lacks counts as 0), and each term is that feature's contribution: the
contributions, intercept included, add up to logit(p) exactly. The prior's weights and their
justification are in docs/comeback.md."""

import math
from dataclasses import dataclass
from typing import Any

from .features import AGE_BANDS, AGE_OLDEST, RECENT_MONTHS, YEAR_MONTHS, Features

INTERCEPT = "intercept"
PRIOR_LABEL = "事前設定による推計"
# Bands on the probability of applying in the coming season (base rates are 5–10 %).
HIGH_FROM = 0.15
MEDIUM_FROM = 0.05
BAND_LABELS = {"high": "高", "medium": "中", "low": "低", "": ""}

# The prior scorecard (docs/comeback.md gives the reason for each weight). Centred on a typical
# alumnus (5 years since leaving, 10 years of service, last active 6 months ago) so that the
# intercept is the log-odds of such a person with no stated intent: logit(0.06) ≈ −2.75.
PRIOR_COEFFICIENTS: dict[str, Any] = {
    "intercept": -2.75,
    "features": {
        "intent_yes": {"weight": 1.5, "mean": 0.0, "scale": 1.0},
        "intent_no": {"weight": -1.2, "mean": 0.0, "scale": 1.0},
        "job_views_3m": {"weight": 0.6, "mean": 0.0, "scale": 1.0},
        "logins_3m": {"weight": 0.3, "mean": 0.0, "scale": 1.0},
        "notice_opens_3m": {"weight": 0.2, "mean": 0.0, "scale": 1.0},
        "survey_answered_12m": {"weight": 0.3, "mean": 0.0, "scale": 1.0},
        "chat_active_3m": {"weight": 0.2, "mean": 0.0, "scale": 1.0},
        "inactive_months": {"weight": -0.08, "mean": 6.0, "scale": 1.0},
        "years_since_leaving": {"weight": -0.12, "mean": 5.0, "scale": 1.0},
        "years_of_service": {"weight": 0.02, "mean": 10.0, "scale": 1.0},
        "age_under30": {"weight": 0.2, "mean": 0.0, "scale": 1.0},
        "age_30s": {"weight": 0.3, "mean": 0.0, "scale": 1.0},
        "age_50plus": {"weight": -0.5, "mean": 0.0, "scale": 1.0},
    },
}


@dataclass(frozen=True)
class Contribution:
    code: str
    label: str
    log_odds: float


def logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def band_of(probability: float | None) -> str:
    if probability is None:
        return ""
    if probability >= HIGH_FROM:
        return "high"
    return "medium" if probability >= MEDIUM_FROM else "low"


def _logins_label(features: Features) -> str:
    """A login signal is a sign-in with the code from the mail (cms.analytics); someone who
    stays signed in (ALUMNI_SESSION_DAYS) uses the service without one. So no login is said
    beside their use, never as 「ログインなし」 next to 「今月も利用あり」."""
    n = int(features.counts.get("logins_3m", 0))
    if n:
        return f"直近3か月に確認コードでログイン{n}回"
    if int(features.counts.get("inactive_months", YEAR_MONTHS)) < RECENT_MONTHS:
        return "直近3か月は確認コードでのログインなし（ログインしたまま利用）"
    return "直近3か月の利用なし"


def _count_label(code: str, n: int) -> str:
    texts = {
        "job_views_3m": (f"求人情報を直近3か月で{n}回閲覧", "直近3か月に求人情報の閲覧なし"),
        "notice_opens_3m": (
            f"お知らせを直近3か月で{n}回表示",
            "直近3か月にお知らせの表示なし",
        ),
    }
    present, absent = texts[code]
    return present if n else absent


LABELS_FIXED = {INTERCEPT: "基準（平均的な方）"}
# (the person has it, the person has not): a fitted model's centred term speaks of both.
LABELS_FLAG = {
    "age_under30": ("年齢（30歳未満）", "年齢（30歳以上）"),
    "age_30s": ("年齢（30代）", "年齢（30代以外）"),
    "age_40s": ("年齢（40代）", "年齢（40代以外）"),
    "age_50plus": ("年齢（50歳以上）", "年齢（50歳未満）"),
    "intent_yes": (
        "アンケートで県職員に戻ることに関心ありと回答",
        "アンケートで関心ありの回答なし",
    ),
    "intent_no": ("アンケートで今は考えていないと回答", "アンケートで今は考えていないの回答なし"),
    "survey_answered_12m": ("この1年にアンケートに回答", "この1年アンケートへの回答なし"),
    "chat_active_3m": ("直近3か月にグループへ投稿", "直近3か月にグループへの投稿なし"),
}


def _inactive_label(months: int) -> str:
    if months >= 12:
        return "この1年の利用なし"
    return "今月も利用あり" if months == 0 else f"最後の利用から{months}か月"


LABELS_COUNTED = {
    "job_views_3m": lambda n: _count_label("job_views_3m", n),
    "notice_opens_3m": lambda n: _count_label("notice_opens_3m", n),
    "inactive_months": _inactive_label,
    "years_since_leaving": lambda n: f"退職から{n}年",
    "years_of_service": lambda n: f"在職{n}年",
}


def label_of(code: str, features: Features) -> str:
    """The Japanese words of one feature for this person (quoting their own counts)."""
    if code in LABELS_FIXED:
        return LABELS_FIXED[code]
    if code in LABELS_FLAG:
        present, absent = LABELS_FLAG[code]
        return present if features.values.get(code) else absent
    if code.startswith("dept:"):
        other = "" if features.values.get(code) else "以外"
        return f"退職時の所属（{code.removeprefix('dept:')}{other}）"
    if code == "logins_3m":
        return _logins_label(features)
    if code in LABELS_COUNTED:
        return LABELS_COUNTED[code](int(features.counts.get(code, 0)))
    return code


# The codes of one attribute (a fitted model gives each band and each department a term of its own,
# and the person has at most one of them): their terms are summed into one contribution named by
# what the person has, 「年齢（40代）」, not listed as what they are not (「年齢（30歳以上）」
# 「年齢（30代以外）」「年齢（50歳未満）」). The sum, and so logit(p), is unchanged.
ATTRIBUTES = {
    **{code: "age" for code, _, _ in AGE_BANDS},
    AGE_OLDEST: "age",
    "intent_yes": "intent",
    "intent_no": "intent",
}
ATTRIBUTE_NONE = {"age": "年齢（不明）", "intent": "アンケートで関心の有無の回答なし"}


def attribute_of(code: str) -> str:
    """The attribute a one-hot code belongs to (`age`, `intent`, `dept`), or the code itself."""
    return "dept" if code.startswith("dept:") else ATTRIBUTES.get(code, code)


def _attribute_label(attribute: str, features: Features) -> str:
    if attribute == "dept":
        return f"退職時の所属（{features.department or '不明'}）"
    present = [c for c, x in features.values.items() if x and attribute_of(c) == attribute]
    return label_of(present[0], features) if present else ATTRIBUTE_NONE[attribute]


def contributions_of(*, coefficients: dict[str, Any], features: Features) -> list[Contribution]:
    """Every term of the person's log-odds, the intercept first, one term an attribute (zero
    terms are left out)."""
    found = [
        Contribution(
            code=INTERCEPT,
            label=label_of(INTERCEPT, features),
            log_odds=float(coefficients["intercept"]),
        )
    ]
    terms: dict[str, list[float]] = {}
    for code, term in coefficients["features"].items():
        x = features.values.get(code, 0.0)
        value = float(term["weight"]) * (x - float(term["mean"])) / float(term["scale"])
        terms.setdefault(attribute_of(code), []).append(value)
    for code, values in terms.items():
        value = math.fsum(values)
        if value == 0.0:
            continue
        label = (
            _attribute_label(code, features)
            if code in {*ATTRIBUTES.values(), "dept"}
            else label_of(code, features)
        )
        found.append(Contribution(code=code, label=label, log_odds=value))
    return found


def probability_of(contributions: list[Contribution]) -> float:
    return sigmoid(math.fsum(c.log_odds for c in contributions))


def top_reasons(contributions: list[Contribution], limit: int = 3) -> list[str]:
    """The largest terms (by size, intercept excluded) in Japanese with their direction."""
    terms = sorted(
        (c for c in contributions if c.code != INTERCEPT), key=lambda c: -abs(c.log_odds)
    )
    return [f"{c.label}（{'＋' if c.log_odds > 0 else '−'}）" for c in terms[:limit]]
