"""The demo's second factor: `--enrol` gives the demo's staff accounts an authenticator with a
known key (demo only: `make demo` runs it; refused unless DEBUG is on, as a key anyone can
derive must never guard a real site); without it, prints each one's current code."""

import base64
import hashlib
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from cms.content.demo import DEMO_ACCOUNTS
from cms.staff_otp import needs_second_factor

DEVICE_NAME = "デモ用の認証アプリ"


def demo_key(username: str) -> str:
    """A fixed 20-byte key (hex) per demo account: known, so the demo can print its codes."""
    return hashlib.sha256(f"alumni-demo-totp:{username}".encode()).hexdigest()[:40]


class Command(BaseCommand):
    help = (
        "デモ用: 人事課の権限を持つデモアカウントの 2 段階認証（--enrol で登録）と、"
        "いまの確認コードを表示します。本番では使わないでください。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--enrol", action="store_true", help="デモ用の認証アプリを登録する")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enrol"] and not settings.DEBUG:
            raise CommandError(
                "--enrol はデモ専用です（DEBUG が有効なときだけ使えます）。"
                "本番の職員は、最初のログインで自分の認証アプリを登録します。"
            )
        users = get_user_model().objects.filter(
            username__in=[account.username for account in DEMO_ACCOUNTS]
        )
        for user in users.order_by("username"):
            if not needs_second_factor(user):
                continue
            if options["enrol"]:
                TOTPDevice.objects.get_or_create(
                    user=user,
                    name=DEVICE_NAME,
                    defaults={"key": demo_key(user.username), "confirmed": True},
                )
            device = TOTPDevice.objects.filter(user=user, name=DEVICE_NAME).first()
            if device is None:
                self.stdout.write(f"{user.username}: デモ用の認証アプリは未登録です（--enrol）。")
                continue
            totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
            left = device.step - int(time.time() - device.t0) % device.step
            secret = base64.b32encode(device.bin_key).decode()
            self.stdout.write(
                f"{user.username}: 確認コード {totp.token():06d}（あと {left} 秒）"
                f" 設定キー {secret}"
            )
