"""Secrets out of log lines: what the Django log filter and gunicorn's access log share.

No Django imports, so gunicorn's master process can load it before Django is set up.
"""

import logging
import re

# Paths that carry a secret in a segment (the API contract fixes them): the chat invite token.
_SECRET_PATH = re.compile(r"(/chat-invites/)[^/\s?]+")
# A token or key in a query string, whole or in a URL (`?token=...`, `&key=...`).
_SECRET_QUERY = re.compile(r"((?:^|[?&])(?:token|key)=)[^&\s]+", re.IGNORECASE)
# Request headers that carry credentials.
SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie", "x-session-token")


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
