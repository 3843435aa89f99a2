"""Two requests creating a page under the same parent at the same moment (one HR editor with
two tabs, or two editors, pressing 公開 on a new notice): each ends as it would have one after
the other — both pages made, or the second refused on its slug in Japanese — never a 500 and
never a half-written page (cms.content.viewsets).

Real threads, each with its own database connection, committing for real through Wagtail's
create view (the suite runs on SQLite and PostgreSQL alike)."""

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, QueryDict
from django.test import Client
from django.urls import reverse
from wagtail import hooks
from wagtail.admin.viewsets.pages import page_viewset_registry
from wagtail.models import Locale, Page, Revision, get_page_models

from cms.content.models import NoticeCategory, NoticeIndexPage, NoticePage
from cms.content.viewsets import OneAtATimeCreateView
from tests.content.editor import autosave, form_as_shown, publish
from tests.content.factories import NoticeIndexPageFactory, make_site

TABS = 2
# How long a request that has checked its form waits for the other one to have checked its
# own before it saves. Without serialisation both get there at once; with it the second cannot
# get there before the first has committed, so the first goes on alone after this wait.
BOTH_CHECKED_WAIT = 5


@pytest.fixture
def at_once(
    django_beside_playwright: None,
    migrated_data_left_behind: None,
    django_db_serialized_rollback: None,
    transactional_db: None,
) -> None:
    """Committed for real, with Wagtail's root page back if an earlier test flushed it (first
    among a test's fixtures, so that the migrated data is put back after the flush)."""
    if Page.get_first_root_node() is None:
        Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
        Page.add_root(instance=Page(title="Root", slug="root"))


@pytest.fixture
def parent(at_once: None) -> NoticeIndexPage:
    index: NoticeIndexPage = NoticeIndexPageFactory(parent=make_site())
    return index


@pytest.fixture
def both_checked_before_either_saves(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each request, once its form is valid, waits (up to BOTH_CHECKED_WAIT) for the other to
    be as far before it adds the page under the parent: the moment of the race."""
    barrier = threading.Barrier(TABS)
    add_child = NoticeIndexPage.add_child

    def add_child_once_both_checked(self: NoticeIndexPage, **kwargs: Any) -> Page:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=BOTH_CHECKED_WAIT)
        return add_child(self, **kwargs)

    monkeypatch.setattr(NoticeIndexPage, "add_child", add_child_once_both_checked)


def create_url(parent: Page) -> str:
    return reverse("wagtailadmin_pages:add", args=["content", "noticepage", parent.pk])


def notice_form(editor: Client, parent: Page, title: str, slug: str) -> QueryDict:
    data = form_as_shown(editor, create_url(parent))
    data.update({"title": title, "slug": slug, "summary": "12月から窓口の時間が変わります。"})
    data["category"] = str(NoticeCategory.objects.get(slug="other").pk)
    return data


Send = Callable[[Client, str, QueryDict], Any]


@pytest.fixture
def at_the_same_moment(
    hr: Any, parent: NoticeIndexPage
) -> Callable[[list[tuple[Send, QueryDict]]], list[Any]]:
    """Sends each form to the create view from its own tab (thread and connection), as 公開
    (`publish`) or as the editor's autosave (`autosave`), all at the same moment."""
    signed_in = Client()
    signed_in.force_login(hr)
    start = threading.Barrier(TABS)

    def one_tab(sent: tuple[Send, QueryDict]) -> Any:
        send, data = sent
        tab = Client(raise_request_exception=False)
        tab.cookies = signed_in.cookies
        try:
            start.wait(timeout=30)
            return send(tab, create_url(parent), data)
        finally:
            connection.close()

    def run(sends: list[tuple[Send, QueryDict]]) -> list[Any]:
        with ThreadPoolExecutor(max_workers=TABS) as pool:
            return list(pool.map(one_tab, sends))

    return run


def assert_tree_sound(parent: Page, children: int) -> None:
    parent.refresh_from_db()
    assert parent.numchild == children == parent.get_children().count()
    assert all(not problems for problems in Page.find_problems())


def test_two_notices_published_at_once_under_one_parent_are_both_made(
    at_once: None,
    editor: Client,
    parent: NoticeIndexPage,
    both_checked_before_either_saves: None,
    at_the_same_moment: Callable[[list[tuple[Send, QueryDict]]], list[Any]],
) -> None:
    responses = at_the_same_moment(
        [
            (publish, notice_form(editor, parent, "窓口時間変更のお知らせ", "madoguchi")),
            (publish, notice_form(editor, parent, "説明会のお知らせ", "setsumeikai")),
        ]
    )

    assert [r.status_code for r in responses] == [302, 302]
    made = NoticePage.objects.child_of(parent)
    assert sorted(made.values_list("slug", flat=True)) == ["madoguchi", "setsumeikai"]
    assert all(notice.live and notice.live_revision_id for notice in made)
    assert_tree_sound(parent, children=2)


def test_one_notice_published_from_two_tabs_at_once_is_made_once_and_refused_once_in_japanese(
    at_once: None,
    editor: Client,
    parent: NoticeIndexPage,
    both_checked_before_either_saves: None,
    at_the_same_moment: Callable[[list[tuple[Send, QueryDict]]], list[Any]],
) -> None:
    form = notice_form(editor, parent, "窓口時間変更のお知らせ", "madoguchi")
    responses = at_the_same_moment([(publish, form), (publish, form.copy())])

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 302]
    refused = next(r for r in responses if r.status_code == 200)
    assert refused.context["form"].errors["slug"] == [
        "スラッグ「madoguchi」は、同じ親ページの下ですでに使われています。"
    ]
    notice = NoticePage.objects.child_of(parent).get()
    assert notice.slug == "madoguchi" and notice.live
    assert notice.revisions.count() == 1
    assert_tree_sound(parent, children=1)


def test_a_publish_and_the_first_autosave_of_one_notice_at_once_make_it_once(
    at_once: None,
    editor: Client,
    parent: NoticeIndexPage,
    both_checked_before_either_saves: None,
    at_the_same_moment: Callable[[list[tuple[Send, QueryDict]]], list[Any]],
) -> None:
    """公開 pressed while the autosave that creates the page is on its way (the editor's script
    holds such a publish back; a request that got through anyway must not fail)."""
    form = notice_form(editor, parent, "窓口時間変更のお知らせ", "madoguchi")
    published, autosaved = at_the_same_moment([(publish, form), (autosave, form.copy())])

    notice = NoticePage.objects.child_of(parent).get()
    if published.status_code == 302:  # the publish went first: the autosave is refused
        assert notice.live
        assert autosaved.status_code == 400
        assert autosaved.json()["error_message"] == (
            "入力内容に誤りがあります。保存すると該当する欄が強調表示されます。"
        )
    else:  # the autosave went first: the publish is refused on the slug, the draft is kept
        assert not notice.live and autosaved.json()["success"]
        assert published.status_code == 200
        assert published.context["form"].errors["slug"] == [
            "スラッグ「madoguchi」は、同じ親ページの下ですでに使われています。"
        ]
    assert notice.revisions.count() == 1
    assert_tree_sound(parent, children=1)


@pytest.mark.django_db
def test_a_new_page_whose_publish_fails_leaves_nothing_behind(
    editor: Client, notices: NoticeIndexPage
) -> None:
    def fail(request: HttpRequest, page: Page) -> None:
        raise RuntimeError("the publish failed after the page and its revision were written")

    data = notice_form(editor, notices, "窓口時間変更のお知らせ", "madoguchi")
    crashing = Client(raise_request_exception=False)
    crashing.cookies = editor.cookies
    with hooks.register_temporarily("before_publish_page", fail):
        publish(crashing, create_url(notices), data)

    assert not NoticePage.objects.exists()
    assert not Revision.objects.exists()
    assert_tree_sound(notices, children=0)


def test_every_page_type_is_created_one_request_at_a_time() -> None:
    for model in get_page_models():
        viewset = page_viewset_registry.get_by_type(model)
        assert viewset.add_view_class is OneAtATimeCreateView, model
