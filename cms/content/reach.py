"""The notice editor's reach preview: how many alumni a notice reaches, by which channel."""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from cms.push.selectors import NoticeReach, notice_reach

from .models import Visibility

if TYPE_CHECKING:
    from cms.groups.models import AudienceGroup


def notice_reach_text(
    *, visibility: str, audience_groups: Iterable["AudienceGroup"], notify_alumni: bool
) -> str:
    """One Japanese sentence for the editor, from the selector the fan-out itself uses."""
    groups = list(audience_groups)
    if visibility == Visibility.GROUPS and not groups:
        return "配信グループを選ぶと、このお知らせが届く人数が表示されます。"
    reach: NoticeReach = notice_reach(visibility=visibility, audience_groups=groups)
    if not notify_alumni:
        return (
            f"このお知らせを読める登録者: {reach.audience}人"
            "（「登録者に通知する」がオフのため、公開しても通知は送られません）"
        )
    return (
        f"このお知らせが届く人: {reach.audience}人"
        f"（プッシュ通知 {reach.push}人・メール {reach.email}人・"
        f"受け取り設定なし {reach.unreachable}人）"
    )
