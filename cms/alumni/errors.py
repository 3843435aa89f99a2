"""Refusals of the alumni services, each with the Japanese message the person sees."""

from cms.errors import ServiceError


class AlumniError(ServiceError):
    """A refusal of the alumni domain."""


class NotAllowed(AlumniError):
    status_code = 403


class TooManyAttempts(AlumniError):
    status_code = 429

    def __init__(self, *, retry_after: int) -> None:
        super().__init__("試行回数が多すぎます。しばらく待ってからお試しください。")
        self.retry_after = retry_after
