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


def api_key_prefix(value: str) -> str | None:
    """The public `cad_<hex>` part of a presented key, if it has that shape."""
    parts = value.split("_", 2)
    if len(parts) == 3 and parts[0] == API_KEY_PREFIX and len(parts[1]) == 8:
        return f"{parts[0]}_{parts[1]}"
    return None
