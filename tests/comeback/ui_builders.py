"""Small builders of the comeback screens' tests: stored estimates whose contributions add up
to their probability, model versions, and signed-in staff."""

import datetime as dt
import math
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone

from cms.alumni.models import Alumnus
from cms.comeback.models import Estimate, ModelVersion
from cms.staff_roles import ALUMNI_HR, PAGE_EDITORS, role_grant

PRIOR_INTERCEPT = -2.75


def prior_version(*, active: bool = True) -> ModelVersion:
    version: ModelVersion = ModelVersion.objects.create(
        kind="prior", coefficients={"intercept": PRIOR_INTERCEPT, "features": {}}, is_active=active
    )
    return version


def fitted_version_of_use() -> ModelVersion:
    """An active fitted model of logins and months without use, centred as a fit centres them:
    its logins term speaks of the count even when it is 0."""
    version: ModelVersion = ModelVersion.objects.create(
        kind="fitted",
        coefficients={
            "intercept": -2.5,
            "features": {
                "logins_3m": {"weight": 0.3, "mean": 0.5, "scale": 1.0},
                "inactive_months": {"weight": -0.08, "mean": 6.0, "scale": 1.0},
            },
        },
        is_active=True,
    )
    return version


def stored_estimate(
    alumnus: Alumnus,
    *,
    probability: float | None,
    version: ModelVersion | None = None,
    computed_on: dt.date | None = None,
    reasons: tuple[tuple[str, str, float], ...] = (),
    reason: str = "",
    eligible: bool = True,
    window_closes_on: dt.date | None = None,
    changed: str = "初回の推計",
) -> Estimate:
    """A stored estimate: the intercept plus `reasons` (code, label, log-odds), the last term
    chosen so that the contributions add up to logit(probability)."""
    contributions: list[dict[str, Any]] = []
    band = ""
    if probability is not None:
        target = math.log(probability / (1 - probability))
        terms = [("intercept", "基準（平均的な方）", PRIOR_INTERCEPT), *reasons]
        rest = target - sum(value for _, _, value in terms)
        terms.append(("years_since_leaving", "退職から5年", rest))
        contributions = [{"code": c, "label": label, "log_odds": v} for c, label, v in terms]
        band = "high" if probability >= 0.15 else "medium" if probability >= 0.05 else "low"
    estimate: Estimate = Estimate.objects.create(
        alumnus=alumnus,
        computed_on=computed_on or timezone.localdate(),
        model_version=version,
        probability=probability,
        band=band,
        contributions=contributions,
        eligible=eligible,
        window_closes_on=window_closes_on,
        reason=reason,
        changed=changed,
    )
    return estimate


def staff_client(django_user_model: Any, name: str, *, alumni_role: bool = True) -> Client:
    """A member of staff signed in to the admin (Wagtail's 編集者, plus the alumni HR role)."""
    user = django_user_model.objects.create_user(name, f"{name}@example.jp", "pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(Group.objects.get(name=PAGE_EDITORS))
    if alumni_role:
        role_grant(user, ALUMNI_HR)
    client = Client()
    client.force_login(user)
    client.user = user  # type: ignore[attr-defined]
    return client
