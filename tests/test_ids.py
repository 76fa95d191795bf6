"""Ids and timestamps the hub makes itself: ULIDs strictly increasing within the process (ordering
by id is ordering by creation, also within one millisecond and across threads) and the wire
timestamp. Both have their own encoders for speed; these hold them to the reference forms."""

import random
import threading
import time
from datetime import datetime, timezone

from ulid import ULID

from agenthq.clock import iso, now_iso
from agenthq.models.ids import encode, new_id, new_ids


def test_encoding_is_the_ulid_one():
    values = [0, 1, 2**80 - 1, 2**80, 2**128 - 1] + [random.getrandbits(128) for _ in range(20000)]
    for value in values:
        assert encode(value) == str(ULID.from_int(value))


def test_an_id_carries_the_time_it_was_made():
    before = time.time()
    made = ULID.from_str(new_id())
    after = time.time()
    assert int(before * 1000) / 1000 <= made.timestamp <= after


def test_a_burst_from_many_threads_is_unique_and_increasing():
    # Far more ids than milliseconds: most share their millisecond with others, where only
    # the increment keeps them ordered.
    per_thread, threads = 5000, 8
    made = [[] for _ in range(threads)]
    start = threading.Barrier(threads)

    def burst(into):
        start.wait()
        for _ in range(per_thread):
            into.append(new_id())

    workers = [threading.Thread(target=burst, args=(into,)) for into in made]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    every = [made_id for into in made for made_id in into]
    assert len(set(every)) == per_thread * threads
    for into in made:  # each thread's ids in the order it made them
        assert into == sorted(into)
    assert all(len(made_id) == 26 for made_id in every)
    later = new_id()
    assert later > max(every)


def test_now_iso_is_the_wire_form_of_now():
    for _ in range(2000):
        before = iso(datetime.now(timezone.utc))
        stamp = now_iso()
        after = iso(datetime.now(timezone.utc))
        assert before <= stamp <= after
    assert len(stamp) == len("2026-01-01T00:00:00.000Z") and stamp.endswith("Z")


def test_ids_made_in_blocks_and_alone_interleave_in_order():
    made = []
    for size in (1, 7, 300, 2, 50):
        made.extend(new_ids(size))
        made.append(new_id())
    assert made == sorted(made) and len(set(made)) == len(made)
    for made_id in made:
        assert str(ULID.from_str(made_id)) == made_id
