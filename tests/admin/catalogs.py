"""Reading gettext catalogs (.po) in the tests: the project's own, and Wagtail's English ones
that list every string its admin can show."""

import ast
import re
from dataclasses import dataclass
from pathlib import Path

_LINE = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$')


@dataclass(frozen=True)
class Entry:
    context: str | None
    msgid: str
    plural: str | None
    msgstrs: tuple[str, ...]
    flags: frozenset[str]

    @property
    def key(self) -> str:
        """The entry's key in a compiled catalog (GNU gettext joins context and id with EOT)."""
        return f"{self.context}\x04{self.msgid}" if self.context else self.msgid


def po_entries(path: Path) -> list[Entry]:
    """The entries of a .po file (its header, msgid "", left out; obsolete #~ entries too)."""
    entries: list[Entry] = []
    fields: dict[str, str] = {}
    flags: set[str] = set()
    last = ""

    def close() -> None:
        if fields.get("msgid"):
            msgstrs = tuple(v for k, v in sorted(fields.items()) if k.startswith("msgstr"))
            entries.append(
                Entry(
                    fields.get("msgctxt"),
                    fields["msgid"],
                    fields.get("msgid_plural"),
                    msgstrs,
                    frozenset(flags),
                )
            )
        fields.clear()
        flags.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        match = _LINE.match(line)
        if match:
            keyword, value = match.group(1), ast.literal_eval(match.group(2))
            if keyword in {"msgctxt", "msgid"} and any(k.startswith("msgstr") for k in fields):
                close()
            fields[keyword] = value
            last = keyword
        elif line.startswith('"') and last:
            fields[last] += ast.literal_eval(line)
        elif line.startswith("#,"):
            if any(k.startswith("msgstr") for k in fields):
                close()
            flags.update(flag.strip() for flag in line[2:].split(","))
        elif not line.strip() and any(k.startswith("msgstr") for k in fields):
            close()
            last = ""
    close()
    return entries
