"""The pieces of the scale-out mode on their own: the broker's per-organization ordering
(pure bookkeeping), and rate-limit buckets shared through a real Redis."""

import pytest
import redis.asyncio as aioredis

from agenthq.broker import Sequencer
from agenthq.events import ORG, Event, from_wire, to_wire
from agenthq.redis_buckets import RedisBuckets


def event(seq, org="o1"):
    return Event(org, seq, "agent.updated", ORG, None, {"n": seq}, "2026-01-01T00:00:00.000Z")


def seqs(events):
    return [e.seq for e in events]


def test_in_order_events_pass_straight_through_once_started():
    s = Sequencer()
    assert s.arrive(event(5)) == []  # a new organization waits for a socket's start
    assert seqs(s.start_at("o1", 4)) == [5]
    assert seqs(s.arrive(event(6))) == [6]
    assert s.arrive(event(6)) == []  # a duplicate is dropped
    assert s.gap("o1") is None


def test_an_organization_starts_at_its_first_sockets_seq_not_at_the_first_event_heard():
    # Seq 5 was committed but its publish was lost: starting at the first event heard (6)
    # would never read it; starting at the socket's seq (4) makes it a gap, read from the log.
    s = Sequencer()
    assert s.arrive(event(6)) == []
    assert s.start_at("o1", 4) == []
    assert s.gap("o1") == (4, 5)
    assert seqs(s.fill("o1", [event(5)])) == [5, 6]
    # Held events the socket already has (at or below its seq) are not handed on again.
    s2 = Sequencer()
    s2.arrive(event(3)), s2.arrive(event(5))
    assert seqs(s2.start_at("o1", 4)) == [5]
    assert seqs(s2.start_at("o1", 2)) == []  # started already: a later socket moves nothing


def test_an_early_event_is_held_until_the_gap_is_filled():
    s = Sequencer()
    s.start_at("o1", 0)
    s.arrive(event(1))
    assert s.arrive(event(4)) == [] and s.arrive(event(3)) == []
    assert s.gap("o1") == (1, 2)
    assert seqs(s.arrive(event(2))) == [2, 3, 4]
    # A gap filled from the log, then the late message: handed on once.
    s.arrive(event(6))
    assert seqs(s.fill("o1", [event(5)])) == [5, 6]
    assert s.arrive(event(5)) == []


def test_a_pruned_gap_is_skipped_and_organizations_are_apart():
    s = Sequencer()
    s.start_at("a", 9), s.start_at("b", 6)
    s.arrive(event(10, "a"))
    s.arrive(event(7, "b"))
    s.arrive(event(13, "a"))
    assert seqs(s.fill("a", [])) == []
    assert seqs(s.skip_to("a", 12)) == [13]
    assert seqs(s.arrive(event(8, "b"))) == [8]


def test_events_cross_the_wire_with_their_audience_filter():
    original = Event("o", 3, "post.created", "channel", "c1", {"id": "p"}, "t", frozenset({"u1", "u2"}))
    assert from_wire(to_wire(original)) == original
    open_ = Event("o", 4, "post.created", "channel", "c1", {"id": "p"}, "t")
    assert from_wire(to_wire(open_)).members is None


@pytest.mark.gen_test
async def test_redis_buckets_are_shared_between_limiters(redis_server):
    # Two limiters on two clients stand for two hub processes: one bucket between them.
    one, two = aioredis.from_url(redis_server.url), aioredis.from_url(redis_server.url)
    try:
        first, second = RedisBuckets(one, rate=0.5, burst=3), RedisBuckets(two, rate=0.5, burst=3)
        key = "test:shared"
        await first.reset(key)
        assert [await first.take(key), await second.take(key), await first.take(key)] == [0, 0, 0]
        wait = await second.take(key)
        assert 0 < wait <= 2.0  # one token comes back every 2 s
        assert await first.peek(key) > 0
        await second.spend(key, 5)  # a failure counts even past empty
        assert await first.peek(key) > wait
        await first.reset(key)
        assert await second.peek(key) == 0
        assert await RedisBuckets(one, rate=0, burst=0).take(key) == 0  # 0 turns a limit off
    finally:
        await one.aclose()
        await two.aclose()
