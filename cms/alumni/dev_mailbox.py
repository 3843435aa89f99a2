"""The demo's mailbox: mail written to files by the dev settings, shown decoded in the admin.

Only with settings.DEBUG (the dev settings of `make demo`); anywhere else it answers 404, so
production never shows anyone's mail.
"""

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
# Django's file backend appends each message followed by a line of 79 dashes.
SEPARATOR = b"\n" + b"-" * 79 + b"\n"
SHOWN = 50


@dataclass(frozen=True)
class DemoMail:
    file: str
    date: str
    to: str
    subject: str
    text: str


def mail_directory() -> Path | None:
    """Where the default mailer writes files, or None when it sends by SMTP."""
    mailer: dict[str, Any] = dict(settings.MAILERS.get("default", {}))
    if mailer.get("BACKEND") != FILE_BACKEND:
        return None
    return Path(str(mailer.get("OPTIONS", {}).get("file_path", "")))


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        return ""
    content: Any = part.get_content()
    return str(content)


def demo_mails(directory: Path, *, limit: int = SHOWN) -> list[DemoMail]:
    """The newest messages of the directory, decoded (subject, recipients, text body)."""
    files = sorted(
        (f for f in directory.glob("*") if f.suffix in {".log", ".eml"} and f.is_file()),
        key=lambda f: (f.stat().st_mtime, f.name),
        reverse=True,
    )
    found: list[DemoMail] = []
    for file in files:
        chunks = [chunk for chunk in file.read_bytes().split(SEPARATOR) if chunk.strip()]
        for raw in reversed(chunks):
            message = email.message_from_bytes(raw.lstrip(b"\n"), policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            found.append(
                DemoMail(
                    file=file.name,
                    date=str(message.get("Date", "")),
                    to=str(message.get("To", "")),
                    subject=str(message.get("Subject", "")),
                    text=_text_of(message),
                )
            )
            if len(found) >= limit:
                return found
    return found


def dev_mailbox_view(request: HttpRequest) -> HttpResponse:
    if not settings.DEBUG:
        raise Http404
    directory = mail_directory()
    mails = demo_mails(directory) if directory is not None and directory.is_dir() else []
    return TemplateResponse(
        request,
        "alumni/admin/dev_mailbox.html",
        {"mails": mails, "directory": directory, "limit": SHOWN},
    )
