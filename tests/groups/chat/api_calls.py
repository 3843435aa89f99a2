"""Requests of the chat API shared by its test modules."""

import uuid
from typing import Any

from rest_framework.test import APIClient

from cms.groups.chat.models import CommunityGroup


def messages_url(group: CommunityGroup) -> str:
    return f"/api/v1/groups/{group.pk}/messages"


def send(client: APIClient, group: CommunityGroup, body: Any, client_id: Any = None) -> Any:
    """Post `body` to the group as the PWA does (a fresh client_id unless given)."""
    return client.post(
        messages_url(group),
        {"body": body, "client_id": str(client_id or uuid.uuid4())},
        format="json",
    )
