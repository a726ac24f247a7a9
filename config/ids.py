"""Time-ordered ids for high-volume tables."""

import os
import time
import uuid

_RAND_B = (1 << 62) - 1


def uuid7() -> uuid.UUID:
    """An RFC 9562 version 7 UUID: 48 bits of Unix time in milliseconds, then 74 random bits.

    A plain `uuid.UUID` (the uuid6 package returns a subclass, which orjson and psycopg then
    handle on their slow paths), about twice as fast to make. Ids of one millisecond are not
    ordered among themselves; rows are ordered by time first and id only to break ties.
    """
    rand = int.from_bytes(os.urandom(10))
    value = (
        (time.time_ns() // 1_000_000) << 80
        | 0x7 << 76
        | (rand >> 62 & 0xFFF) << 64
        | 0b10 << 62
        | rand & _RAND_B
    )
    return uuid.UUID(int=value)
