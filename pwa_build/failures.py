"""Why a page could not be rendered, in words HR can act on (shown in the admin)."""

import errno


class PageRenderError(Exception):
    """A page cannot be rendered; the message is the reason, in Japanese."""


def reason_of(exc: BaseException) -> str:
    """The Japanese reason shown to HR for an exception raised while rendering a page."""
    if isinstance(exc, PageRenderError):
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return "ページが使うファイルが見つかりません（画像や文書が削除された可能性があります）。"
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "サーバーのディスクの空きがありません。"
    detail = str(exc).strip()[:200]
    name = type(exc).__name__
    return f"ページを表示用に変換できませんでした（{name}{': ' + detail if detail else ''}）。"
