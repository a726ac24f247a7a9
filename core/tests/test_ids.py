"""Version 7 ids: the RFC 9562 layout, time-ordered across milliseconds, unique."""

import time
import uuid
from unittest import mock

from core.ids import uuid7, uuid7_many


def _millis(value: uuid.UUID) -> int:
    return value.int >> 80


def test_uuid7_has_the_version_7_layout_and_the_current_time():
    before = time.time_ns() // 1_000_000
    value = uuid7()
    after = time.time_ns() // 1_000_000
    assert type(value) is uuid.UUID
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert before <= _millis(value) <= after


def test_uuid7_many_gives_distinct_ids_of_one_millisecond():
    ids = uuid7_many(1000)
    assert len(ids) == len(set(ids)) == 1000
    assert {value.version for value in ids} == {7}
    assert {value.variant for value in ids} == {uuid.RFC_4122}
    assert len({_millis(value) for value in ids}) == 1
    assert uuid7_many(0) == []


def test_ids_of_a_later_millisecond_sort_after():
    with mock.patch("core.ids.time.time_ns", return_value=1_700_000_000_000_000_000):
        first = uuid7_many(50)
    with mock.patch("core.ids.time.time_ns", return_value=1_700_000_000_001_000_000):
        later = [uuid7(), *uuid7_many(50)]
    assert max(first) < min(later)
