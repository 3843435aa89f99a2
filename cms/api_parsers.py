"""The API's JSON parser, bounded: a body's size and how deep its JSON may nest.

(Its own module: DRF imports the parser classes while `rest_framework.views` is loading.)"""

import json
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework import exceptions, parsers, status

_JSON_NESTED_TOO_DEEP = "JSON の入れ子が深すぎます。"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "送信内容が大きすぎます。"
    default_code = "request_too_large"


def _nesting_depth(value: Any) -> int:
    """How deep lists and objects nest in parsed JSON (without recursion of our own)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > settings.API_MAX_JSON_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


class BoundedJSONParser(parsers.JSONParser):
    """JSON bodies of at most API_MAX_REQUEST_BYTES, nested at most API_MAX_JSON_DEPTH deep: a
    small body of 20,000 brackets must be a 400, not a RecursionError in the decoder."""

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Any = None
    ) -> Any:
        limit = settings.API_MAX_REQUEST_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding), parse_constant=_no_constant)
        except RecursionError:
            raise exceptions.ParseError(_JSON_NESTED_TOO_DEEP) from None
        except ValueError as exc:
            raise exceptions.ParseError("JSON の形式が正しくありません。") from exc
        if _nesting_depth(data) > settings.API_MAX_JSON_DEPTH:
            raise exceptions.ParseError(_JSON_NESTED_TOO_DEEP)
        return data


def _no_constant(name: str) -> Any:
    """NaN and Infinity are not JSON: refuse them as the standard does."""
    raise ValueError(f"{name} は JSON の値ではありません。")
