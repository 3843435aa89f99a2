"""`load_demo`: builds the demo tree on an empty database, changes nothing the second time,
and keeps what an editor changed."""

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from wagtail.models import Page, Site

from cms.content.models import (
    ContactSettings,
    HomePage,
    JobPage,
    NoticePage,
    PressReleasePage,
    StandardPage,
)
from cms.content.selectors import JobStatus
from cms.staff_roles import PAGE_EDITORS, PAGE_PUBLISHERS
from cms.surveys.models import SurveyPage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_loaded")]


def _load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """`load_demo` run once on the empty (migrated) database for the whole module, in a
    transaction rolled back after its last test; each test starts from the loaded demo and what
    it changes is rolled back after it (its savepoint), as a test's own load was. The first load
    is most of a test's CPU (about 2 s of each), and every test began with one."""
    with django_db_blocker.unblock(), transaction.atomic():
        _load()
        yield
        transaction.set_rollback(True)


def _counts() -> dict[str, int]:
    return {
        "pages": Page.objects.count(),
        "revisions": sum(p.revisions.count() for p in Page.objects.all()),
        "users": get_user_model().objects.count(),
    }


def test_load_demo_builds_the_expected_tree() -> None:
    home = HomePage.objects.get()
    assert Site.objects.get(is_default_site=True).root_page_id == home.pk
    notices = NoticePage.objects.live()
    assert notices.count() >= 12
    assert notices.filter(visibility="members").count() == 2
    assert set(notices.values_list("category__slug", flat=True)) == {
        "recruitment",
        "workplace",
        "events",
        "other",
    }
    statuses = [job.status for job in JobPage.objects.live()]
    assert len(statuses) >= 5
    assert (
        JobStatus.CLOSED in statuses
        and JobStatus.UPCOMING in statuses
        and JobStatus.OPEN in statuses
    )
    survey = SurveyPage.objects.get()
    assert len(survey.questions) >= 8
    assert {"single", "multiple", "scale", "long_text"} <= {q.block_type for q in survey.questions}
    assert PressReleasePage.objects.live().count() == 2
    assert set(StandardPage.objects.values_list("slug", flat=True)) == {
        "about",
        "faq",
        "privacy",
        "terms",
    }
    assert (
        get_user_model().objects.get(username="hr-editor").groups.filter(name=PAGE_EDITORS).exists()
    )
    assert (
        get_user_model()
        .objects.get(username="moderator")
        .groups.filter(name=PAGE_PUBLISHERS)
        .exists()
    )


def test_second_run_changes_nothing() -> None:
    before = _counts()
    output = _load()
    assert _counts() == before
    assert "作成: 0 ページ" in output
    assert Page.objects.filter(slug="comeback-faq").count() == 1


def test_editor_changes_survive_a_second_run() -> None:
    editor = get_user_model().objects.get(username="hr-editor")
    notice = NoticePage.objects.get(slug="comeback-faq")
    notice.title = "編集者が直したタイトル"
    notice.save_revision(user=editor).publish()
    output = _load()
    notice.refresh_from_db()
    assert notice.title == "編集者が直したタイトル"
    assert "編集者が直したタイトル" in output  # reported as kept
    assert "保持しました" in output


def test_demo_hr_editor_can_create_and_publish_notices() -> None:
    editor = get_user_model().objects.get(username="hr-editor")
    notice = NoticePage.objects.get(slug="comeback-faq")
    permissions = notice.permissions_for_user(editor)
    assert permissions.can_edit()
    assert permissions.can_publish()
    assert notice.get_parent().permissions_for_user(editor).can_add_subpage()


def test_load_demo_fills_the_help_desk_once_and_keeps_hr_changes() -> None:
    contact = ContactSettings.load()
    assert contact.phone == "022-211-0000"
    contact.phone = "022-000-1111"
    contact.save()
    _load()
    assert ContactSettings.load().phone == "022-000-1111"


def test_every_demo_job_has_conditions_a_way_to_apply_and_a_contact() -> None:
    jobs = list(JobPage.objects.live())
    assert jobs
    for job in jobs:
        assert job.work_location and job.pay_and_benefits and job.working_pattern, job.slug
        assert job.apply_url or job.application_form is not None, job.slug
        assert job.contact_department and (job.contact_phone or job.contact_email), job.slug
    form = next(job.application_form for job in jobs if job.application_form is not None)
    assert form.file.read(5) == b"%PDF-"


def test_a_demo_loaded_before_job_details_gets_them_on_the_next_run() -> None:
    JobPage.objects.update(
        pay_and_benefits="", working_pattern="", apply_url="", application_form=None
    )
    _load()
    for job in JobPage.objects.all():
        assert job.pay_and_benefits and job.working_pattern, job.slug
        assert job.apply_url or job.application_form is not None, job.slug
        assert job.live_revision is not None
        assert job.live_revision.as_object().pay_and_benefits == job.pay_and_benefits
