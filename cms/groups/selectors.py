"""Reads of audiences: who is in a group, who a notice is for, which notices an alumnus sees."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.db.models.fields.json import KeyTransform
from django.http import HttpRequest
from django.utils import timezone

from cms.alumni.models import Alumnus, AlumnusStatus
from cms.content.models import NoticePage, Visibility

from .models import AudienceGroup, split_terms


def _years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February in a non-leap year
        return today.replace(year=today.year - years, day=28)


# The profile API accepts at most this many interests (ProfileUpdateInput.interests), so an
# interest rule looks at that many positions of the JSON list: a filter SQLite and PostgreSQL
# both evaluate, with no row brought into Python.
INTERESTS_MAX = 20


def _any_position(field: Any, values: list[Any], positions: int) -> Q:
    """`field` (a JSON list) holds one of `values` at one of its first `positions` places."""
    matches = Q()
    for position in range(positions):
        matches |= Q(**{f"{field}__{position}__in": values})
    return matches


def _json_variants(options: Iterable[Any]) -> list[Any]:
    """Option ids as stored in answers: strings, and numbers for a scale's numeric options."""
    variants: list[Any] = []
    for option in options:
        text = str(option)
        variants.append(text)
        if text.lstrip("-").isdigit():
            variants.append(int(text))
    return variants


def _answer_respondents(*, group: AudienceGroup) -> QuerySet[Any]:
    """Ids of the alumni who chose one of the group's options for its question and agreed that
    the answer may be used for information (a deleted survey: nobody), as a subquery."""
    from cms.surveys.models import SurveyResponse  # surveys' selectors read groups'
    from cms.surveys.results import survey_catalogue

    if group.answer_survey_id is None or group.answer_survey is None:
        return SurveyResponse.objects.none().values("alumnus_id")
    questions = survey_catalogue(survey=group.answer_survey)
    options = max((len(q.options) for q in questions if q.id == group.answer_question), default=0)
    wanted = _json_variants(group.answer_options)
    answer = KeyTransform(group.answer_question, "answers")
    chosen = Q(answer__in=wanted)
    for position in range(options):
        chosen |= Q(**{f"answer_{position}__in": wanted})
    return (
        SurveyResponse.objects.filter(survey_id=group.answer_survey_id)
        .alias(
            answer=answer,
            **{f"answer_{p}": KeyTransform(str(p), answer) for p in range(options)},
        )
        .filter(chosen)
        .filter(_any_position("targeting_consent", [group.answer_question], len(questions)))
        .values("alumnus_id")
    )


def audience_group_rule(*, group: AudienceGroup, today: dt.date | None = None) -> Q:
    """The group's rules as one filter of alumni (every rule that is set must hold); matches
    nobody when no rule is set. The status is not part of it (see audience_group_filter)."""
    if not group.has_rules:
        return Q(pk__in=[])
    today = today or timezone.localdate()
    # HR-verified groups read the roster (HR's record), never what people declared themselves.
    held = "roster_entry__" if group.hr_verified_only else ""
    rule = Q(roster_entry__isnull=False) if group.hr_verified_only else Q()
    departments = split_terms(group.former_departments)
    if departments:
        any_department = Q()
        for term in departments:
            any_department |= Q(**{f"{held}former_department__icontains": term})
        rule &= any_department
    if group.retired_from_year:
        rule &= Q(**{f"{held}retired_on__year__gte": group.retired_from_year})
    if group.retired_to_year:
        rule &= Q(**{f"{held}retired_on__year__lte": group.retired_to_year})
    if group.age_min is not None:
        rule &= Q(**{f"{held}birth_date__lte": _years_ago(today, group.age_min)})
    if group.age_max is not None:
        rule &= Q(**{f"{held}birth_date__gt": _years_ago(today, group.age_max + 1)})
    if group.hr_verified_only:
        return rule  # self-declared rules are refused on save; never applied here
    regions = split_terms(group.regions)
    if regions:
        rule &= Q(current_region__in=regions)
    interests = split_terms(group.interests)
    if interests:
        rule &= _any_position("interests", interests, INTERESTS_MAX)
    if group.answer_question:
        rule &= Q(pk__in=_answer_respondents(group=group))
    return rule


def _picked(group: AudienceGroup) -> Q:
    """The hand-picked members: a subquery for a saved group, the editor's in-memory list for
    the admin preview of changes not saved yet."""
    picked = group.members.all()
    if isinstance(picked, QuerySet):
        return Q(pk__in=picked.values("pk"))
    return Q(pk__in=[alumnus.pk for alumnus in picked])


def audience_group_filter(*, group: AudienceGroup, today: dt.date | None = None) -> Q:
    """Who is in `group`, as one filter of alumni: active, and matching its rules or picked by
    hand (the picked ones as the editor holds them, saved or not)."""
    return Q(status=AlumnusStatus.ACTIVE) & (
        audience_group_rule(group=group, today=today) | _picked(group)
    )


def audience_group_member_ids(*, group: AudienceGroup, today: dt.date | None = None) -> set[int]:
    """Ids of the active alumni in `group`: rule matches (if any rule is set) and hand-picked."""
    return set(
        Alumnus.objects.filter(audience_group_filter(group=group, today=today)).values_list(
            "pk", flat=True
        )
    )


def audience_group_members(*, group: AudienceGroup) -> QuerySet[Alumnus]:
    """The group's members, by name (a queryset: count and paginate it in the database)."""
    return Alumnus.objects.filter(audience_group_filter(group=group)).order_by(
        "family_name_kana", "given_name_kana", "pk"
    )


def groups_filter(*, groups: Iterable[AudienceGroup]) -> Q:
    """Members of any of `groups`, as one filter of alumni (nobody for no group)."""
    today = timezone.localdate()
    members = Q(pk__in=[])
    for group in groups:
        members |= audience_group_filter(group=group, today=today)
    return members


def alumnus_group_ids(*, alumnus: Alumnus) -> list[int]:
    """The audience groups `alumnus` belongs to now, in a fixed number of queries whatever the
    number of alumni: their hand-picked groups, then one query answering every group's rules
    for this one person."""
    if alumnus.status != AlumnusStatus.ACTIVE:
        return []
    found = set(
        AudienceGroup.members.through.objects.filter(alumnus_id=alumnus.pk).values_list(
            "audiencegroup_id", flat=True
        )
    )
    ruled = [
        group
        for group in AudienceGroup.objects.exclude(pk__in=found).select_related("answer_survey")
        if group.has_rules
    ]
    if ruled:
        today = timezone.localdate()
        answers = Alumnus.objects.filter(pk=alumnus.pk).aggregate(
            **{
                f"group_{group.pk}": Count(
                    "pk", filter=audience_group_rule(group=group, today=today)
                )
                for group in ruled
            }
        )
        found.update(group.pk for group in ruled if answers[f"group_{group.pk}"])
    return sorted(found)


def notice_audience_for(
    *, visibility: str, audience_groups: Iterable[AudienceGroup]
) -> QuerySet[Alumnus]:
    """The active alumni a notice with `visibility` and `audience_groups` is for: everybody, or
    the members of its groups. A group notice without groups is for nobody (never everybody),
    however it was saved. Works for an editor's unsaved choices too (the reach preview)."""
    active = Alumnus.objects.filter(status=AlumnusStatus.ACTIVE)
    if visibility != Visibility.GROUPS:
        return active
    groups = list(audience_groups)
    if not groups:
        return active.none()
    return active.filter(groups_filter(groups=groups))


def notice_audience(*, notice: "NoticePage") -> QuerySet[Alumnus]:
    """The active alumni a saved notice is for (what its fan-out sends to)."""
    return notice_audience_for(
        visibility=notice.visibility, audience_groups=notice.audience_groups.all()
    )


def notices_for_alumnus(*, alumnus: Alumnus) -> QuerySet["NoticePage"]:
    """Live notices `alumnus` may read: public, for members, and for the groups they are in."""
    return NoticePage.objects.live().filter(
        Q(visibility__in=[Visibility.PUBLIC, Visibility.MEMBERS])
        | Q(
            visibility=Visibility.GROUPS,
            pk__in=NoticePage.audience_groups.through.objects.filter(
                audiencegroup_id__in=alumnus_group_ids(alumnus=alumnus)
            ).values("noticepage_id"),
        )
    )


def notices_with_audience_ids(
    *, notices: QuerySet["NoticePage"]
) -> list[tuple["NoticePage", set[int] | None]]:
    """Each of `notices` (newest first) with the ids of the active alumni it is for, None when
    it is for every active alumnus (public, for members): one query per group notice, so a run
    over every alumnus (the digest) asks nothing more per person."""
    found: list[tuple[NoticePage, set[int] | None]] = []
    for notice in notices.prefetch_related("audience_groups").order_by("-date", "-pk"):
        if notice.visibility in (Visibility.PUBLIC, Visibility.MEMBERS):
            found.append((notice, None))
        elif notice.visibility == Visibility.GROUPS:
            audience = notice_audience(notice=notice).values_list("pk", flat=True)
            found.append((notice, set(audience)))
    return found


def notice_visible_to(*, notice_id: int, alumnus: Alumnus) -> "NoticePage | None":
    return notices_for_alumnus(alumnus=alumnus).filter(pk=notice_id).first()


PREVIEW_PAGE_SIZE = 50
VIEW_ALUMNI = "alumni.view_alumnus"


def audience_group_preview(*, group: AudienceGroup, request: HttpRequest) -> dict[str, Any]:
    """What the editor's preview shows: the number of members (counted in the database) and,
    to staff allowed to see alumni only, one page of them by name (that page audited)."""
    from cms.alumni.models import AuditAction
    from cms.alumni.services import audit_log_record

    members = audience_group_members(group=group)
    if not request.user.has_perm(VIEW_ALUMNI):
        return {"member_count": members.count(), "names_shown": False}
    page = Paginator(members, PREVIEW_PAGE_SIZE).get_page(getattr(request, "preview_page", None))
    shown = list(page.object_list)
    if shown:
        audit_log_record(
            actor=request.user,
            action=AuditAction.VIEW,
            target="audience_group_preview",
            record_ids=[alumnus.pk for alumnus in shown],
            detail=group.name,
        )
    return {
        "member_count": page.paginator.count,
        "names_shown": True,
        "page": page,
        "members": shown,
    }
