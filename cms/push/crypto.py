"""RFC 8291 message encryption (aes128gcm) and RFC 8292 VAPID tokens, with `cryptography` only.

pywebpush signs a fresh VAPID token for every message; here a token is made once per push
service origin and reused until it nears its expiry, which is what makes fan-out cheap.
"""

import base64
import hmac
import json
import os
import struct
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

RECORD_SIZE = 4096
_CURVE = ec.SECP256R1()


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


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
    return ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, point)


def public_point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.digest(key, data, "sha256")


@dataclass(frozen=True, slots=True)
class Recipient:
    """A subscription's keys, parsed once: the user agent's public key and its auth secret."""

    public_key: ec.EllipticCurvePublicKey
    point: bytes
    auth_secret: bytes

    @classmethod
    def from_b64(cls, *, p256dh: str, auth: str) -> "Recipient":
        point = b64url_decode(p256dh)
        return cls(public_key_from_point(point), point, b64url_decode(auth))


def encrypt(plaintext: bytes, recipient: Recipient) -> bytes:
    """One aes128gcm message body for `recipient`, with a new ephemeral key pair and salt."""
    server_key = ec.generate_private_key(_CURVE)
    server_point = public_point(server_key.public_key())
    shared = server_key.exchange(ec.ECDH(), recipient.public_key)
    # RFC 8291 §3.4: the auth secret and both public keys go into the input keying material.
    prk_key = _hmac(recipient.auth_secret, shared)
    ikm = _hmac(prk_key, b"WebPush: info\x00" + recipient.point + server_point + b"\x01")
    salt = os.urandom(16)
    prk = _hmac(salt, ikm)
    cek = _hmac(prk, b"Content-Encoding: aes128gcm\x00\x01")[:16]
    nonce = _hmac(prk, b"Content-Encoding: nonce\x00\x01")[:12]
    if len(plaintext) + 1 + 16 > RECORD_SIZE:
        raise ValueError("payload too large for one record")
    ciphertext = AESGCM(cek).encrypt(nonce, plaintext + b"\x02", None)
    header = salt + struct.pack("!IB", RECORD_SIZE, len(server_point)) + server_point
    return header + ciphertext


class VapidSigner:
    """Signs VAPID tokens with the server's key and reuses each one per audience until near expiry."""

    lifetime = 12 * 60 * 60
    renew_before = 60 * 60

    def __init__(self, *, private_key_pem: str, subject: str) -> None:
        key = serialization.load_pem_private_key(private_key_pem.encode("ascii"), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("VAPID key must be an EC P-256 key")
        self._key = key
        # Kept so that sender processes can make their own signer (a key object cannot be pickled).
        self.private_key_pem = private_key_pem
        self.subject = subject
        self.public_key = b64url_encode(public_point(key.public_key()))
        self._tokens: dict[str, tuple[str, int]] = {}

    def header(self, audience: str) -> str:
        """The Authorization header value for requests to the push service at `audience`."""
        now = int(time.time())
        cached = self._tokens.get(audience)
        if cached is None or cached[1] - now < self.renew_before:
            exp = now + self.lifetime
            cached = (self._sign({"aud": audience, "exp": exp, "sub": self.subject}), exp)
            self._tokens[audience] = cached
        return f"vapid t={cached[0]}, k={self.public_key}"

    def _sign(self, claims: dict[str, str | int]) -> str:
        segments = [
            b64url_encode(json.dumps(part, separators=(",", ":")).encode())
            for part in ({"typ": "JWT", "alg": "ES256"}, claims)
        ]
        signing_input = ".".join(segments).encode("ascii")
        r, s = decode_dss_signature(self._key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        return ".".join([*segments, b64url_encode(r.to_bytes(32, "big") + s.to_bytes(32, "big"))])


def new_vapid_key_pem() -> tuple[str, str]:
    """A new P-256 key pair: (private key PEM, public key as base64url uncompressed point)."""
    key = ec.generate_private_key(_CURVE)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    return pem, b64url_encode(public_point(key.public_key()))
