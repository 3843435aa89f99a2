"""Refusals of the chat services, each with the Japanese message the person sees."""

from cms.errors import ServiceError


class ChatError(ServiceError):
    """A refusal of the chat domain."""


class NotFound(ChatError):
    """The group or message does not exist for this person (non-members learn nothing)."""

    status_code = 404

    def __init__(self) -> None:
        super().__init__("見つかりませんでした。")


class NotAllowed(ChatError):
    status_code = 403


class Conflict(ChatError):
    status_code = 409


class TooManyPosts(ChatError):
    status_code = 429

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(
            "続けて投稿できる数を超えました。少し待ってから送信してください（送信待ちの"
            "メッセージは自動で送ります）。"
        )
        self.retry_after = retry_after
