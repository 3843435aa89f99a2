"""Reads of audiences: who is in a group, who a notice is for, which notices an alumnus sees."""

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone

from cms.alumni.models import Alumnus, AlumnusStatus
from cms.content.models import NoticePage, Visibility

from .models import AudienceGroup, split_terms


def _years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February in a non-leap year
        return today.replace(year=today.year - years, day=28)


def _rule_matches(*, group: AudienceGroup, today: dt.date) -> QuerySet[Alumnus]:
    alumni = Alumnus.objects.filter(status=AlumnusStatus.ACTIVE)
    departments = split_terms(group.former_departments)
    if departments:
        q = Q()
        for term in departments:
            q |= Q(former_department__icontains=term)
        alumni = alumni.filter(q)
    if group.retired_from_year:
        alumni = alumni.filter(retired_on__year__gte=group.retired_from_year)
    if group.retired_to_year:
        alumni = alumni.filter(retired_on__year__lte=group.retired_to_year)
    if group.age_min is not None:
        alumni = alumni.filter(birth_date__lte=_years_ago(today, group.age_min))
    if group.age_max is not None:
        alumni = alumni.filter(birth_date__gt=_years_ago(today, group.age_max + 1))
    regions = split_terms(group.regions)
    if regions:
        alumni = alumni.filter(current_region__in=regions)
    interests = set(split_terms(group.interests))
    if interests:
        # A JSON list: matched here rather than in SQL, the same way on SQLite and PostgreSQL.
        ids = [
            pk
            for pk, values in alumni.values_list("pk", "interests")
            if isinstance(values, list) and interests.intersection(map(str, values))
        ]
        alumni = alumni.filter(pk__in=ids)
    if group.answer_question:
        alumni = alumni.filter(pk__in=_answer_matches(group=group, alumni=alumni))
    return alumni


def _answer_matches(*, group: AudienceGroup, alumni: QuerySet[Alumnus]) -> list[int]:
    """The alumni who chose one of the group's options for its question and agreed that the
    answer may be used for information (a deleted survey: nobody)."""
    from cms.surveys.models import SurveyResponse  # surveys' selectors read groups'
    from cms.surveys.results import chosen_options

    if group.answer_survey_id is None:
        return []
    wanted = {str(option) for option in group.answer_options}
    responses = SurveyResponse.objects.filter(
        survey_id=group.answer_survey_id, alumnus__in=alumni
    ).values_list("alumnus_id", "answers", "targeting_consent")
    return [
        alumnus_id
        for alumnus_id, answers, consent in responses
        if isinstance(consent, list)
        and group.answer_question in consent
        and isinstance(answers, dict)
        and wanted.intersection(chosen_options(answers.get(group.answer_question)))
    ]


def audience_group_member_ids(*, group: AudienceGroup, today: dt.date | None = None) -> set[int]:
    """Ids of the active alumni in `group`: rule matches (if any rule is set) and hand-picked."""
    today = today or timezone.localdate()
    ids: set[int] = set()
    if group.has_rules:
        ids.update(_rule_matches(group=group, today=today).values_list("pk", flat=True))
    # Works on an unsaved group too (the admin preview): the in-memory hand-picked list.
    picked = [a.pk for a in group.members.all() if a.status == AlumnusStatus.ACTIVE]
    ids.update(picked)
    return ids


def audience_group_members(*, group: AudienceGroup) -> QuerySet[Alumnus]:
    return Alumnus.objects.filter(pk__in=audience_group_member_ids(group=group)).order_by(
        "family_name_kana", "given_name_kana", "pk"
    )


def alumni_in_groups(*, groups: Iterable[AudienceGroup]) -> set[int]:
    ids: set[int] = set()
    for group in groups:
        ids |= audience_group_member_ids(group=group)
    return ids


def alumnus_group_ids(*, alumnus: Alumnus) -> list[int]:
    """The audience groups `alumnus` belongs to now."""
    today = timezone.localdate()
    found = []
    for group in AudienceGroup.objects.all():
        if group.members.filter(pk=alumnus.pk).exists() or (
            group.has_rules
            and _rule_matches(group=group, today=today).filter(pk=alumnus.pk).exists()
        ):
            found.append(group.pk)
    return found


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
    return active.filter(pk__in=alumni_in_groups(groups=groups))


def notice_audience(*, notice: "NoticePage") -> QuerySet[Alumnus]:
    """The active alumni a saved notice is for (what its fan-out sends to)."""
    return notice_audience_for(
        visibility=notice.visibility, audience_groups=notice.audience_groups.all()
    )


def notices_for_alumnus(*, alumnus: Alumnus) -> QuerySet["NoticePage"]:
    """Live notices `alumnus` may read: public, for members, and for the groups they are in."""
    return (
        NoticePage.objects.live()
        .filter(
            Q(visibility__in=[Visibility.PUBLIC, Visibility.MEMBERS])
            | Q(
                visibility=Visibility.GROUPS, audience_groups__in=alumnus_group_ids(alumnus=alumnus)
            )
        )
        .distinct()
    )


def notice_visible_to(*, notice_id: int, alumnus: Alumnus) -> "NoticePage | None":
    return notices_for_alumnus(alumnus=alumnus).filter(pk=notice_id).first()
