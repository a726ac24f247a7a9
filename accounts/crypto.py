"""Encryption at rest for secrets (OAuth tokens, users' API keys, TOTP seeds, session data).

Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography`, behind MultiFernet so keys can be
rotated: the first key in settings.FIELD_ENCRYPTION_KEYS encrypts, every key decrypts.
Without configured keys one is derived from SECRET_KEY, so a development setup needs nothing.
"""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver


@cache
def _fernet() -> MultiFernet:
    keys = list(getattr(settings, "FIELD_ENCRYPTION_KEYS", []) or [])
    if not keys:
        digest = hashlib.sha256(f"cadence-field-encryption:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key) for key in keys])


@receiver(setting_changed)
def _forget_keys(*, setting, **kwargs):
    if setting in {"FIELD_ENCRYPTION_KEYS", "SECRET_KEY"}:
        _fernet.cache_clear()


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    """Decrypt; raises ValueError when the value was not encrypted with a known key."""
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: unknown key or corrupted value") from exc


def is_encrypted(value: str) -> bool:
    """Whether `value` was encrypted with one of the configured keys. Nothing else passes:
    a Fernet token carries an HMAC under the key."""
    try:
        decrypt(value)
    except ValueError:
        return False
    return True


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; Python code sees plain text. Not searchable."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)
