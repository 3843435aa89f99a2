"""`manage.py load_demo_push`: what `make demo` needs to show a group notice reaching alumni.

The VAPID key pair, two audience groups, a few fictitious registered alumni who fall into them,
and the HR editor's right to edit groups and read the delivery monitor. Running it again
changes nothing.

No demo alumnus has a push device: a device is registered only by its owner, in the app's
通知の設定 (the browser subscribes at its own push service, which the server then calls), so the
demo's notices go by mail, and the command and the delivery monitor say so.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from cms.alumni.demo import DemoPerson, demo_alumni_register
from cms.alumni.models import Alumnus
from cms.groups.models import AudienceGroup
from cms.push.services import vapid_key_create
from cms.staff_roles import DELIVERY_HR, role_grant

HR_USERNAME = "hr-editor"
GROUPS = (
    {
        "name": "土木部の退職者",
        "description": "土木部を退職した方。技術職のカムバック採用の案内に。",
        "former_departments": "土木部",
    },
    {
        "name": "仙台市在住",
        "description": "現在仙台市にお住まいの方。説明会・交流会の案内に。",
        "regions": "仙台市",
    },
)
# Fictitious people (example.jp addresses); mail of the demo goes to var/mail/.
ALUMNI = [
    DemoPerson(
        "DP001",
        "宮城",
        "一郎",
        "みやぎ",
        "いちろう",
        "土木部 道路課",
        "demo-alumnus-1@example.jp",
        current_region="仙台市",
    ),
    DemoPerson(
        "DP002",
        "青葉",
        "花子",
        "あおば",
        "はなこ",
        "土木部 河川課",
        "demo-alumnus-2@example.jp",
        current_region="石巻市",
    ),
    DemoPerson(
        "DP003",
        "泉",
        "健",
        "いずみ",
        "けん",
        "保健福祉部",
        "demo-alumnus-3@example.jp",
        current_region="仙台市",
    ),
    DemoPerson(
        "DP004",
        "名取",
        "さくら",
        "なとり",
        "さくら",
        "総務部 人事課",
        "demo-alumnus-4@example.jp",
        current_region="東京都",
    ),
]


class Command(BaseCommand):
    help = "デモ用に VAPID 鍵・配信グループ・架空の登録者を用意します。何度実行しても同じ結果です。"

    def handle(self, *args: Any, **options: Any) -> None:
        key, key_made = vapid_key_create()
        with transaction.atomic():
            groups_made = sum(self._group(spec) for spec in GROUPS)
            registered = Alumnus.objects.filter(email__in=[p.email for p in ALUMNI]).count()
            alumni_made = len(demo_alumni_register(ALUMNI)) - registered
            editor = self._editor_permissions()
        self.stdout.write(
            f"VAPID 鍵: {'作成しました' if key_made else '作成済み'}（公開鍵 {key.public_key[:16]}…）"
        )
        self.stdout.write(
            f"配信グループ: 新規 {groups_made} 件（{'、'.join(g['name'] for g in GROUPS)}）"
        )
        self.stdout.write(f"デモの登録者: 新規 {alumni_made} 人（架空の方です）")
        if editor:
            self.stdout.write(f"{HR_USERNAME} に「{DELIVERY_HR}」の権限を付けました。")
        self.stdout.write(
            "試し方: 管理画面でお知らせを作成し、公開範囲を「グループ限定」、配信グループに"
            "「土木部の退職者」を選び、「登録者に通知する」にチェックして公開します。"
            "メニューの「配信状況」で、誰にどの経路で届いたかを確認できます"
            "（デモのメールは var/mail/ に保存されます）。"
        )
        self.stdout.write(
            "プッシュ通知: デモの登録者は通知を受け取る端末を登録していないため、お知らせは"
            "メールで届きます（配信状況にもそう表示されます）。試すには、登録者としてアプリに"
            "ログインし、「通知の設定」（/app/notifications/）で「通知を受け取る」を押します"
            "（ブラウザーが自分のプッシュサービスに接続できる環境が必要です）。"
        )

    def _group(self, spec: dict[str, str]) -> bool:
        fields = {k: v for k, v in spec.items() if k != "name"}
        _group, made = AudienceGroup.objects.get_or_create(name=spec["name"], defaults=fields)
        return made

    def _editor_permissions(self) -> bool:
        """The demo's HR editor gets HR's delivery role; False when that user is absent."""
        editor = get_user_model().objects.filter(username=HR_USERNAME).first()
        if editor is None:
            return False
        role_grant(editor, DELIVERY_HR)
        return True
