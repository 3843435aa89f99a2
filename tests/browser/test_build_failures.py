"""HR's view of a page the build could not render (Chromium, 1366 px): the menu's サイト生成の
失敗 lists it with the reason and since when, and its editor warns of it."""

from pathlib import Path
from typing import Any

import pytest
import wagtail_factories
from django.test import override_settings

from cms.content.models import NoticeCategory
from pwa_build.build import build
from tests.browser.conftest import ADMIN_VIEWPORT, admin_sign_in
from tests.browser.screens import axe_violations, screenshot
from tests.content.factories import NoticeIndexPageFactory, NoticePageFactory, make_site

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("built_site")]

PASSWORD = "hr-pass-2026"


def test_hr_sees_the_page_that_failed_and_why(
    admin_static: None,
    pwa_api_server: str,
    chromium: Any,
    django_user_model: Any,
    tmp_path: Path,
) -> None:
    # An earlier live-server test may have emptied the tables the migrations filled.
    NoticeCategory.objects.get_or_create(slug="other", defaults={"name": "その他"})
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        image = wagtail_factories.ImageFactory(title="説明会の会場")
        Path(image.file.path).unlink()
        notice = NoticePageFactory(
            parent=NoticeIndexPageFactory(parent=make_site()),
            slug="venue",
            title="会場写真つきの説明会",
            body=[
                {
                    "type": "image",
                    "value": {"image": image.pk, "decorative": False, "alt_text": "会場"},
                }
            ],
        )
        report = build(dist=tmp_path / "dist")
    assert [f.page_id for f in report.failures] == [notice.pk]
    django_user_model.objects.create_superuser("hr", password=PASSWORD, first_name="人事")

    page = chromium.new_context(
        locale="ja-JP", viewport=ADMIN_VIEWPORT, reduced_motion="reduce"
    ).new_page()
    admin_sign_in(page, pwa_api_server, "hr", PASSWORD)
    page.get_by_role("link", name="サイト生成の失敗").click()
    page.wait_for_url("**/admin/build-failures/")
    row = page.get_by_role("row").filter(has_text="会場写真つきの説明会").inner_text()
    list_violations = axe_violations(page)
    screenshot(page, "admin-build-failures")

    page.get_by_role("link", name="会場写真つきの説明会").click()
    page.wait_for_url(f"**/admin/pages/{notice.pk}/edit/")
    warning = page.get_by_text("サイトの生成に失敗しています").inner_text()
    edit_violations = axe_violations(page)
    screenshot(page, "admin-build-failure-editor")

    assert "画像「説明会の会場」のファイルが見つからない" in row
    assert "/venue/" in row
    assert "未公開" in row
    assert "画像「説明会の会場」" in warning
    assert list_violations == []
    assert edit_violations == []
