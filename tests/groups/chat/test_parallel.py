"""Twenty parallel retries of one post (same client_id) store exactly one message.

Real threads, each with its own database connection, committing for real (SQLite and
PostgreSQL alike: the suite runs on both).
"""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from django.db import connection
from django.test import Client

from cms.groups.chat.models import CommunityGroup, Message
from tests.groups.chat.factories import CommunityGroupFactory, MembershipFactory

RETRIES = 20


def test_twenty_parallel_retries_of_one_post_store_exactly_one_message(
    django_beside_playwright: None,
    migrated_data_left_behind: None,
    django_db_serialized_rollback: None,
    transactional_db: None,
) -> None:
    group = CommunityGroupFactory()
    alumnus = MembershipFactory(group=group).alumnus
    signed_in = Client()
    signed_in.force_login(alumnus.user)
    cookies = signed_in.cookies
    url = f"/api/v1/groups/{group.pk}/messages"
    payload = {"body": "電波の悪い場所からの投稿", "client_id": str(uuid.uuid4())}
    start = threading.Barrier(RETRIES)

    def retry(_: int) -> tuple[int, int]:
        client = Client()
        client.cookies = cookies
        try:
            start.wait(timeout=30)
            response = client.post(url, payload, content_type="application/json")
            return response.status_code, response.json()["id"]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=RETRIES) as pool:
        results = list(pool.map(retry, range(RETRIES)))

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * (RETRIES - 1) + [201]
    assert len({message_id for _, message_id in results}) == 1
    assert Message.objects.filter(group=group).count() == 1
    # Only the stored message counted as a change of the group.
    assert CommunityGroup.objects.get(pk=group.pk).version == 1
