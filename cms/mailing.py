"""Mail sent in batches: one SMTP connection for a batch of messages, and the bounded back-off
of mail that could not go out (invitations, notice mail, the monthly digest)."""

import contextlib
import datetime as dt
import logging
import smtplib
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.utils import timezone

logger = logging.getLogger(__name__)


def retry_delay(*, attempt: int) -> float:
    """The pause after the `attempt`-th failed try: exponential back-off with a cap."""
    return float(
        min(
            settings.DELIVERY_RETRY_MAX_SECONDS,
            settings.DELIVERY_RETRY_BASE_SECONDS * 2 ** max(0, attempt - 1),
        )
    )


def mail_retry_at(*, attempts: int) -> dt.datetime | None:
    """When a mail tried `attempts` times in all is tried again; None after the last try."""
    if attempts >= settings.MAIL_MAX_ATTEMPTS:
        return None
    return timezone.now() + dt.timedelta(seconds=retry_delay(attempt=attempts))


@dataclass(frozen=True)
class MailFailure:
    """Why a message did not go out, in Japanese for HR; `server` when the mail server itself
    failed (down, refusing, slow), so the rest of the batch would fail the same way."""

    reason: str
    server: bool


class MailBatch:
    """One connection to the mail server for a batch: `with MailBatch() as batch:` then
    `batch.send(message)` for each message (None when it went out). After a failure the
    connection is closed; the next `send` opens a new one."""

    def __init__(self) -> None:
        self.connection: Any = mailers.default

    def __enter__(self) -> "MailBatch":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._close()

    def send(self, message: EmailMessage) -> MailFailure | None:
        try:
            self.connection.open()
            self.connection.send_messages([message])
        except smtplib.SMTPRecipientsRefused:
            return MailFailure(
                reason="宛先のメールアドレスが受け付けられませんでした", server=False
            )
        except OSError as error:  # smtplib's errors included: the server down, refusing, slow
            logger.warning("mail failed (%s)", type(error).__name__)
            self._close()
            return MailFailure(reason=f"メールサーバー: {type(error).__name__}"[:200], server=True)
        return None

    def _close(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.close()
