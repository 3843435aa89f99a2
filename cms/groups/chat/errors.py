"""Refusals of the chat services, each with the Japanese message the person sees."""


class ChatError(Exception):
    """A refused request; `field` names the input it concerns (None: the request as a whole)."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ChatError):
    """The group or message does not exist for this person (non-members learn nothing)."""

    status_code = 404

    def __init__(self) -> None:
        super().__init__("見つかりませんでした。")


class NotAllowed(ChatError):
    status_code = 403


class Conflict(ChatError):
    status_code = 409
