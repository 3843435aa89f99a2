"""Refusals of the alumni services, each with the Japanese message the person sees."""

from cms.errors import ServiceError


class AlumniError(ServiceError):
    """A refusal of the alumni domain."""


class NotAllowed(AlumniError):
    status_code = 403


FRESH_LOGIN_MESSAGE = (
    "前回のログインから時間がたっているため、確認のため、"
    "もう一度メールの確認コードでログインしてください。"
)


class FreshLoginRequired(AlumniError):
    """Export or deletion on a session signed in more than ALUMNI_FRESH_LOGIN_HOURS ago: the
    PWA sends the person to the login screen (`errors.fresh_login`) and back."""

    status_code = 403

    def __init__(self) -> None:
        super().__init__(FRESH_LOGIN_MESSAGE, field="fresh_login")


class TooManyAttempts(AlumniError):
    status_code = 429

    def __init__(self, *, retry_after: int) -> None:
        super().__init__("試行回数が多すぎます。しばらく待ってからお試しください。")
        self.retry_after = retry_after
