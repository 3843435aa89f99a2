"""Background work of the alumni domain, all on the "mail" queue: invitations and one-time codes."""

import datetime as dt
import logging

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from cms.alumni import services
from cms.worker_stop import stop_requests_heard

MAIL_QUEUE = "mail"
logger = logging.getLogger(__name__)


def _retry_later(report: services.InvitationMailReport) -> dict[str, int]:
    """Queue the invitations handed back by a worker that stops, to run now, and those that
    wait for a retry, to run when it is due."""
    if report.handed_back:
        logger.warning("invitations: %d handed back, the worker stops", len(report.handed_back))
        invitation_emails_send.enqueue(invitation_ids=report.handed_back)
    if report.retry_at is not None and report.retry_ids:
        if invitation_emails_send.get_backend().supports_defer:
            run_after = report.retry_at + dt.timedelta(seconds=1)
            invitation_emails_send.using(run_after=run_after).enqueue(
                invitation_ids=report.retry_ids
            )
        else:
            logger.warning("invitations: retry due, but the task backend cannot defer")
    return report.as_dict()


@task(queue_name=MAIL_QUEUE)
def invitation_emails_send(*, invitation_ids: list[int]) -> dict[str, int]:
    """Send each queued or due invitation once over one connection; those that wait for a
    retry are queued again for when it is due. Rerunning it sends nothing twice."""
    with stop_requests_heard():
        report = services.invitation_emails_send(invitation_ids=invitation_ids)
    return _retry_later(report)


@task(queue_name=MAIL_QUEUE)
def invitation_batch_send(*, entry_ids: list[int], actor_id: int | None) -> dict[str, int]:
    """One batch of 「未送信の全員に招待メールを送る」: its own transaction, then its mails."""
    with stop_requests_heard():
        report = services.invitation_batch_send(entry_ids=entry_ids, actor_id=actor_id)
    return _retry_later(report)


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


@task(queue_name=MAIL_QUEUE)
def wrong_codes_notice_mail(*, alumnus_id: int) -> str:
    """Tell an account's owner that its daily cap of wrong login codes was reached."""
    return services.wrong_codes_notice_send(alumnus_id=alumnus_id)
