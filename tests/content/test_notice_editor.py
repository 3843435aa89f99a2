"""The notice editor through Wagtail's own views: group validation from the submitted form, an
autosave that arrives after a publish, and the reach preview."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.http import HttpRequest, QueryDict
from django.test import Client
from django.urls import reverse
from wagtail import hooks
from wagtail.models import Page
from wagtail.test.utils.form_data import querydict_from_html

from cms.content.forms import GROUPS_REQUIRED_MESSAGE, STALE_AUTOSAVE_MESSAGE
from cms.content.models import NoticeCategory, NoticeIndexPage, NoticePage, Visibility
from cms.groups.models import AudienceGroup
from cms.groups.selectors import notice_audience
from cms.push.models import PushSubscription
from cms.staff_roles import DELIVERY_HR, role_grant
from tests.content.factories import NoticeIndexPageFactory, NoticePageFactory, make_site
from tests.groups.factories import AlumnusFactory, AudienceGroupFactory

pytestmark = pytest.mark.django_db

EDIT_FORM = "page-edit-form"


@pytest.fixture
def hr(db: None) -> Any:
    """A member of HR as the demo's hr-editor: Wagtail's Editors and Moderators, HR's roles."""
    user = get_user_model().objects.create_user("hr-editor", password="pw", is_staff=True)
    user.groups.add(*Group.objects.filter(name__in=["Editors", "Moderators"]))
    role_grant(user, DELIVERY_HR)
    return user


@pytest.fixture
def editor(hr: Any) -> Client:
    client = Client()
    client.force_login(hr)
    return client


@pytest.fixture
def notices(db: None) -> NoticeIndexPage:
    index: NoticeIndexPage = NoticeIndexPageFactory(parent=make_site())
    return index


@pytest.fixture
def group(db: None) -> AudienceGroup:
    group: AudienceGroup = AudienceGroupFactory(name="土木職OB")
    group.members.set([AlumnusFactory(), AlumnusFactory()])
    group.save()  # a ParentalManyToManyField is stored with its group
    return group


def edit_url(page: Page) -> str:
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def form_as_shown(client: Client, url: str) -> QueryDict:
    """The editor's form as the browser would submit it untouched (the body StreamField is
    drawn by script; these notices have an empty body)."""
    response = client.get(url)
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id=EDIT_FORM)
    data.setdefault("body-count", "0")
    return data


def draft_notice(notices: NoticeIndexPage, hr: Any, **fields: Any) -> NoticePage:
    notice: NoticePage = NoticePageFactory(parent=notices, live=False, **fields)
    notice.save_revision(user=hr)
    return notice


def autosave(client: Client, url: str, data: QueryDict) -> Any:
    """What Wagtail's autosave controller sends: the same form, asking for JSON."""
    return client.post(url, data, HTTP_ACCEPT="application/json")


def publish(client: Client, url: str, data: QueryDict) -> Any:
    data = data.copy()
    data["action-publish"] = "action-publish"
    return client.post(url, data)


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


# --- 3. the reach preview ---------------------------------------------------------------------


def reach(client: Client, **params: Any) -> Any:
    return client.get(reverse("content_notice_reach"), params)


def test_reach_preview_counts_the_ticked_groups_by_channel(
    editor: Client, group: AudienceGroup
) -> None:
    pushed, mailed = group.members.all()
    PushSubscription.objects.create(
        alumnus=pushed, endpoint="https://push.example/1", p256dh="k", auth="a"
    )
    mailed.consent_push = False
    mailed.save()
    AlumnusFactory(consent_email=False, consent_push=False)  # not in the group

    response = reach(editor, visibility="groups", audience_groups=[group.pk], notify_alumni="on")
    assert response.status_code == 200
    assert response.json()["text"] == (
        "このお知らせが届く人: 2人（プッシュ通知 1人・メール 1人・受け取り設定なし 0人）"
    )
    everybody = reach(editor, visibility="members", notify_alumni="on").json()["text"]
    assert everybody.startswith("このお知らせが届く人: 3人（プッシュ通知 1人・メール 1人")
    assert "受け取り設定なし 1人" in everybody


def test_reach_preview_without_groups_or_notification_says_so(editor: Client) -> None:
    assert "配信グループを選ぶと" in reach(editor, visibility="groups").json()["text"]
    assert "通知は送られません" in reach(editor, visibility="public").json()["text"]


def test_reach_preview_refuses_a_bad_visibility_in_japanese(editor: Client) -> None:
    response = reach(editor, visibility="everyone")
    assert response.status_code == 400
    assert response.json()["detail"] == "公開範囲の指定が正しくありません。"


def test_reach_preview_is_for_page_editors_only(db: None, group: AudienceGroup) -> None:
    outsider = get_user_model().objects.create_user("outsider", password="pw")
    client = Client()
    client.force_login(outsider)
    response = reach(client, visibility="groups", audience_groups=[group.pk])
    assert response.status_code in (302, 403)
    assert b"\xe4\xba\xba" not in response.content  # no "人" count leaks


def test_notice_editor_shows_the_reach_panel_with_its_script(
    editor: Client, hr: Any, notices: NoticeIndexPage, group: AudienceGroup
) -> None:
    notice = draft_notice(notices, hr, visibility=Visibility.GROUPS, notify_alumni=True)
    notice.audience_groups.set([group])
    notice.save_revision(user=hr)
    html = editor.get(edit_url(notice)).content.decode()
    assert "content/js/notice-reach.js" in html
    assert 'data-notice-reach-url="/admin/notices/reach/"' in html
    assert "このお知らせが届く人: 2人" in html
