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
