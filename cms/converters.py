"""Path converters shared by the project's URLconfs; importing this module registers them."""

from django.urls import register_converter


class IdConverter:
    """`<id:name>`: a database id of at most 18 digits, so it always fits a 64-bit integer (a
    longer one is an unknown path, 404, rather than an overflow in the database driver)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
