"""Time-ordered ids for high-volume tables."""

import os
import time
import uuid

_RAND_B = (1 << 62) - 1
_VERSION_AND_VARIANT = 0x7 << 76 | 0b10 << 62


def _from_parts(millis: int, rand: int) -> uuid.UUID:
    """Version 7 from a millisecond timestamp and 80 random bits (74 of them used)."""
    return uuid.UUID(
        int=millis << 80 | _VERSION_AND_VARIANT | (rand >> 62 & 0xFFF) << 64 | rand & _RAND_B
    )


def uuid7() -> uuid.UUID:
    """An RFC 9562 version 7 UUID: 48 bits of Unix time in milliseconds, then 74 random bits.

    A plain `uuid.UUID`, made from one clock read and one read of the random source: the
    uuid6 package returns a subclass, which orjson and psycopg handle on their slow paths.
    Ids of one millisecond are not ordered among themselves; rows are ordered by time first
    and id only to break ties.
    """
    return _from_parts(time.time_ns() // 1_000_000, int.from_bytes(os.urandom(10)))


def uuid7_many(count: int) -> list[uuid.UUID]:
    """`count` version 7 UUIDs of the same millisecond, from one read of the clock and one
    of the random source for the whole batch instead of one of each per id: the ids of a
    bulk write."""
    stamp = (time.time_ns() // 1_000_000) << 80 | _VERSION_AND_VARIANT
    random, from_bytes, make = os.urandom(10 * count), int.from_bytes, uuid.UUID
    ids = []
    for start in range(0, 10 * count, 10):
        rand = from_bytes(random[start : start + 10])
        ids.append(make(int=stamp | (rand >> 62 & 0xFFF) << 64 | rand & _RAND_B))
    return ids
