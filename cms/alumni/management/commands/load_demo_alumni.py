"""`manage.py load_demo_alumni`: the demo roster, HR's alumni permissions, and how to invite."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cms.alumni.models import RosterEntry
from cms.alumni.roster import roster_file_read
from cms.alumni.services import RosterInvalid, roster_import
from cms.staff_roles import ALUMNI_HR, role_grant

DEMO_ROSTER = Path(settings.BASE_DIR) / "content_fixtures" / "demo_roster.csv"
HR_USERNAME = "hr-editor"


class Command(BaseCommand):
    help = "デモ用の名簿（架空の元職員）を取り込み、招待の手順を表示します。何度実行しても同じ結果です。"

    def handle(self, *args: Any, **options: Any) -> None:
        roster = roster_file_read(filename=DEMO_ROSTER.name, content=DEMO_ROSTER.read_bytes())
        try:
            with transaction.atomic():
                result = roster_import(roster=roster)
                hr_given = self._hr_permissions()
        except RosterInvalid as error:
            for line, reason in error.errors:
                self.stderr.write(f"{DEMO_ROSTER.name} {line} 行目: {reason}")
            raise CommandError(error.message) from None
        self.stdout.write(
            f"デモ名簿: 新規 {result.created} 件、更新 {result.updated} 件、"
            f"変更なし {result.unchanged} 件"
        )
        if hr_given:
            self.stdout.write(f"{HR_USERNAME} に「{ALUMNI_HR}」の権限を付けました。")
        self.stdout.write(self._how_to_invite([row.values["staff_number"] for row in roster.rows]))

    def _hr_permissions(self) -> bool:
        """The demo's HR editor gets HR's alumni role; False when that user is absent."""
        user = get_user_model().objects.filter(username=HR_USERNAME).first()
        if user is None:
            return False
        role_grant(user, ALUMNI_HR)
        return True

    def _how_to_invite(self, staff_numbers: list[str]) -> str:
        admin = settings.WAGTAILADMIN_BASE_URL
        people = RosterEntry.objects.filter(staff_number__in=staff_numbers).order_by("staff_number")
        lines = [
            "",
            "  デモ: 元職員を招待して登録する",
            f"  1. {admin}/admin/alumni/invitations/ を {HR_USERNAME} で開き、"
            "「未送信の全員に招待メールを送る」を押す（郵送は「郵送の案内状を作成」で PDF）。",
            f"  2. 送信されたメールは {admin}/admin/dev/mail/ で読めます"
            "（ファイルは var/mail/）。招待メールのリンクを開くと、招待コード入力済みの登録画面です。",
            "  3. 下の生年月日で登録し、ログイン画面で同じメールアドレスに届く 6 桁のコードを入力。",
            "  4. マイページで「JSON 形式のデータを用意する」（開示）と「退会する」（削除）を試せます。",
            "",
            "  デモ名簿（架空の人物）:",
        ]
        for entry in people:
            contact = entry.email or f"メールなし（郵送: 〒{entry.postal_code}）"
            lines.append(
                f"    {entry.staff_number} {entry.family_name} {entry.given_name}"
                f"  生年月日 {entry.birth_date:%Y-%m-%d}  {contact}"
            )
        return "\n".join(lines) + "\n"
