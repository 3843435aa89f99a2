"""Path converters shared by the project's URLconfs; importing this module registers them."""

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
