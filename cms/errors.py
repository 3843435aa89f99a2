"""Refusals raised by any domain's services, each with the Japanese message the person sees."""


class ServiceError(Exception):
    """A refused request; `field` names the input it concerns (None: the request as a whole),
    or `errors` (kept as `field_errors`) maps several inputs to their messages.

    The API turns it into `{"detail": message, "errors": {field: [message]}}` (or `errors`) with
    `status_code`, and a `Retry-After` header when `retry_after` (seconds) is set."""

    status_code = 400
    retry_after: int | None = None

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        errors: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.field_errors = errors or ({field: [message]} if field else {})
