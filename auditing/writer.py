"""Session-activity rows written after the response, by one thread per process.

Every authenticated request leaves one SessionActivity row. Written in the request, its
INSERT and commit are a round trip the client waits for. With
`AUDIT_SESSION_ACTIVITY_BACKGROUND` on (production's default), the request only prepares
the row's values, `created_at` included, and queues them; a thread writes what is queued, a
lone row in autocommit as the request would have, several in one transaction, and the client
does not wait for that round trip (measured: bench/results/README.md).

The trade: rows still queued when a process is killed outright (SIGKILL, out of memory) are
lost, at most the last few milliseconds' worth. A process that exits normally writes its
queue first (gunicorn's `worker_exit` hook, and `atexit` for any other server). The queue
is bounded: when it is full, the request writes its own row, as it does with the setting
off. The thread holds one database connection of its own.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
from typing import Any

from django.db import DatabaseError, connections, transaction

logger = logging.getLogger(__name__)

# (database alias, INSERT statement, the row's values as the database takes them)
Row = tuple[str, str, list[Any]]


def insert_rows(alias: str, sql: str, rows: list[list[Any]]) -> None:
    """Write prepared rows: one alone in autocommit, as the request would have; several with
    one statement each in one transaction (psycopg sends them in one round trip)."""
    connection = connections[alias]
    if len(rows) == 1:
        with connection.cursor() as cursor:
            cursor.execute(sql, rows[0])
        return
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        cursor.executemany(sql, rows)


class _Stop(threading.Event):
    """Queued by close(): write what came before, then end the thread."""


class BackgroundWriter:
    """Queues prepared rows and writes them from a daemon thread, in batches."""

    def __init__(self, *, max_queue: int = 10_000, max_batch: int = 500):
        self.max_queue = max_queue
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._queue: queue.Queue | None = None

    def submit(self, alias: str, sql: str, values: list[Any]) -> bool:
        """Queue one row. False when the queue is full: the caller writes the row itself."""
        try:
            self._started().put_nowait((alias, sql, values))
        except queue.Full:
            return False
        return True

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every row queued so far is written (or given up). False on timeout."""
        return self._mark(self._current(), threading.Event(), timeout)

    def close(self, timeout: float = 10.0) -> bool:
        """Write what is queued, close the thread's database connections and end the thread;
        a later submit() starts a new one. False when that took longer than `timeout`."""
        with self._lock:
            pending = self._current()
            self._pid = self._queue = None
        return self._mark(pending, _Stop(), timeout)

    def _current(self) -> queue.Queue | None:
        # A forked child (each gunicorn worker) inherits the parent's queue but not its
        # thread: that queue is not this process's.
        return self._queue if self._pid == os.getpid() else None

    @staticmethod
    def _mark(pending: queue.Queue | None, marker: threading.Event, timeout: float) -> bool:
        if pending is None:
            return True
        try:
            pending.put(marker, timeout=timeout)
        except queue.Full:
            return False
        return marker.wait(timeout)

    def _started(self) -> queue.Queue:
        pending = self._current()
        if pending is None:
            with self._lock:
                pending = self._current()
                if pending is None:
                    pending = queue.Queue(self.max_queue)
                    threading.Thread(
                        target=self._run, args=(pending,), name="session-activity", daemon=True
                    ).start()
                    self._queue, self._pid = pending, os.getpid()
        return pending

    def _run(self, pending: queue.Queue) -> None:
        while True:
            batch: list[Row] = []
            markers: list[threading.Event] = []
            item = pending.get()
            while True:
                if isinstance(item, threading.Event):
                    markers.append(item)
                else:
                    batch.append(item)
                if len(batch) >= self.max_batch or isinstance(item, _Stop):
                    break
                try:
                    item = pending.get_nowait()
                except queue.Empty:
                    break
            if batch:
                self._write(batch)
            stop = any(isinstance(marker, _Stop) for marker in markers)
            if stop:
                connections.close_all()
            for marker in markers:
                marker.set()
            if stop:
                return

    def _write(self, batch: list[Row]) -> None:
        by_statement: dict[tuple[str, str], list[list[Any]]] = {}
        for alias, sql, values in batch:
            by_statement.setdefault((alias, sql), []).append(values)
        for (alias, sql), rows in by_statement.items():
            # One retry on a fresh connection: the database may have dropped this thread's
            # connection (a restart, a failover, pg_terminate_backend) since the last batch.
            for attempt in (1, 2):
                try:
                    insert_rows(alias, sql, rows)
                    break
                except DatabaseError:
                    connections[alias].close()
                    if attempt == 2:
                        logger.warning(
                            "%d session activity rows not recorded", len(rows), exc_info=True
                        )
                except Exception:
                    # The thread must outlive any one batch.
                    logger.exception("%d session activity rows not recorded", len(rows))
                    break


# The process's writer; exits write what it still holds (gunicorn's worker_exit hook too).
session_activity_writer = BackgroundWriter()
atexit.register(session_activity_writer.close)
