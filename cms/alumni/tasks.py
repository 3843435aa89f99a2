"""Background work of the alumni domain, all on the "mail" queue: invitations and one-time codes."""

import datetime as dt

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from cms.alumni import services

MAIL_QUEUE = "mail"


@task(queue_name=MAIL_QUEUE)
def invitation_emails_send(*, invitation_ids: list[int]) -> dict[str, int]:
    """Send each queued invitation once; rerunning it skips those already sent or failed."""
    outcome: dict[str, int] = {}
    for invitation_id in invitation_ids:
        state = services.invitation_email_send(invitation_id=invitation_id)
        outcome[state] = outcome.get(state, 0) + 1
    return outcome


@task(queue_name=MAIL_QUEUE)
def invitation_batch_send(*, entry_ids: list[int], actor_id: int | None) -> dict[str, int]:
    """One batch of 「未送信の全員に招待メールを送る」: its own transaction, then its mails."""
    return services.invitation_batch_send(entry_ids=entry_ids, actor_id=actor_id)


@task(queue_name=MAIL_QUEUE)
def one_time_code_mail(*, code_id: int, attempt: int = 1) -> str:
    """Mail a login or email-change code; while the mail server fails, try again after a
    growing pause (a few times, within the code's validity)."""
    state = services.one_time_code_mail_send(code_id=code_id)
    pauses = settings.ALUMNI_CODE_MAIL_RETRY_SECONDS
    if (
        state == "failed"
        and attempt <= len(pauses)
        and one_time_code_mail.get_backend().supports_defer
    ):
        run_after = timezone.now() + dt.timedelta(seconds=pauses[attempt - 1])
        one_time_code_mail.using(run_after=run_after).enqueue(code_id=code_id, attempt=attempt + 1)
    return state
