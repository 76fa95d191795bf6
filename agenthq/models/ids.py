"""Ids: ULIDs made strictly increasing within this process."""

import os
import threading
import time

from ulid import ULID

_id_lock = threading.Lock()
_last_id = 0


def new_id():
    """A ULID that is strictly greater than every id made before it in this process, so that
    ordering by id is ordering by creation even within one millisecond."""
    global _last_id
    with _id_lock:
        value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
        if value <= _last_id:
            value = _last_id + 1
        _last_id = value
    return str(ULID.from_int(value))


def new_ids(count):
    """count ids as new_id() makes them one at a time (strictly increasing, each after every id
    made before it), for a fan-out write such as an @channel's thousand mentions and
    notifications: one clock read, one lock and one urandom for them all."""
    global _last_id
    raw = os.urandom(10 * count)
    randoms = sorted(int.from_bytes(raw[at:at + 10], "big") for at in range(0, 10 * count, 10))
    values = []
    with _id_lock:
        base, last = int(time.time() * 1000) << 80, _last_id
        for random_part in randoms:
            last = max(base | random_part, last + 1)
            values.append(last)
        _last_id = last
    return [str(ULID.from_int(value)) for value in values]
