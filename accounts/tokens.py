"""Secrets handed to clients (API keys, reset tokens) and the digests we keep instead.

Only SHA-256 digests reach the database. The secrets carry 256 bits of randomness, so a
plain (unsalted, fast) hash is enough: there is nothing to brute-force.
"""

import hashlib
import secrets

API_KEY_PREFIX = "cad"


def digest(value: str) -> str:
    """SHA-256 hex (64 characters) of a secret, as stored in `*_hash` columns."""
    return hashlib.sha256(value.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_api_key() -> tuple[str, str]:
    """A new key as (public prefix, full key); the full key reads `cad_<prefix>_<secret>`."""
    prefix = f"{API_KEY_PREFIX}_{secrets.token_hex(4)}"
    return prefix, f"{prefix}_{secrets.token_urlsafe(32)}"


def looks_like_api_key(value: str) -> bool:
    return value.startswith(f"{API_KEY_PREFIX}_") and value.count("_") >= 2
