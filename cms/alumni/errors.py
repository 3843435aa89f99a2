"""Refusals of the alumni services, each with the Japanese message the person sees."""


class AlumniError(Exception):
    """A refused request; `field` names the input it concerns (None: the request as a whole)."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(AlumniError):
    status_code = 403


class TooManyAttempts(AlumniError):
    status_code = 429

    def __init__(self, *, retry_after: int) -> None:
        super().__init__("試行回数が多すぎます。しばらく待ってからお試しください。")
        self.retry_after = retry_after
