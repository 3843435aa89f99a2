"""Secret codes: invitation codes people type from a letter, 6-digit login codes; stored as hashes."""

import hashlib
import hmac
import secrets
import unicodedata

from django.conf import settings

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B, U/V: what is left cannot be misread on paper or on a phone.
INVITATION_ALPHABET = "34679ACDEFGHJKMNPQRTWXY"
INVITATION_GROUPS = 4
INVITATION_GROUP_SIZE = 4
# 16 characters of a 23-letter alphabet: 16 * log2(23) = 72 bits of randomness.


def invitation_code_new() -> str:
    """A fresh invitation code, written as four groups of four: 'ACDE-FG34-…'."""
    chars = [
        secrets.choice(INVITATION_ALPHABET)
        for _ in range(INVITATION_GROUPS * INVITATION_GROUP_SIZE)
    ]
    return "-".join(
        "".join(chars[i : i + INVITATION_GROUP_SIZE])
        for i in range(0, len(chars), INVITATION_GROUP_SIZE)
    )


def invitation_code_canonical(code: str) -> str:
    """What a person typed, in the canonical form: width folded, upper case, no separators."""
    text = unicodedata.normalize("NFKC", code).upper()
    return "".join(ch for ch in text if ch.isalnum())


def code_hash(code: str, *, purpose: str) -> str:
    """A keyed hash (HMAC-SHA256 with the secret key): codes are random, so no slow hash needed."""
    key = f"{settings.SECRET_KEY}:alumni:{purpose}".encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def invitation_code_hash(code: str) -> str:
    return code_hash(invitation_code_canonical(code), purpose="invitation")


def one_time_code_new() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def one_time_code_hash(code: str) -> str:
    return code_hash(unicodedata.normalize("NFKC", code).strip(), purpose="one-time")
