"""What the report commands share: arguments read in Japanese, errors in Japanese, non-zero exit."""

from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser


class JapaneseArgumentsCommand(BaseCommand):
    """A command whose bad arguments end with a Japanese message and exit status 2 (argparse's
    own messages are in English)."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def error(message: str) -> NoReturn:
            raise CommandError(
                f"引数が正しくありません（{message}）。--help で使い方を確認してください。",
                returncode=2,
            )

        parser.error = error  # type: ignore[method-assign]
        return parser


def require(value: str | None, what: str) -> str:
    """A required option given, or a Japanese error naming it."""
    if not value:
        raise CommandError(f"{what}を指定してください。", returncode=2)
    return value
