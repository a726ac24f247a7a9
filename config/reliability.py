"""Reliability helpers (issue 9): secrets kept out of logs, clean 503s when the database is
gone, a cache that degrades instead of failing the request."""

import logging
import re

# Paths that carry a secret in a segment (the API contract fixes them): the chat invite token.
_SECRET_PATH = re.compile(r"(/chat-invites/)[^/\s]+")
_SECRET_QUERY = re.compile(r"([?&](?:token|key)=)[^&\s]+", re.IGNORECASE)


def redact(text: str) -> str:
    return _SECRET_QUERY.sub(r"\1[redacted]", _SECRET_PATH.sub(r"\1[redacted]", text))


class RedactSecretsFilter(logging.Filter):
    """Rewrites a record's message with secret path segments and query values redacted.

    django.request logs every 4xx/5xx with the request path, which for an invite accept holds
    the token itself.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True
