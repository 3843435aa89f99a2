"""Every admin screen this project adds, and Wagtail's page editor for each page type (create and
edit), shows no English UI wording: what a person sees and hears (visible text, labels read
aloud), checked against tests/admin/visible_text.ENGLISH_UI. The screens are found, not listed:
the admin menu, the admin URLs the project's apps register, and the links those screens open
within their own section, so that screens added later are covered too. (The parts of the page
editor that its JavaScript draws are checked in Chromium: tests/browser/test_admin_japanese.py.)"""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.test.client import RequestFactory
from django.urls import URLPattern, URLResolver, reverse
from wagtail import hooks
from wagtail.admin.menu import admin_menu
from wagtail.models import Page, get_page_models

from cms.alumni.services import audit_log_record
from cms.groups.chat.models import Report
from cms.staff_roles import ALUMNI_HR, CHAT_HR, DELIVERY_HR, PAGE_EDITORS, role_grant
from cms.surveys.selectors import survey_current_version
from cms.surveys.services import survey_response_save
from tests.admin.visible_text import english_ui, visible_texts
from tests.alumni.factories import AlumnusFactory, RosterEntryFactory
from tests.content.factories import (
    JobIndexPageFactory,
    JobPageFactory,
    NoticeIndexPageFactory,
    NoticePageFactory,
    PressReleaseIndexPageFactory,
    PressReleasePageFactory,
    StandardPageFactory,
    SurveyPageFactory,
    make_site,
)
from tests.groups.chat.factories import CommunityGroupFactory, member_of, post

pytestmark = pytest.mark.django_db

# Admin URLs that are not screens: downloads, form posts, the demo's mailbox (404 off DEBUG),
# the JSON the notice editor asks for (the reach count).
NOT_SCREENS = re.compile(
    r"\.(pdf|csv|xlsx)$|/send/$|/unhide/$|/dev/mail/$|/results/$|/notices/reach/$"
)
# Links a screen may open that leave what is checked here or change something on a GET.
NOT_FOLLOWED = re.compile(
    r"logout|/delete/|/unpublish/|/preview|/jsi18n|/copy/|/move/|/lock/|/unlock/|/revert|"
    r"/convert_alias/|/unschedule/|/privacy/|/workflow/|/bulk/|\.(pdf|csv|xlsx)$"
)
# Values for the arguments of the project's admin URLs, by argument name (a URL with another
# argument is reached through the links of the screens that lead to it, if any).
ARGUMENTS = {
    "alumnus_id": lambda data: data["alumnus"].pk,
    "notice_id": lambda data: data["notice"].pk,
    "group_id": lambda data: data["community_group"].pk,
    "message_id": lambda data: data["message"].pk,
    "survey_id": lambda data: data["survey"].pk,
}


@pytest.fixture
def data(django_user_model: Any) -> dict[str, Any]:
    """A site with a page of every type and records for every screen, all in Japanese, and a
    member of HR with every role (and Wagtail's superuser rights for its own screens)."""
    home = make_site()
    notices = NoticeIndexPageFactory(parent=home)
    notice = NoticePageFactory(parent=notices, title="説明会のお知らせ")
    JobPageFactory(parent=JobIndexPageFactory(parent=home), title="土木技師")
    PressReleasePageFactory(parent=PressReleaseIndexPageFactory(parent=home), title="開設")
    StandardPageFactory(parent=home, title="このサイトについて")
    survey = SurveyPageFactory(parent=home, title="アンケート")
    alumnus = AlumnusFactory(family_name="青葉", given_name="花子")
    version = survey_current_version(survey=survey)
    assert version is not None
    scale = version.questions[0]  # answered: the editor shows its warning, in Japanese too
    survey_response_save(
        survey=survey,
        alumnus=alumnus,
        version_number=version.number,
        answers={scale["id"]: scale["options"][2]["id"]},
        targeting_consent=[],
    )
    RosterEntryFactory(family_name="泉", given_name="健")
    group = CommunityGroupFactory(name="山歩きの会")
    message = post(group, member_of(group).alumnus, "こんにちは")
    Report.objects.create(message=message, reporter=member_of(group).alumnus, reason="勧誘")
    hr = django_user_model.objects.create_superuser(
        "hr-admin", "hr-admin@example.jp", "pw", first_name="人事", last_name="花子"
    )
    hr.groups.add(Group.objects.get(name=PAGE_EDITORS))
    for role in (ALUMNI_HR, DELIVERY_HR, CHAT_HR):
        role_grant(hr, role)
    audit_log_record(actor=hr, action="view", target="alumnus", record_ids=[alumnus.pk])
    return {
        "hr": hr,
        "home": home,
        "alumnus": alumnus,
        "notice": notice,
        "community_group": group,
        "message": message,
        "survey": survey,
    }


def _menu_urls(user: Any) -> Iterator[str]:
    request = RequestFactory().get("/admin/")
    request.user = user

    def walk(menu: Any) -> Iterator[str]:
        for item in menu.menu_items_for_request(request):
            if hasattr(item, "menu"):
                yield from walk(item.menu)
            elif item.url.startswith("/admin/"):
                yield item.url

    yield from walk(admin_menu)


def _project_urls(data: dict[str, Any]) -> Iterator[str]:
    """The admin URLs registered by the project's own apps (cms.*), arguments filled in."""

    def patterns(entries: list[Any]) -> Iterator[URLPattern]:
        for entry in entries:
            if isinstance(entry, URLResolver):
                yield from patterns(entry.url_patterns)
            else:
                yield entry

    for register in hooks.get_hooks("register_admin_urls"):
        if not register.__module__.startswith("cms."):
            continue
        for pattern in patterns(register()):
            if pattern.name is None:
                continue
            names = list(pattern.pattern.regex.groupindex)
            if not all(name in ARGUMENTS for name in names):
                continue
            yield reverse(pattern.name, kwargs={name: ARGUMENTS[name](data) for name in names})


def _editor_urls(home: Page) -> Iterator[str]:
    """Wagtail's page editor: creating each page type under a page that may hold it, and
    editing an existing page of each type."""
    pages = list(Page.objects.descendant_of(home, inclusive=True).specific())
    for model in get_page_models():
        if not model.__module__.startswith("cms."):
            continue
        existing = [page for page in pages if type(page) is model]
        if existing:
            yield reverse("wagtailadmin_pages:edit", args=[existing[0].pk])
        for parent in pages:
            if model.can_create_at(parent) and model.can_exist_under(parent):
                meta: Any = model._meta
                yield reverse(
                    "wagtailadmin_pages:add", args=[meta.app_label, meta.model_name, parent.pk]
                )
                break


def _same_section(url: str, start: str) -> bool:
    section = start.strip("/").split("/")[:2]
    return url.strip("/").split("/")[: len(section)] == section


def _shape(url: str) -> str:
    return re.sub(r"\d+", "N", url)


def _render_all(client: Client, starts: list[str]) -> dict[str, list[str]]:
    """Each screen in `starts` and the screens their links open within the same section (one
    of each URL shape): the English UI found on each."""
    found: dict[str, list[str]] = {}
    seen: set[str] = set()
    queue = [(url, url) for url in dict.fromkeys(starts)]
    while queue:
        url, start = queue.pop(0)
        if _shape(url) in seen or NOT_SCREENS.search(url):
            continue
        seen.add(_shape(url))
        response = client.get(url)
        assert response.status_code in {200, 302}, (url, response.status_code)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        found[url] = english_ui(visible_texts(html))
        for link in re.findall(r'href="(/admin/[^"#?]*)"', html):
            if not NOT_FOLLOWED.search(link) and _same_section(link, start):
                queue.append((link, start))
    return found


def test_every_screen_the_project_adds_is_in_japanese(data: dict[str, Any]) -> None:
    client = Client()
    client.force_login(data["hr"])
    starts = ["/admin/", *_menu_urls(data["hr"]), *_project_urls(data)]
    starts.append(f"/admin/analytics/people/{data['alumnus'].pk}/")

    found = _render_all(client, starts)

    for url in (
        "/admin/alumni/audit-log/",
        "/admin/chat/reports/",
        "/admin/chat/log/",
        "/admin/delivery-monitor/",
        f"/admin/delivery-monitor/people/{data['alumnus'].pk}/",
        f"/admin/delivery-monitor/notices/{data['notice'].pk}/",
        "/admin/pages/",
        "/admin/images/",
        "/admin/documents/",
        "/admin/users/",
        "/admin/groups/",
        "/admin/reports/site-history/",
        f"/admin/surveys/{data['survey'].pk}/",
        "/admin/analytics/",
        "/admin/analytics/inventory/",
        f"/admin/analytics/people/{data['alumnus'].pk}/",
    ):
        assert url in found, f"{url} was not reached"
    assert len(found) > 40
    assert {url: texts for url, texts in found.items() if texts} == {}


def test_the_page_editor_of_every_page_type_is_in_japanese(data: dict[str, Any]) -> None:
    client = Client()
    client.force_login(data["hr"])
    urls = list(_editor_urls(data["home"]))
    page_types = [m for m in get_page_models() if m.__module__.startswith("cms.")]
    assert len([u for u in urls if "/edit/" in u]) == len(page_types)
    for model in page_types:  # created wherever it may be; a type with its one page already is not
        meta: Any = model._meta
        added = any(f"/add/{meta.app_label}/{meta.model_name}/" in url for url in urls)
        assert added or model.objects.count() == model.max_count, model

    found = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        found[url] = english_ui(visible_texts(response.content.decode()))

    assert {url: texts for url, texts in found.items() if texts} == {}


def test_the_page_search_counts_its_results_as_pages(data: dict[str, Any]) -> None:
    client = Client()
    client.force_login(data["hr"])
    for url in ("/admin/pages/search/?q=説明会", "/admin/pages/search/?q=説明会&search_all=1"):
        texts = visible_texts(client.get(url).content.decode())
        heading = [text for text in texts if "件目" in text]
        assert heading and all("件のページのうち" in text for text in heading), (url, heading)
        assert english_ui(texts) == [], url


def test_the_word_list_catches_english_ui_and_leaves_content_alone() -> None:
    html = (
        '<main><h1>お知らせ</h1><nav aria-label="Actions"></nav><p>Date updated</p>'
        '<input type="submit" value="Search"><script>var Edit = 1;</script>'
        "<p hidden>Delete</p><p>Wagtail 8.0 の新機能・URL・ID</p></main>"
    )
    assert english_ui(visible_texts(html)) == ["Actions", "Date updated", "Search"]


def test_permissions_are_named_in_japanese_after_migrate() -> None:
    from django.contrib.auth.models import Permission

    named = dict(Permission.objects.values_list("codename", "name"))
    assert named["add_page"] == "ページの追加"
    assert named["access_admin"] == "管理画面にアクセスできる"
    assert named["view_delivery"] == "配信記録の閲覧"
