"""Ids: ULIDs made strictly increasing within this process."""

import base64
import os
import threading
import time

_id_lock = threading.Lock()
_last_id = 0

# Two characters of Crockford's base32 (the ULID alphabet) per 10 bits: encoding through
# python-ulid cost about 5 us an id, more than a SQLite insert, and a POST makes three or four.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PAIRS = [first + second for first in _ALPHABET for second in _ALPHABET]


def new_id():
    """A ULID that is strictly greater than every id made before it in this process, so that
    ordering by id is ordering by creation even within one millisecond."""
    global _last_id
    randomness = int.from_bytes(os.urandom(10), "big")  # outside the lock: a system call
    with _id_lock:
        value = (time.time_ns() // 1_000_000 << 80) | randomness
        if value <= _last_id:
            value = _last_id + 1
        _last_id = value
    return encode(value)


def encode(value, pairs=_PAIRS):
    """A 128-bit integer as the 26 characters of its ULID: 130 bits, the first two zero, ten
    at a time from the top."""
    return (pairs[value >> 120] + pairs[(value >> 110) & 1023] + pairs[(value >> 100) & 1023]
            + pairs[(value >> 90) & 1023] + pairs[(value >> 80) & 1023] + pairs[(value >> 70) & 1023]
            + pairs[(value >> 60) & 1023] + pairs[(value >> 50) & 1023] + pairs[(value >> 40) & 1023]
            + pairs[(value >> 30) & 1023] + pairs[(value >> 20) & 1023] + pairs[(value >> 10) & 1023]
            + pairs[value & 1023])


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
    return _encode(values)


# A ULID is 10 characters of millisecond time and 16 of randomness: 80 bits, which base32
# writes in exactly 16 characters, so a batch's random parts are written in one call and only
# the (few) distinct times go through encode().
_CROCKFORD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", b"0123456789ABCDEFGHJKMNPQRSTVWXYZ")
_RANDOM = (1 << 80) - 1


def _encode(values):
    text = base64.b32encode(b"".join((value & _RANDOM).to_bytes(10, "big") for value in values))
    text = text.translate(_CROCKFORD).decode()
    times = {}
    found = []
    for at, value in enumerate(values):
        moment = value >> 80
        prefix = times.get(moment)
        if prefix is None:
            prefix = times[moment] = encode(moment << 80)[:10]
        found.append(prefix + text[16 * at:16 * at + 16])
    return found
