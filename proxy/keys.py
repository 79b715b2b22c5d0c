"""API key format, generation and hashing.

A key looks like `lc_<8-char lookup prefix>_<secret>`. The prefix is stored in clear for
lookup; the whole key only as HMAC-SHA256 under LAYERCACHE_KEY_HASH_SECRET, compared with
`hmac.compare_digest`. The key itself is returned once, at creation.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass

from django.conf import settings

KEY_PREFIX = "lc_"
LOOKUP_LENGTH = 8
_ALPHABET = string.ascii_lowercase + string.digits


@dataclass(frozen=True)
class NewKey:
    plaintext: str
    lookup: str
    key_hash: str


def hash_key(plaintext: str) -> str:
    secret = settings.LAYERCACHE_KEY_HASH_SECRET.encode()
    return hmac.new(secret, plaintext.encode(), hashlib.sha256).hexdigest()


def generate_key() -> NewKey:
    lookup = "".join(secrets.choice(_ALPHABET) for _ in range(LOOKUP_LENGTH))
    plaintext = f"{KEY_PREFIX}{lookup}_{secrets.token_urlsafe(32)}"
    return NewKey(plaintext=plaintext, lookup=lookup, key_hash=hash_key(plaintext))


def lookup_of(plaintext: str) -> str | None:
    """The lookup prefix of a well-formed key, or None (no database query for junk)."""
    if not plaintext.startswith(KEY_PREFIX):
        return None
    lookup = plaintext[len(KEY_PREFIX) : len(KEY_PREFIX) + LOOKUP_LENGTH]
    if (
        len(lookup) != LOOKUP_LENGTH
        or plaintext[len(KEY_PREFIX) + LOOKUP_LENGTH : len(KEY_PREFIX) + LOOKUP_LENGTH + 1] != "_"
    ):
        return None
    return lookup


def matches(plaintext: str, key_hash: str) -> bool:
    return hmac.compare_digest(hash_key(plaintext), key_hash)
