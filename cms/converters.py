"""Ids from outside: the path converter shared by the project's URLconfs (importing this module
registers it), and ids posted by the admin's forms."""

import re

from django.http import Http404, HttpRequest
from django.urls import register_converter

ID_DIGITS = 18
"""An id from outside (a URL, a form, a JSON body) has at most this many digits, so it always
fits the database's 64-bit integer: a longer one is refused rather than overflowing the driver."""

MAX_ID = 10**ID_DIGITS - 1
"""The largest id taken from outside (`max_value` of an id in a request body)."""


class IdConverter:
    """`<id:name>`: a database id of at most `ID_DIGITS` digits (a longer one is an unknown
    path, 404)."""

    regex = f"[0-9]{{1,{ID_DIGITS}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")


def posted_ids(request: HttpRequest, name: str) -> list[int]:
    """The record ids a form posted under `name`; a value that is no id names no record (404)
    rather than reaching the database as a string or an overflowing number."""
    values = request.POST.getlist(name)
    if not all(re.fullmatch(IdConverter.regex, value) for value in values):
        raise Http404("そのような記録はありません。")
    return [int(value) for value in values]


def posted_id(request: HttpRequest, name: str) -> int:
    ids = posted_ids(request, name)
    if len(ids) != 1:
        raise Http404("そのような記録はありません。")
    return ids[0]
