"""The audience group editor at scale and in privacy: its preview counts in the database and
lists one page of members, by name only to staff allowed to see alumni (audited), never a
pending applicant; the editor says where a rule rests on what people declare themselves, and a
group can be limited to what HR holds (the roster) for confidential notices."""

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from cms.alumni.models import AlumnusStatus, AuditLogEntry
from cms.groups.models import AudienceGroup
from cms.groups.selectors import PREVIEW_PAGE_SIZE, audience_group_members
from cms.staff_roles import ALUMNI_HR, DELIVERY_HR, PAGE_EDITORS, role_grant
from tests.alumni.factories import RosterEntryFactory
from tests.groups.factories import AlumnusFactory, AudienceGroupFactory

pytestmark = pytest.mark.django_db

PREVIEW = "/admin/snippets/groups/audiencegroup/preview/"
ADD = "/admin/snippets/groups/audiencegroup/add/"


def _staff(django_user_model: Any, *roles: str) -> Client:
    user = django_user_model.objects.create_user(f"staff-{len(roles)}-{roles[-1]}")
    user.groups.add(Group.objects.get(name=PAGE_EDITORS))
    for role in roles:
        role_grant(user, role)
    client = Client()
    client.force_login(user)
    return client


def _preview(client: Client, form: dict[str, Any], page: int | None = None) -> str:
    response = client.post(PREVIEW, form)
    assert response.status_code == 200, response.content[:300]
    assert response.json()["is_valid"] is True, response.json()
    return client.get(PREVIEW, {"p": page} if page else {}).content.decode()


def test_preview_shows_one_page_of_members_with_the_total_and_audits_that_page(
    admin_client: Client,
) -> None:
    for n in range(PREVIEW_PAGE_SIZE + 7):
        AlumnusFactory(family_name_kana=f"か{n:03d}", current_region="石巻市")

    first = _preview(admin_client, {"name": "石巻", "regions": "石巻市"})
    second = admin_client.get(PREVIEW, {"p": 2}).content.decode()

    total = PREVIEW_PAGE_SIZE + 7
    assert f"data-member-count>{total}<" in first
    assert first.count("<tr><td>") == PREVIEW_PAGE_SIZE and second.count("<tr><td>") == 7
    assert f"全 {total} 人" in first
    entries = AuditLogEntry.objects.filter(target="audience_group_preview").order_by("pk")
    assert [len(entry.record_ids) for entry in entries] == [PREVIEW_PAGE_SIZE, 7]


def test_staff_without_permission_to_see_alumni_get_the_count_and_no_names(
    django_user_model: Any,
) -> None:
    AlumnusFactory(family_name="石巻", current_region="石巻市", former_department="土木部")
    delivery = _staff(django_user_model, DELIVERY_HR)

    page = _preview(delivery, {"name": "石巻", "regions": "石巻市"})
    editor = delivery.get(ADD).content.decode()

    assert "data-member-count>1<" in page
    assert "石巻 " not in page and "土木部" not in page
    assert 'name="members"' not in editor
    assert not AuditLogEntry.objects.filter(target="audience_group_preview").exists()


CHOOSER = "/admin/groups/alumni-chooser/results/"


def test_the_editor_lists_no_alumni_and_the_chooser_finds_approved_ones_as_hr_types(
    django_user_model: Any,
) -> None:
    approved = AlumnusFactory(family_name="松島", family_name_kana="まつしま")
    pending = AlumnusFactory(family_name="松島", status=AlumnusStatus.PENDING)
    other = AlumnusFactory(family_name="蔵王")
    hr = _staff(django_user_model, DELIVERY_HR, ALUMNI_HR)

    editor = hr.get(ADD).content.decode()
    found = hr.get(CHOOSER, {"q": "まつしま"}).content.decode()

    assert "松島" not in editor and "蔵王" not in editor
    assert f"/admin/groups/alumni-chooser/chosen/{approved.pk}/" in found
    assert f"/chosen/{pending.pk}/" not in found and f"/chosen/{other.pk}/" not in found


def test_the_chooser_is_closed_to_staff_who_may_not_see_alumni(django_user_model: Any) -> None:
    AlumnusFactory(family_name="松島")
    delivery = _staff(django_user_model, DELIVERY_HR)

    response = delivery.get(CHOOSER, {"q": "松島"})

    assert response.status_code in {302, 403}  # the admin sends them back with a message
    assert "松島" not in response.content.decode()


def test_members_are_added_with_the_chooser_and_taken_out_with_their_box(
    admin_client: Client,
) -> None:
    first, second = AlumnusFactory(), AlumnusFactory()
    admin_client.post(ADD, {"name": "手で選ぶ", "member_add": first.pk})
    group = AudienceGroup.objects.get()
    edit = f"/admin/snippets/groups/audiencegroup/edit/{group.pk}/"
    admin_client.post(edit, {"name": "手で選ぶ", "members": [first.pk], "member_add": second.pk})
    assert set(group.members.all()) == {first, second}

    admin_client.post(
        edit,
        {"name": "手で選ぶ", "members": [first.pk, second.pk], "members_remove": [first.pk]},
    )

    assert list(group.members.all()) == [second]


def test_a_pending_applicant_picked_by_hand_is_never_previewed(admin_client: Client) -> None:
    pending = AlumnusFactory(family_name="審査中", status=AlumnusStatus.PENDING)
    group = AudienceGroupFactory(name="手で選んだ")
    group.members.add(pending)
    group.save()

    assert list(audience_group_members(group=group)) == []


def test_the_preview_warns_when_the_group_rests_on_what_people_declare(
    admin_client: Client,
) -> None:
    declared = _preview(admin_client, {"name": "関心", "interests": "防災"})
    held = _preview(
        admin_client,
        {"name": "名簿", "former_departments": "土木部", "hr_verified_only": "on"},
    )

    assert "data-self-declared" in declared and "data-self-declared" not in held
    assert "data-hr-verified" in held


def test_an_hr_verified_group_refuses_self_declared_rules_with_field_errors(
    admin_client: Client,
) -> None:
    response = admin_client.post(
        ADD,
        {"name": "機密", "regions": "仙台市", "interests": "防災", "hr_verified_only": "on"},
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert "本人が申告する項目は条件にできません" in form.errors["regions"][0]
    assert "本人が申告する項目は条件にできません" in form.errors["interests"][0]
    assert not AudienceGroup.objects.exists()


def test_an_hr_verified_group_reads_the_roster_not_what_people_changed() -> None:
    held = RosterEntryFactory(former_department="土木部 道路課", retired_on=dt.date(2012, 3, 31))
    verified = AlumnusFactory(roster_entry=held, former_department="土木部 道路課")
    # Registered without a roster match, declaring the department: not HR-verified.
    AlumnusFactory(former_department="土木部 道路課", retired_on=dt.date(2012, 3, 31))
    # The roster says otherwise than the profile.
    other = RosterEntryFactory(former_department="総務部", retired_on=dt.date(2012, 3, 31))
    AlumnusFactory(roster_entry=other, former_department="土木部")
    group = AudienceGroupFactory(
        former_departments="土木部", retired_from_year=2010, hr_verified_only=True
    )

    assert [a.pk for a in audience_group_members(group=group)] == [verified.pk]
