"""The reports made and sent: files written for a month or a fiscal year, the monthly mail to HR."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage

from cms.mailing import MailBatch
from cms.staff_roles import ROLES

from .exports import ReportFile, files_write, report_files
from .pdf import completion_pdf
from .periods import Period
from .selectors import fiscal_year_figures, month_figures


def monthly_report_files(*, period: Period) -> list[ReportFile]:
    """The XLSX and the two CSVs of one month."""
    return report_files(month_figures(period))


def monthly_report_write(*, period: Period, out_dir: Path) -> list[Path]:
    return files_write(monthly_report_files(period=period), out_dir)


def completion_report_files(*, period: Period) -> list[ReportFile]:
    """The fiscal year's PDF (A4, fonts embedded) and the same tables as XLSX and CSVs."""
    figures = fiscal_year_figures(period)
    return [completion_pdf(figures), *report_files(figures)]


def completion_report_write(*, period: Period, out_dir: Path) -> list[Path]:
    return files_write(completion_report_files(period=period), out_dir)


def hr_recipients() -> list[str]:
    """E-mail addresses of the active staff in HR's roles (aggregates only are sent to them)."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=list(ROLES))
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
        .order_by("email")
    )
    return list(users)


def monthly_report_mail(*, period: Period) -> int:
    """The month's report mailed to each member of HR's roles; the number of mails sent."""
    files = monthly_report_files(period=period)
    sent = 0
    with MailBatch() as batch:
        for address in hr_recipients():
            message = EmailMessage(
                subject=f"【アルムナイ】月次報告（{period.label}）",
                body=(
                    f"{period.label}（{period.western}）の月次報告をお送りします。\n"
                    "集計値のみで、個人を特定できる情報は含みません。"
                    "5人未満の人数は「5未満」と表示しています。\n"
                ),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[address],
            )
            for file in files:
                message.attach(file.name, file.content, file.content_type)
            if batch.send(message) is None:
                sent += 1
    return sent
