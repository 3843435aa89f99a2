"""The notice editor's form through Wagtail's own views: groups checked from the submission,
and an autosave that a publish overtook is refused instead of undoing the publish."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.http import HttpRequest, QueryDict
from django.test import Client
from django.urls import reverse
from wagtail import hooks
from wagtail.models import Page, get_page_models

from cms.content.forms import (
    GROUPS_REQUIRED_MESSAGE,
    STALE_AUTOSAVE_MESSAGE,
    RevisionSafePageForm,
)
from cms.content.models import NoticeCategory, NoticeIndexPage, NoticePage, Visibility
from cms.groups.models import AudienceGroup
from cms.groups.selectors import notice_audience
from tests.content.editor import autosave, draft_notice, edit_url, form_as_shown, publish
from tests.content.factories import NoticePageFactory, PressReleaseIndexPageFactory, make_site
from tests.groups.factories import AlumnusFactory

pytestmark = pytest.mark.django_db


# --- 1. a group notice is checked against the groups ticked in the submission ------------------


def test_group_notice_publishes_from_the_create_form_in_one_go(
    editor: Client, notices: NoticeIndexPage, group: AudienceGroup
) -> None:
    url = reverse("wagtailadmin_pages:add", args=["content", "noticepage", notices.pk])
    data = form_as_shown(editor, url)
    data.update({"title": "土木職の説明会", "slug": "doboku", "summary": "説明会を開きます。"})
    data["category"] = str(NoticeCategory.objects.get(slug="other").pk)
    data["visibility"] = Visibility.GROUPS
    data.setlist("audience_groups", [str(group.pk)])
    response = publish(editor, url, data)
    assert response.status_code == 302, response.context["form"].errors
    notice = NoticePage.objects.get(slug="doboku")
    assert notice.live
    assert list(notice.audience_groups.all()) == [group]


def test_group_notice_publishes_from_the_edit_form_before_any_autosave(
    editor: Client, hr: Any, notices: NoticeIndexPage, group: AudienceGroup
) -> None:
    notice = draft_notice(notices, hr)
    data = form_as_shown(editor, edit_url(notice))
    data["visibility"] = Visibility.GROUPS
    data.setlist("audience_groups", [str(group.pk)])
    response = publish(editor, edit_url(notice), data)
    assert response.status_code == 302, response.context["form"].errors
    notice.refresh_from_db()
    assert notice.live and notice.visibility == Visibility.GROUPS
    assert list(notice.audience_groups.all()) == [group]


def test_group_notice_without_a_ticked_group_is_refused_on_the_field(
    editor: Client, hr: Any, notices: NoticeIndexPage, group: AudienceGroup
) -> None:
    notice = draft_notice(notices, hr, visibility=Visibility.GROUPS)
    notice.audience_groups.set([group])  # saved earlier, unticked in this submission
    notice.save()
    data = form_as_shown(editor, edit_url(notice))
    data.setlist("audience_groups", [])
    response = publish(editor, edit_url(notice), data)
    assert response.status_code == 200
    assert response.context["form"].errors["audience_groups"] == [GROUPS_REQUIRED_MESSAGE]
    notice.refresh_from_db()
    assert not notice.live


def test_group_notice_saved_in_code_without_groups_reaches_nobody(
    notices: NoticeIndexPage,
) -> None:
    AlumnusFactory()
    notice = NoticePageFactory(parent=notices, visibility=Visibility.GROUPS)
    assert notice_audience(notice=notice).count() == 0


# --- 2. an autosave that a publish overtook does not undo it -----------------------------------


@pytest.fixture
def publish_during_autosave() -> Iterator[Callable[[Client, str, QueryDict], None]]:
    """Make the next autosave be overtaken by a publish: the publish runs, complete, after the
    autosave's edit view has read the page and before it saves (what two server threads do when
    公開 is pressed while the autosave's timer is running)."""
    pending: list[tuple[Client, str, QueryDict]] = []
    results: list[Any] = []

    def hook(request: HttpRequest, page: Page) -> None:
        if pending and request.method == "POST" and not request.accepts("text/html"):
            client, url, data = pending.pop()
            results.append(publish(client, url, data))

    def arm(client: Client, url: str, data: QueryDict) -> None:
        pending.append((client, url, data))

    with hooks.register_temporarily("before_edit_page", hook):
        yield arm
    assert not pending, "no autosave came"
    assert [r.status_code for r in results] == [302]


def assert_published_and_current(notice: NoticePage, title: str) -> None:
    notice.refresh_from_db()
    assert notice.live
    assert notice.title == title
    assert not notice.has_unpublished_changes
    assert notice.latest_revision_id == notice.live_revision_id
    newest = notice.revisions.order_by("-created_at", "-pk").first()
    assert newest is not None and newest.pk == notice.live_revision_id


@pytest.mark.parametrize("earlier_autosave", [True, False], ids=["overwrite", "first"])
def test_autosave_overtaken_by_a_publish_of_a_new_notice_is_refused(
    editor: Client,
    hr: Any,
    notices: NoticeIndexPage,
    publish_during_autosave: Callable[[Client, str, QueryDict], None],
    earlier_autosave: bool,
) -> None:
    notice = draft_notice(notices, hr, title="下書き")
    url = edit_url(notice)
    data = form_as_shown(editor, url)
    data["title"] = "公開するお知らせ"
    if earlier_autosave:
        first = autosave(editor, url, data)
        assert first.status_code == 200, first.content
        data["overwrite_revision_id"] = str(first.json()["revision_id"])

    publisher = Client()
    publisher.force_login(hr)
    publish_during_autosave(publisher, url, data)
    response = autosave(editor, url, data)

    assert_published_and_current(notice, "公開するお知らせ")
    assert response.status_code == 400
    assert response.json()["error_code"] == "invalid_revision"
    assert response.json()["error_message"] == STALE_AUTOSAVE_MESSAGE


def test_autosave_overtaken_by_a_publish_of_a_live_notice_is_refused(
    editor: Client,
    hr: Any,
    notices: NoticeIndexPage,
    publish_during_autosave: Callable[[Client, str, QueryDict], None],
) -> None:
    notice = draft_notice(notices, hr, title="公開中")
    notice.get_latest_revision().publish()
    url = edit_url(notice)
    data = form_as_shown(editor, url)
    data["title"] = "直した見出し"
    first = autosave(editor, url, data)
    data["overwrite_revision_id"] = str(first.json()["revision_id"])

    publisher = Client()
    publisher.force_login(hr)
    publish_during_autosave(publisher, url, data)
    response = autosave(editor, url, data)

    assert_published_and_current(notice, "直した見出し")
    assert response.json()["error_code"] == "invalid_revision"


def test_autosave_never_takes_a_page_offline_that_was_published_meanwhile(
    editor: Client, hr: Any, notices: NoticeIndexPage
) -> None:
    """Published from elsewhere (the page list, a schedule) without a new revision: the
    autosave's draft is kept as a draft, the page stays live."""
    notice = draft_notice(notices, hr, title="下書き")
    url = edit_url(notice)
    data = form_as_shown(editor, url)
    data["title"] = "さらに直した見出し"

    def publish_elsewhere(request: HttpRequest, page: Page) -> None:
        if request.method == "POST":
            NoticePage.objects.get(pk=page.pk).get_latest_revision().publish()

    with hooks.register_temporarily("before_edit_page", publish_elsewhere):
        response = autosave(editor, url, data)

    assert response.status_code == 200, response.content
    notice.refresh_from_db()
    assert notice.live and notice.title == "下書き"
    assert notice.has_unpublished_changes
    assert notice.get_latest_revision_as_object().title == "さらに直した見出し"


def test_autosave_never_rewrites_a_revision_that_went_live_meanwhile(
    editor: Client, hr: Any, notices: NoticeIndexPage
) -> None:
    notice = draft_notice(notices, hr, title="下書き")
    url = edit_url(notice)
    data = form_as_shown(editor, url)
    data["title"] = "自動保存した見出し"
    first = autosave(editor, url, data)
    data["overwrite_revision_id"] = str(first.json()["revision_id"])
    NoticePage.objects.get(pk=notice.pk).get_latest_revision().publish()  # from the page list
    data["title"] = "公開後にまた直した見出し"

    response = autosave(editor, url, data)

    assert response.json()["error_code"] == "invalid_revision"
    notice.refresh_from_db()
    assert notice.live and notice.title == "自動保存した見出し"
    assert notice.live_revision is not None
    assert notice.live_revision.as_object().title == "自動保存した見出し"


def test_autosave_that_nothing_overtook_is_stored(
    editor: Client, hr: Any, notices: NoticeIndexPage
) -> None:
    notice = draft_notice(notices, hr)
    url = edit_url(notice)
    data = form_as_shown(editor, url)
    data["title"] = "自動保存された見出し"
    response = autosave(editor, url, data)
    assert response.status_code == 200 and response.json()["success"]
    data["overwrite_revision_id"] = str(response.json()["revision_id"])
    data["title"] = "もう一度自動保存"
    assert autosave(editor, url, data).json()["success"]
    notice.refresh_from_db()
    assert notice.get_latest_revision_as_object().title == "もう一度自動保存"


def test_the_editor_loads_the_script_that_calls_off_autosave_on_submit(
    editor: Client, hr: Any, notices: NoticeIndexPage
) -> None:
    html = editor.get(edit_url(draft_notice(notices, hr))).content.decode()
    assert '<script src="/static/content/js/editor-autosave.js" defer></script>' in html


def test_every_page_type_saves_with_the_revision_safe_form() -> None:
    """The race is Wagtail's edit view's, not the notice's: every page type HR edits is guarded."""
    ours = [m for m in get_page_models() if m._meta.app_label in {"content", "surveys"}]
    assert len(ours) >= 8
    unguarded = [
        m.__name__
        for m in ours
        if not issubclass(m.get_edit_handler().get_form_class(), RevisionSafePageForm)
    ]
    assert unguarded == []


def test_a_new_press_release_calls_on_the_employers_own_former_staff(
    editor: Client, settings: Any
) -> None:
    """One deployment, one employer: the default call to register names ORG_NAME, not Miyagi."""
    settings.ORG_NAME = "岩手県"
    releases = PressReleaseIndexPageFactory(parent=make_site())
    url = reverse("wagtailadmin_pages:add", args=["content", "pressreleasepage", releases.pk])
    html = editor.get(url).content.decode()
    assert "岩手県の元職員の方は、アルムナイネットワークにご登録ください。" in html
