"""gunicorn settings for Cadence (docs/operations.md):

    gunicorn -c config/gunicorn.py config.wsgi

Anything here can be overridden on the command line or in GUNICORN_CMD_ARGS.
"""

import multiprocessing
import os

from gunicorn.glogging import Logger

from core.redaction import REDACTED, SECRET_HEADERS, SECRET_RESPONSE_HEADERS, redact

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
# Threads keep trackers' keep-alive connections open and overlap one request's database
# wait with another's Python; each thread holds one database connection.
worker_class = "gthread"
threads = 2
keepalive = 30
timeout = 30
graceful_timeout = 30
# Recycle workers now and then, so a slow leak never matters.
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"


class RedactingLogger(Logger):
    """gunicorn's logger, with secrets kept out of the access log.

    Every text a log format can name (the request line, path, query, referer, any request
    header or environ value) goes through core.redaction, as Django's own lines do: reset and
    confirmation links, invite tokens and OAuth codes become `[redacted]`, also inside an
    encoded `next=`. Credential headers, the Set-Cookie response header and the HTTP Basic
    user name (`%(u)s`, in gunicorn's default format; a client may send an API key there)
    are never written.
    """

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str):
                atoms[key] = redact(value)
        if atoms.get("u", "-") != "-":
            atoms["u"] = REDACTED
        for header in SECRET_HEADERS:
            environ_key = "http_" + header.replace("-", "_")
            for key in (f"{{{header}}}i", f"{{{environ_key}}}e"):
                if key in atoms:
                    atoms[key] = REDACTED
        for header in SECRET_RESPONSE_HEADERS:
            if f"{{{header}}}o" in atoms:
                atoms[f"{{{header}}}o"] = REDACTED
        return atoms


logger_class = RedactingLogger


def worker_exit(server, worker):
    """A worker that exits normally (restart, max_requests, shutdown) first writes the
    session-activity rows it still holds (auditing.writer)."""
    from auditing.writer import session_activity_writer

    session_activity_writer.close()
