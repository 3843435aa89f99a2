"""The admin shows who exactly is in a group before it is saved (Wagtail's live preview)."""

from typing import Any

import pytest
from django.test import Client

from cms.groups.models import AudienceGroup
from tests.groups.factories import AlumnusFactory

pytestmark = pytest.mark.django_db


def test_preview_lists_the_members_of_an_unsaved_group(admin_client: Client) -> None:
    AlumnusFactory(family_name="石巻", current_region="石巻市")
    AlumnusFactory(family_name="東京", current_region="東京都")
    picked = AlumnusFactory(family_name="大崎", current_region="大崎市")
    url = "/admin/snippets/groups/audiencegroup/preview/"
    form: dict[str, Any] = {"name": "石巻のみなさん", "regions": "石巻市", "members": [picked.pk]}
    response = admin_client.post(url, form)
    assert response.status_code == 200, response.content[:500]
    assert response.json()["is_valid"] is True
    page = admin_client.get(url).content.decode()
    assert "data-member-count>2<" in page
    assert "石巻" in page and "大崎" in page and "東京都" not in page
    assert not AudienceGroup.objects.exists()
