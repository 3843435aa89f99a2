"""The frame of every built page (header, tab bar, footer with HR's contact) and the app's own
screens: public and the same for everyone, nothing personal written into dist/."""

import json
import re
from pathlib import Path
from typing import Any

from django.test import override_settings

from cms.content.models import ContactSettings, Visibility
from pwa_build.build import build
from tests.alumni.factories import AlumnusFactory
from tests.content.factories import NoticePageFactory, StandardPageFactory
from tests.groups.chat.factories import CommunityGroupFactory, member_of, post

from .conftest import SiteTree, read_all


def _contact(**fields: str) -> ContactSettings:
    values = {
        "department": "総務部 人事課 人材確保班",
        "phone": "022-211-0000",
        "email": "jinji@example.jp",
        "hours": "平日 8時30分〜17時15分",
        **fields,
    }
    contact, _ = ContactSettings.objects.update_or_create(pk=1, defaults=values)
    return contact


def _sw_config(dist: Path) -> dict[str, Any]:
    sw = (dist / "sw.js").read_text()
    found = re.search(r"const CONFIG = (.*);", sw)
    assert found is not None
    config: dict[str, Any] = json.loads(found.group(1))
    return config


def test_every_page_has_hr_contact_help_and_the_standard_pages_in_its_footer(
    site_tree: SiteTree, dist: Path
) -> None:
    _contact()
    StandardPageFactory(parent=site_tree.home, slug="faq", title="よくあるご質問")
    StandardPageFactory(parent=site_tree.home, slug="privacy", title="プライバシーポリシー")
    StandardPageFactory(parent=site_tree.home, slug="terms", title="利用規約")
    build(full=True)
    pages = list(dist.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        html = page.read_text()
        footer = html[html.index("<footer") :]
        assert "総務部 人事課 人材確保班" in footer, page
        assert 'href="tel:022-211-0000"' in footer, page
        assert 'href="mailto:jinji@example.jp"' in footer, page
        assert "平日 8時30分〜17時15分" in footer, page
        for path, title in (
            ("/faq/", "よくあるご質問"),
            ("/privacy/", "プライバシーポリシー"),
            ("/terms/", "利用規約"),
            ("/app/help/", "ヘルプ"),
        ):
            assert f'<a href="{path}">{title}</a>' in footer, (page, path)
        assert 'data-text-size="xlarge"' in footer, page


def test_a_change_of_the_contact_queues_a_build_that_rewrites_every_page(
    site_tree: SiteTree, dist: Path, django_capture_on_commit_callbacks: Any
) -> None:
    contact = _contact()
    build(full=True)
    contact.phone = "022-211-9999"
    with (
        override_settings(PWA_BUILD_ON_PUBLISH=True),
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        contact.save()
    assert len(callbacks) == 1
    callbacks[0]()  # the build task (the immediate backend in the tests)
    for page in ("index.html", "notices/open-day/index.html", "app/index.html", "404.html"):
        html = (dist / page).read_text()
        assert "022-211-9999" in html and "022-211-0000" not in html, page


def test_the_tab_bar_marks_the_current_tab_and_member_links(
    site_tree: SiteTree, dist: Path
) -> None:
    build(full=True)

    def tabs(page: str) -> list[tuple[str, str, bool]]:
        html = (dist / page).read_text()
        start = html.index('class="tabbar"')
        bar = html[start : html.index("</nav>", start)]
        found = []
        for attrs, inner in re.findall(r'<a ([^>]*class="tab"[^>]*)>(.*?)</a>', bar, re.S):
            href = re.search(r'(?:^| )href="([^"]+)"', attrs)
            label = re.search(r'<span class="tab-label">([^<]+)</span>', inner)
            assert href is not None and label is not None
            found.append((label.group(1), href.group(1), 'aria-current="page"' in attrs))
        return found

    assert tabs("index.html") == [
        ("ホーム", "/", True),
        ("お知らせ", "/notices/", False),
        ("求人", "/jobs/", False),
        ("グループ", "/app/groups/", False),
        ("マイページ", "/app/profile/", False),
    ]
    assert [t for t in tabs("notices/open-day/index.html") if t[2]] == [
        ("お知らせ", "/notices/", True)
    ]
    assert [t for t in tabs("app/groups/index.html") if t[2]] == [
        ("グループ", "/app/groups/", True)
    ]
    # A conversation fills the screen, like a messaging app: no tab bar under its composer.
    assert 'class="tabbar"' not in (dist / "app/chat/index.html").read_text()
    assert [t for t in tabs("app/index.html") if t[2]] == [("ホーム", "/", True)]
    home = (dist / "app/index.html").read_text()
    assert 'data-member-href="/app/"' in home and 'data-member-href="/app/feed/"' in home
    assert 'data-badge="notices"' in home and 'data-badge="chat"' in home
    assert 'data-badge="surveys"' in home  # on the ホーム tab: the surveys waiting
    assert "<body data-member-screen>" in home
    for screen in ("feed", "groups", "chat", "profile", "notifications", "surveys", "survey"):
        assert "<body data-member-screen>" in (dist / f"app/{screen}/index.html").read_text()
    for open_screen in ("app/login/index.html", "app/help/index.html", "index.html"):
        assert "data-member-screen" not in (dist / open_screen).read_text()


def test_the_text_size_script_runs_before_the_first_paint(site_tree: SiteTree, dist: Path) -> None:
    build(full=True)
    html = (dist / "index.html").read_text()
    head = html[: html.index("</head>")]
    found = re.search(r'<script src="(/assets/js/textsize\.[0-9a-f]+\.js)"([^>]*)>', head)
    assert found is not None
    assert "defer" not in found.group(2) and "async" not in found.group(2)


def test_nothing_personal_or_members_only_is_written_into_dist(
    site_tree: SiteTree, dist: Path
) -> None:
    me = AlumnusFactory(family_name="泉区", given_name="秘密子", email="himitsu@example.jp")
    group = CommunityGroupFactory(name="秘密の山歩き")
    member_of(group, me)
    post(group, me, "私の電話は090-0000-1234です")
    notice = NoticePageFactory(parent=site_tree.notices, slug="groups", title="グループ限定の案内")
    notice.visibility = Visibility.MEMBERS
    notice.save()
    build(full=True)
    everything = read_all(dist)
    for personal in (
        "泉区",
        "秘密子",
        "himitsu@example.jp",
        "090-0000-1234",
        "秘密の山歩き",
        "グループ限定の案内",
        "会員限定の秘密のお知らせ",
    ):
        assert personal not in everything, personal


def test_the_service_worker_may_keep_only_public_pages_and_the_static_shells(
    site_tree: SiteTree, dist: Path
) -> None:
    build(full=True)
    config = _sw_config(dist)
    assert config["public_prefixes"] == ["/notices/", "/jobs/", "/press/"]
    assert {"/", "/offline/", "/about/", "/survey/"} <= set(config["public_paths"])
    kept = [*config["public_paths"], *config["public_prefixes"]]
    assert not [p for p in kept if p.startswith(("/app/", "/api/", "/admin/"))]
    assert config["shells"] == sorted(
        ["/app/", *(f"/app/{n}/" for n in ("chat", "export", "feed", "groups", "help", "invite"))]
        + [f"/app/{n}/" for n in ("login", "mydata", "notifications", "privacy", "profile")]
        + [f"/app/{n}/" for n in ("register", "survey", "surveys")]
    )
    sw = (dist / "sw.js").read_text()
    precache = dict(json.loads(re.search(r"const PRECACHE = (.*);", sw).group(1)))  # type: ignore[union-attr]
    assert all(precache.get(shell) for shell in config["shells"])
