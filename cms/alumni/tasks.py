"""Background work of the alumni domain: sending email invitations."""

from django.tasks import task

from cms.alumni.services import invitation_email_send


@task
def invitation_emails_send(*, invitation_ids: list[int]) -> dict[str, int]:
    """Send each queued invitation once; rerunning it skips those already sent or failed."""
    outcome: dict[str, int] = {}
    for invitation_id in invitation_ids:
        state = invitation_email_send(invitation_id=invitation_id)
        outcome[state] = outcome.get(state, 0) + 1
    return outcome
