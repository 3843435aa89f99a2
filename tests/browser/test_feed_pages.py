"""The notice list at 390 px pages through the API's cursor: 20 notices first, 「さらに表示する」
adds the rest once each, newest date first (then the newest page), and the button goes away at the end;
pressed from the keyboard, the focus goes on to the first notice added."""

import datetime as dt
from typing import Any

import pytest

from cms.content.models import NoticeIndexPage
from tests.browser.test_app_shell import (  # noqa: F401 (fixtures)
    AppSite,
    _published,
    app_site,
    checked,
    phone,
    sign_in_with_code,
)
from tests.content.factories import NoticePageFactory
from tests.fixtures.smtp import SMTPInbox

pytestmark = pytest.mark.browser
EXTRA = 22


def test_the_notice_list_shows_twenty_then_the_rest_once_each_newest_first(
    app_site: AppSite,  # noqa: F811
    phone: Any,  # noqa: F811
    smtp: SMTPInbox,
) -> None:
    index = NoticeIndexPage.objects.get()
    for n in range(EXTRA):  # dated before the site's two notices (the factory's 1 November)
        _published(
            NoticePageFactory(
                parent=index,
                slug=f"older-{n}",
                title=f"過去のお知らせ {n:02d}",
                date=dt.date(2026, 10, 31) - dt.timedelta(days=n),
            ),
            hours_ago=24 * (1 + n),
        )
    page = phone
    page.goto(app_site.url + "/app/login/")
    sign_in_with_code(page, smtp)
    page.wait_for_url(app_site.url + "/app/")
    page.goto(app_site.url + "/app/feed/")
    more = page.get_by_role("button", name="さらに表示する")
    more.wait_for(state="visible")
    first = page.locator("#feed-list .card-title").all_inner_texts()
    checked(page, "app-feed-first-page")
    more.focus()
    page.keyboard.press("Enter")  # as with a keyboard or a switch: the focus must not be lost
    page.locator("#feed-list .card-title").nth(EXTRA + 1).wait_for(state="visible")
    more.wait_for(state="hidden")
    titles = page.locator("#feed-list .card-title").all_inner_texts()
    focused = page.evaluate(
        "document.activeElement.closest('.card')?.querySelector('.card-title').textContent"
        " ?? document.activeElement.tagName"
    )

    assert len(first) == 20
    assert first[:2] == ["会員限定の個別相談会", "県庁見学会のご案内"]
    older = [f"過去のお知らせ {n:02d}" for n in range(EXTRA)]
    assert titles == first[:2] + older
    assert len(set(titles)) == EXTRA + 2
    assert focused == titles[20]  # on the first notice added, not back at the top of the page
