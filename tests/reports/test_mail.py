"""The monthly report mailed by the scheduler to the staff of HR's roles, through a real SMTP
server: the XLSX and both CSVs attached, aggregates only, nobody outside the roles."""

from typing import Any

from django.core.management import call_command

from cms.staff_roles import ALUMNI_HR, CHAT_HR, role_grant
from tests.fixtures.smtp import SMTPInbox

from .conftest import SeededMonth


def test_monthly_report_is_mailed_to_hr_roles_only(
    seeded: SeededMonth, smtp: SMTPInbox, django_user_model: Any, tmp_path: Any
) -> None:
    for name, role in (("jinji", ALUMNI_HR), ("koryu", CHAT_HR)):
        role_grant(django_user_model.objects.create_user(name, f"{name}@pref.example.jp"), role)
    django_user_model.objects.create_user("editor", "editor@pref.example.jp")
    call_command("monthly_report", "--month", "2026-10", "--mail", "--out", str(tmp_path))
    messages = smtp.wait_for(2)
    assert sorted(m["To"] for m in messages) == ["jinji@pref.example.jp", "koryu@pref.example.jp"]
    message = messages[0]
    assert message["Subject"] == "【アルムナイ】月次報告（令和8年10月）"
    names = sorted(part.get_filename() for part in message.iter_attachments())
    assert names == [
        "monthly_report_2026-10.xlsx",
        "monthly_report_2026-10_cp932.csv",
        "monthly_report_2026-10_utf8.csv",
    ]
    csv = next(p for p in message.iter_attachments() if p.get_filename().endswith("utf8.csv"))
    text = csv.get_payload(decode=True).decode("utf-8-sig")
    assert "登録者数,21" in text
    assert "宮城" not in text and "@example.jp" not in text  # no names, no addresses
