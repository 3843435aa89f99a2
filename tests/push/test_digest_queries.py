"""The monthly digest costs a fixed number of queries per person mailed, whatever the number
of alumni: group audiences are answered in the database once per run (real SMTP)."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.content.models import NoticePage
from cms.push.services import digest_send
from tests.fixtures.smtp import SMTPInbox
from tests.groups.factories import AlumnusFactory, AudienceGroupFactory

pytestmark = pytest.mark.django_db


# The claim: a transaction (in this test's own, a savepoint and its release) holding the person
# (the lock the fan-out's claim takes too), the re-check, the insert and the claim itself; then
# the read of the claim and the outcome.
PER_PERSON_MAILED = 8
FIXED = 12


def _people(count: int) -> None:
    for n in range(count):
        AlumnusFactory(consent_push=False, interests=["防災"] if n % 2 else ["観光"])


def test_the_digest_runs_a_fixed_number_of_queries_per_person_mailed(
    publish: Callable[..., NoticePage], smtp: SMTPInbox
) -> None:
    disaster = AudienceGroupFactory(interests="防災")
    tourism = AudienceGroupFactory(regions="仙台市", interests="観光")
    publish(title="全員へ", notify_alumni=False)
    for group in (disaster, tourism):
        notice = publish(title=f"{group.name}へ", notify_alumni=False, visibility="members")
        notice.audience_groups.set([group])
        notice.visibility = "groups"
        notice.save_revision().publish()
    month = timezone.localdate().replace(day=1)
    counts = []
    for size in (4, 16):
        _people(size)
        with CaptureQueriesContext(connection) as queries:
            report = digest_send(month=month)
        assert report.alumni_mailed == size
        assert len(smtp.messages) == size
        counts.append(len(queries))
        smtp.clear()
        digest_send(month=month)  # the next month's run would find these people served
        assert smtp.messages == []

    small, large = counts
    per_person = (large - small) / 12
    # Claim, read the claim, record the outcome: nothing per group, per notice or per alumnus.
    assert per_person <= PER_PERSON_MAILED
    assert small - 4 * per_person <= FIXED
