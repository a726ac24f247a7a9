"""Session store (SESSION_ENGINE) that keeps no live session and no readable session data.

The cookie and allauth headless's `X-Session-Token` carry the raw session key; the
`django_session` row is keyed by a digest of it, so a copy of the table holds no key that
anyone could present. The row's data is Fernet-encrypted (accounts.crypto) on top of
Django's signed encoding, so what allauth keeps in the session between steps (a TOTP secret
being set up, the OAuth state, a pending social sign-up with its tokens) can't be read
from the table either.

Everything that finds sessions goes through this store with the raw key (Django's session
middleware, the test client, allauth headless, accounts.middleware destroying a revoked
session), so none of it needs to know about the digest.
"""

from django.contrib.sessions.backends import db
from django.utils import timezone

from accounts import crypto, tokens

# django_session.session_key holds 40 characters: the first 160 bits of the SHA-256.
STORED_KEY_LENGTH = 40


def stored_key(session_key: str) -> str:
    """The django_session primary key kept for a session key."""
    return tokens.digest(session_key)[:STORED_KEY_LENGTH]


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        if self.session_key is None:
            return None
        try:
            return self.model.objects.get(
                session_key=stored_key(self.session_key), expire_date__gt=timezone.now()
            )
        except self.model.DoesNotExist:
            self._session_key = None
            return None

    async def _aget_session_from_db(self):
        if self.session_key is None:
            return None
        try:
            return await self.model.objects.aget(
                session_key=stored_key(self.session_key), expire_date__gt=timezone.now()
            )
        except self.model.DoesNotExist:
            self._session_key = None
            return None

    def exists(self, session_key):
        return super().exists(stored_key(session_key))

    async def aexists(self, session_key):
        return await super().aexists(stored_key(session_key))

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        instance.session_key = stored_key(instance.session_key)
        return instance

    async def acreate_model_instance(self, data):
        instance = await super().acreate_model_instance(data)
        instance.session_key = stored_key(instance.session_key)
        return instance

    def delete(self, session_key=None):
        session_key = session_key or self.session_key
        if session_key:
            super().delete(stored_key(session_key))

    async def adelete(self, session_key=None):
        session_key = session_key or self.session_key
        if session_key:
            await super().adelete(stored_key(session_key))

    def encode(self, session_dict):
        return crypto.encrypt(super().encode(session_dict))

    def decode(self, session_data):
        # Data that doesn't decrypt with a known key (tampered, or the key was retired)
        # is an empty session, as Django treats a bad signature.
        try:
            return super().decode(crypto.decrypt(session_data))
        except ValueError:
            return {}
