"""A member of staff lost or replaced their phone: their authenticator app's registration is
removed (cms/staff_otp.py), so their next sign-in enrols a new one. Run by a system
administrator (a superuser) once they have made sure who is asking."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cms.staff_otp import staff_otp_reset


class Command(BaseCommand):
    help = (
        "スマートフォンをなくした・買い替えた職員の、管理画面の 2 段階認証（認証アプリ）の登録を"
        "解除します。その職員は次のログインで認証アプリを登録し直します。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="登録を解除する職員のユーザー名")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"ユーザー名「{username}」のアカウントはありません。")
        removed = staff_otp_reset(user=user)
        if removed == 0:
            self.stdout.write(f"{username}: 認証アプリは登録されていません（変更なし）。")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{username}: 認証アプリの登録を解除しました（{removed} 件）。ログイン中の画面も"
                "確認コードを求めます。次のログインで認証アプリを登録し直します。"
            )
        )
