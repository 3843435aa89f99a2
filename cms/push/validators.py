"""Checks of what a browser hands us as a push subscription (endpoint, p256dh, auth)."""

import base64
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; raises ValueError on bad input."""
    if not isinstance(text, str) or not text.isascii():
        raise ValueError("not base64url")
    cleaned = text.strip().rstrip("=")
    try:
        return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError("not base64url") from exc


def public_key_from_point(point: bytes) -> ec.EllipticCurvePublicKey:
    """A P-256 public key from its 65-byte uncompressed encoding; ValueError if not on the curve."""
    if len(point) != 65 or point[0] != 0x04:
        raise ValueError("not an uncompressed P-256 point")
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)


def push_service_allowed(host: str, allowed: list[str] | None = None) -> bool:
    """Whether `host` is on the allow-list; an entry "*.example.com" allows its subdomains."""
    host = host.lower().rstrip(".")
    for listed in settings.PUSH_SERVICE_HOSTS if allowed is None else allowed:
        entry = listed.lower().strip()
        if entry.startswith("*."):
            if host.endswith(entry[1:]) and len(host) > len(entry) - 1:
                return True
        elif host == entry:
            return True
    return False


def endpoint_error(endpoint: str) -> str | None:
    """A Japanese reason why `endpoint` is not a push service endpoint we send to, or None."""
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
        _ = parts.port
    except ValueError:
        return "エンドポイントの URL が正しくありません。"
    if parts.scheme != "https" or not host or parts.username or parts.password:
        return "エンドポイントは https の URL にしてください。"
    if not push_service_allowed(host):
        return "このプッシュ通知サービスには対応していません。"
    return None


def p256dh_error(value: str) -> str | None:
    try:
        public_key_from_point(b64url_decode(value))
    except ValueError:
        return "p256dh が正しい P-256 公開鍵ではありません。"
    return None


def auth_error(value: str) -> str | None:
    try:
        secret = b64url_decode(value)
    except ValueError:
        return "auth の形式が正しくありません。"
    if len(secret) != 16:
        return "auth は 16 バイトの値にしてください。"
    return None
