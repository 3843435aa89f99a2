"""Refusals of the survey services, each with the Japanese message the alumnus sees."""

from cms.errors import ServiceError

NOT_YET_OPEN = "まだ回答を受け付けていません。"
CLOSED = "このアンケートの回答受付は終了しました。"
OUTDATED = "アンケートの内容が更新されました。確認してもう一度送信してください。"
INVALID = "回答に誤りがあります。"
NOT_FOUND = "アンケートが見つかりません。"


class SurveyError(ServiceError):
    """A refusal of the survey domain."""


class SurveyNotFound(SurveyError):
    """Not live, not for this alumnus, or without any published question."""

    status_code = 404

    def __init__(self) -> None:
        super().__init__(NOT_FOUND)


class SurveyNotOpen(SurveyError):
    """Outside the window: before `opens_at` or from `closes_at` on."""

    status_code = 403


class SurveyVersionOutdated(SurveyError):
    """The answers were written against an earlier version of the questions."""

    status_code = 409

    def __init__(self) -> None:
        super().__init__(OUTDATED)


class SurveyAnswersInvalid(SurveyError):
    """Answers that break the version's rules; `errors` maps a question id (or
    "answers" / "targeting_consent") to its Japanese messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(INVALID, errors=errors)
        self.errors = errors
