"""`manage.py load_demo_chat`: two demo alumni and one community group to chat in (idempotent)."""

import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from cms.alumni.demo import DemoPerson, demo_alumni_register
from cms.groups.chat.models import CommunityGroup, JoinPolicy
from cms.groups.chat.services import membership_join, message_post
from cms.staff_roles import CHAT_HR, role_grant

DEMO_ALUMNI = [
    DemoPerson("DC001", "佐藤", "花子", "さとう", "はなこ", "保健福祉部", "sato@alumni.example.jp"),
    DemoPerson("DC002", "鈴木", "一郎", "すずき", "いちろう", "土木部", "suzuki@alumni.example.jp"),
]
GROUP_NAME = "アルムナイ交流広場"
HOUSE_RULES = (
    "・お互いを尊重し、丁寧な言葉で話しましょう。\n"
    "・勧誘・営業・選挙運動・宗教の勧誘は禁止です。\n"
    "・現役職員との間で、利害関係を疑われるやり取りはしないでください。\n"
    "・個人情報（住所・電話番号など）を書き込まないでください。\n"
    "・ルールに反する投稿は、モデレーターが非表示にすることがあります。"
)


class Command(BaseCommand):
    help = "チャットを試すためのデモ用アルムナイ2名と交流グループを作成します。"

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        with transaction.atomic():
            group, created = CommunityGroup.objects.get_or_create(
                name=GROUP_NAME,
                defaults={
                    "description": "県を退職した皆さまが気軽に話せる場所です。",
                    "join_policy": JoinPolicy.OPEN,
                    "house_rules": HOUSE_RULES,
                },
            )
            moderator = User.objects.filter(username="moderator").first()
            if moderator is not None:
                group.staff_moderators.add(moderator)
            for user in User.objects.filter(username__in=["hr-editor", "moderator"]):
                role_grant(user, CHAT_HR)
            alumni = demo_alumni_register(DEMO_ALUMNI)
            for alumnus in alumni:
                membership_join(group_id=group.pk, alumnus=alumnus, accept_rules=True)
            if created:
                message_post(
                    group_id=group.pk,
                    alumnus=alumni[0],
                    body="はじめまして。保健福祉部におりました佐藤です。よろしくお願いします。",
                    client_id=uuid.uuid4(),
                )
        self.stdout.write(f"交流グループ: {GROUP_NAME}（{'作成' if created else '既存'}）")
        for person in DEMO_ALUMNI:
            self.stdout.write(f"デモ用アルムナイ: {person.email}")
        self.stdout.write(
            "  二人で話すには: 通常のウィンドウとシークレットウィンドウ（または別のブラウザ）で"
            " /app/login/ を開き、それぞれのアドレスでログイン（確認コードは /admin/dev/mail/ ）"
            "してから /app/groups/ へ。"
        )
