"""The Wagtail admin speaks Japanese and carries the organisation's name."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db


def test_login_page_is_japanese_and_branded(client: Client) -> None:
    response = client.get("/admin/login/")
    html = response.content.decode()
    assert '<html lang="ja"' in html
    assert "宮城県 アルムナイネットワーク 管理画面にログイン" in html
    assert "ユーザー名" in html or "ユーザ名" in html


def test_dashboard_is_branded_for_an_editor(client: Client) -> None:
    user = get_user_model().objects.create_superuser("hr", "hr@example.jp", "pw")
    client.force_login(user)
    html = client.get("/admin/").content.decode()
    assert "<title>" in html and "宮城県 アルムナイネットワーク 管理画面" in html


def test_admin_pages_ask_no_third_party_for_avatars(client: Client) -> None:
    user = get_user_model().objects.create_superuser("hr2", "hr2@example.jp", "pw")
    client.force_login(user)
    html = client.get("/admin/").content.decode()
    assert "gravatar" not in html.lower()
