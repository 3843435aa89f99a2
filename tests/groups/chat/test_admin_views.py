"""HR in the Wagtail admin: creates groups, works the reports queue, manages members; logged."""

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from cms.groups.chat.models import (
    CommunityGroup,
    Membership,
    MembershipRole,
    MembershipStatus,
    Message,
    ModerationAction,
    ModerationLogEntry,
    Report,
    ReportStatus,
)
from cms.staff_roles import PAGE_PUBLISHERS
from tests.groups.chat.factories import CommunityGroupFactory, MembershipFactory, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr(django_user_model: Any) -> Client:
    user = django_user_model.objects.create_user(
        username="hr-staff", is_staff=True, is_superuser=True
    )
    client = Client()
    client.force_login(user)
    return client


def test_hr_creates_a_group_in_the_admin_in_japanese(hr: Client) -> None:
    form = hr.get("/admin/snippets/chat/communitygroup/add/")
    assert form.status_code == 200
    assert "グループのルール" in form.content.decode()
    response = hr.post(
        "/admin/snippets/chat/communitygroup/add/",
        {
            "name": "子育て世代の会",
            "description": "子育て中の元職員の集まりです。",
            "join_policy": "approval",
            "house_rules": "勧誘は禁止です。",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    group = CommunityGroup.objects.get(name="子育て世代の会")
    assert group.join_policy == "approval"


def test_the_group_list_links_each_group_to_its_members(hr: Client) -> None:
    group = CommunityGroupFactory()
    listing = hr.get("/admin/snippets/chat/communitygroup/").content.decode()
    assert f'href="/admin/chat/groups/{group.pk}/members/"' in listing


def test_reports_queue_lists_open_reports_and_hiding_resolves_and_logs(hr: Client) -> None:
    group = CommunityGroupFactory()
    author, reporter = (
        MembershipFactory(group=group).alumnus,
        MembershipFactory(group=group).alumnus,
    )
    message = post(group, author, "儲かる話があります")
    report = Report.objects.create(message=message, reporter=reporter, reason="勧誘")

    queue = hr.get("/admin/chat/reports/").content.decode()
    assert "儲かる話があります" in queue and "勧誘" in queue

    hr.post("/admin/chat/reports/", {"report": report.pk, "action": "hide"})

    message.refresh_from_db()
    report.refresh_from_db()
    assert message.hidden_at is not None and report.status == ReportStatus.ACTIONED
    [entry] = ModerationLogEntry.objects.all()
    assert (entry.action, entry.message_id, entry.actor_label) == (
        ModerationAction.HIDE,
        message.pk,
        "人事課: hr-staff",
    )
    assert "儲かる話があります" not in hr.get("/admin/chat/reports/").content.decode()


def test_hr_suspends_the_author_from_the_queue(hr: Client) -> None:
    group = CommunityGroupFactory()
    author = MembershipFactory(group=group)
    message = post(group, author.alumnus, "しつこい勧誘")
    report = Report.objects.create(message=message, reporter=MembershipFactory(group=group).alumnus)
    hr.post("/admin/chat/reports/", {"report": report.pk, "action": "suspend"})
    author.refresh_from_db()
    assert author.status == MembershipStatus.SUSPENDED
    assert set(ModerationLogEntry.objects.values_list("action", flat=True)) == {
        ModerationAction.SUSPEND,
        ModerationAction.HIDE,
    }


def test_hr_approves_and_appoints_members(hr: Client) -> None:
    group = CommunityGroupFactory(join_policy="approval")
    waiting = MembershipFactory(group=group, status=MembershipStatus.PENDING)
    page = hr.get(f"/admin/chat/groups/{group.pk}/members/")
    assert "参加を承認" in page.content.decode()
    hr.post(f"/admin/chat/groups/{group.pk}/members/", {"member": waiting.pk, "action": "approve"})
    hr.post(f"/admin/chat/groups/{group.pk}/members/", {"member": waiting.pk, "action": "appoint"})
    waiting.refresh_from_db()
    assert (waiting.status, waiting.role) == (MembershipStatus.ACTIVE, MembershipRole.MODERATOR)
    assert ModerationLogEntry.objects.count() == 2


def test_staff_without_moderation_rights_cannot_open_the_queue(django_user_model: Any) -> None:
    user = django_user_model.objects.create_user(username="editor", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client = Client()
    client.force_login(user)
    assert client.get("/admin/chat/reports/").status_code in (302, 403)


def test_a_staff_moderator_of_one_group_moderates_only_that_group(
    django_user_model: Any,
) -> None:
    user = django_user_model.objects.create_user(username="mod", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    mine, theirs = CommunityGroupFactory(), CommunityGroupFactory()
    mine.staff_moderators.add(user)
    client = Client()
    client.force_login(user)
    for group in (mine, theirs):
        author = MembershipFactory(group=group)
        report = Report.objects.create(
            message=post(group, author.alumnus, f"{group.name}の投稿"),
            reporter=MembershipFactory(group=group).alumnus,
        )
        client.post("/admin/chat/reports/", {"report": report.pk, "action": "hide"})
    assert list(
        Message.objects.filter(hidden_at__isnull=False).values_list("group", flat=True)
    ) == [mine.pk]
    assert Membership.objects.count() == 4


def test_a_role_member_without_is_staff_works_the_queue(django_user_model: Any) -> None:
    from django.contrib.auth.models import Group

    from cms.staff_roles import CHAT_HR, role_grant

    user = django_user_model.objects.create_user(username="moderator", is_staff=False)
    user.groups.add(Group.objects.get(name=PAGE_PUBLISHERS))
    role_grant(user, CHAT_HR)
    client = Client()
    client.force_login(user)
    group = CommunityGroupFactory()
    message = post(group, MembershipFactory(group=group).alumnus, "怪しい勧誘")
    report = Report.objects.create(message=message, reporter=MembershipFactory(group=group).alumnus)

    assert "怪しい勧誘" in client.get("/admin/chat/reports/").content.decode()
    client.post("/admin/chat/reports/", {"report": report.pk, "action": "hide"})

    message.refresh_from_db()
    assert message.hidden_at is not None


def test_the_log_names_the_author_and_the_moderator_and_unhides(
    hr: Client, django_user_model: Any
) -> None:
    staff = django_user_model.objects.get(username="hr-staff")
    staff.first_name = "交流担当"
    staff.save()
    group = CommunityGroupFactory(name="山歩きの会")
    author = MembershipFactory(group=group).alumnus
    author.family_name, author.given_name = "蔵王", "大輔"
    author.save()
    message = post(group, author, "この道は通行止めです")
    report = Report.objects.create(message=message, reporter=MembershipFactory(group=group).alumnus)
    hr.post("/admin/chat/reports/", {"report": report.pk, "action": "hide"})

    log = hr.get("/admin/chat/log/").content.decode()

    assert "交流担当（hr-staff）" in log
    assert "「この道は通行止めです」（投稿者：蔵王 大輔）" in log
    assert f"メッセージ #{message.pk}" not in log
    assert "非表示を解除" in log
    hr.post(f"/admin/chat/messages/{message.pk}/unhide/")
    message.refresh_from_db()
    assert message.hidden_at is None
    assert "山歩きの会" in hr.get("/admin/chat/log/?action=unhide").content.decode()


def test_a_groups_staff_moderators_are_chosen_among_admin_users_not_only_is_staff(
    django_user_model: Any,
) -> None:
    from django.contrib.auth.models import Group
    from django.forms.models import modelform_factory

    moderator = django_user_model.objects.create_user(username="moderator", is_staff=False)
    moderator.groups.add(Group.objects.get(name=PAGE_PUBLISHERS))
    alumnus_user = MembershipFactory(group=CommunityGroupFactory()).alumnus.user
    form = modelform_factory(CommunityGroup, fields=["staff_moderators"])()

    choices = list(form.fields["staff_moderators"].queryset)

    assert moderator in choices and alumnus_user not in choices
    assert len(choices) == len(set(choices))  # one choice per person, whatever their groups


def test_the_reports_queue_and_a_member_list_shown_to_staff_are_audited(hr: Client) -> None:
    from cms.alumni.models import AuditLogEntry

    group = CommunityGroupFactory()
    author, reporter = (
        MembershipFactory(group=group).alumnus,
        MembershipFactory(group=group).alumnus,
    )
    Report.objects.create(message=post(group, author, "通報される"), reporter=reporter)

    hr.get("/admin/chat/reports/")
    hr.get(f"/admin/chat/groups/{group.pk}/members/")

    seen = AuditLogEntry.objects.order_by("pk").values_list(
        "actor_username", "target", "record_ids"
    )
    expected = sorted(str(pk) for pk in (author.pk, reporter.pk))
    assert [(user, target, sorted(ids)) for user, target, ids in seen] == [
        ("hr-staff", "chat_reports", expected),
        ("hr-staff", "chat_members", expected),
    ]


@pytest.mark.parametrize("value", [str(2**64), "abc", ""])
def test_ids_out_of_range_or_not_numbers_in_the_admin_are_404(hr: Client, value: str) -> None:
    group = CommunityGroupFactory()
    assert hr.get(f"/admin/chat/groups/{2**64}/members/").status_code == 404
    assert hr.post(f"/admin/chat/messages/{2**64}/unhide/", {"action": "unhide"}).status_code == 404
    members = f"/admin/chat/groups/{group.pk}/members/"
    assert hr.post(members, {"member": value, "action": "approve"}).status_code == 404
    assert hr.post("/admin/chat/reports/", {"report": value, "action": "hide"}).status_code == 404
