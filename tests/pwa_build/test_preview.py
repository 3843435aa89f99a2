"""Editor preview: the draft rendered by the build's renderer, and not in dist/ until published."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.test import Client
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from pwa_build.build import build

from .conftest import SiteTree


def test_a_draft_change_shows_in_preview_and_not_in_dist_until_published(
    site_tree: SiteTree, dist: Path, client: Client
) -> None:
    build(full=True)
    editor = get_user_model().objects.create_superuser("editor", "e@example.jp", "pw")
    client.force_login(editor)
    notice = site_tree.public_notice
    data = nested_form_data(
        {
            "title": "プレビューで見る新しいタイトル",
            "slug": notice.slug,
            "date": "2026-11-01",
            "category": notice.category_id,
            "summary": "プレビューの概要",
            "body": streamfield([("paragraph", rich_text("<p>プレビューの本文</p>"))]),
            "visibility": "public",
            "comments": nested_form_data({"comments-TOTAL_FORMS": 0}),
        }
    )
    data.update({"comments-TOTAL_FORMS": "0", "comments-INITIAL_FORMS": "0"})
    url = f"/admin/pages/{notice.pk}/edit/preview/"
    assert client.post(url, data).json() == {"is_valid": True, "is_available": True}
    redirect = client.get(url, {"mode": ""})
    assert redirect.status_code == 302 and "/preview/?" in redirect["Location"]
    preview = client.get(redirect["Location"])
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "プレビューで見る新しいタイトル" in html and "プレビューの本文" in html
    assert "preview-banner" in html
    assert "unsafe-inline" not in preview["Content-Security-Policy"]
    # the same template and layout as the build writes
    live = (dist / "notices/open-day/index.html").read_text()
    assert 'class="article"' in live and 'class="article"' in html
    assert "プレビューで見る新しいタイトル" not in live

    build()
    assert (
        "プレビューで見る新しいタイトル" not in (dist / "notices/open-day/index.html").read_text()
    )

    notice.refresh_from_db()
    notice.title = "プレビューで見る新しいタイトル"
    notice.save_revision().publish()
    build()
    assert "プレビューで見る新しいタイトル" in (dist / "notices/open-day/index.html").read_text()


def test_preview_needs_an_editor(site_tree: SiteTree, client: Client) -> None:
    response = client.get("/preview/", {"content_type": "content.noticepage", "token": "x"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
