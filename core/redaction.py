"""Secrets out of log lines: what the Django log filter and gunicorn's access log share.

A secret travels in a URL in two ways: as a path segment (the chat invite accept path, the
sign-in pages' email confirmation and password reset links) or as a query value (`?token=`,
`?key=`, an OAuth callback's `?code=`, ...). Either may also sit inside another URL's query,
URL-encoded once (`/accounts/login/?next=%2Fteam-invites%2Faccept%2F%3Ftoken%3D...`) or twice
(a `next=` inside a `next=`). `redact()` replaces the secret and keeps the rest of the line,
so a log still shows which route was asked for.

No Django imports, so gunicorn's master process can load it before Django is set up.
"""

import logging
import re

# URL punctuation as it appears raw, URL-encoded once, and URL-encoded twice.
_SLASH = r"(?:/|%2F|%252F)"
_QUESTION = r"(?:\?|%3F|%253F)"
_AMPERSAND = r"(?:&|%26|%2526)"
_EQUALS = r"(?:=|%3D|%253D)"
# A value ends at the next separator (raw or encoded), whitespace, a quote or a fragment.
_SEGMENT_VALUE = rf"(?:(?!{_SLASH}|{_QUESTION}|{_AMPERSAND})[^\s\"'#/?&])+"
_QUERY_VALUE = rf"(?:(?!{_AMPERSAND})[^\s\"'#&])+"

# Path prefixes whose next segment is a secret: the chat invite accept path (fixed by the API
# contract), and allauth's email confirmation and password reset links (`<uidb36>-<key>`).
# `password/reset/key/done/` is the page after a reset and carries nothing.
_SECRET_SEGMENT_AFTER = (
    "chat-invites",
    "confirm-email",
    rf"password{_SLASH}reset{_SLASH}key",
)
_SECRET_PATH = re.compile(
    rf"({_SLASH}(?:{'|'.join(_SECRET_SEGMENT_AFTER)}){_SLASH})"
    rf"(?!done(?:{_SLASH}|[\s\"'?&#]|$)){_SEGMENT_VALUE}",
    re.IGNORECASE,
)
# Query parameters whose value is a secret: any name ending in token, key, code, secret,
# ticket or password (`token`, `key`, `api_key`, `session_token`, an OAuth callback's
# `code`), and signatures.
_SECRET_QUERY = re.compile(
    rf"((?:^|[?&;]|%3F|%26|%253F|%2526)"
    rf"(?:[\w.-]*(?:token|key|code|secret|ticket|password)|signature|sig){_EQUALS})"
    rf"{_QUERY_VALUE}",
    re.IGNORECASE,
)
# Request and response headers that carry credentials.
SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie", "x-session-token")
SECRET_RESPONSE_HEADERS = ("set-cookie",)

REDACTED = "[redacted]"


def redact(text: str) -> str:
    """`text` with every secret path segment and query value replaced by `[redacted]`."""
    if "/" not in text and "=" not in text and "%" not in text:
        return text
    text = _SECRET_PATH.sub(rf"\1{REDACTED}", text)
    return _SECRET_QUERY.sub(rf"\1{REDACTED}", text)


class RedactSecretsFilter(logging.Filter):
    """Rewrites a record's message, and its traceback text, with secrets redacted.

    Installed on the console handler, so every logger's lines pass through it: django.request
    logs each 4xx/5xx with the request path, and django.server each request line, which for an
    invite accept or a reset link hold the secret itself.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set, so the redacted traceback is printed.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
