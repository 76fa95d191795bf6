"""Outgoing webhooks across crashes and processes (§14.2), with hubs as real subprocesses and
real local receivers: a hub SIGKILLed while a receiver holds a delivery redelivers it after
the restart with the same id and bytes, and everything after it, in order; two hub processes
on one PostgreSQL database and one Redis deliver each webhook's events in seq order, each
event under one delivery id, repeated only as a retry of that id."""

import asyncio
import itertools
import json

import pytest
from tornado.httpclient import AsyncHTTPClient

from tests.support import Api, HubProcess, Receiver
from tests.test_scaleout import FAST, database, hubs, redis  # noqa: F401 (fixtures)

API = "/api/v1"
ENV = {"AGENTHQ_WEBHOOK_ALLOW_PRIVATE": "1", "AGENTHQ_WEBHOOK_RETRY_BASE": "0.05", "AGENTHQ_WEBHOOK_POLL": "0.05",
       "AGENTHQ_REST_BURST": "100000"}


def deliveries(receiver):
    """[(delivery id, seq, post id, body bytes)] in the order the receiver got them."""
    found = []
    for headers, body, _ in receiver.received:
        data = json.loads(body)
        assert headers["X-Agenthq-Delivery"] == data["id"]
        found.append((data["id"], data["seq"], data["data"]["id"], body))
    return found


def check_at_least_once_in_order(got, posted):
    """Every post arrived; one delivery id per event, always with the same bytes; first
    arrivals in seq order. Returns the ids that arrived more than once."""
    bodies, first = {}, []
    for delivery_id, seq, post_id, body in got:
        assert bodies.setdefault(delivery_id, body) == body  # a redelivery resends the same bytes
        if delivery_id not in {d for d, *_ in first}:
            first.append((delivery_id, seq, post_id))
    assert [post_id for _, _, post_id in first] == posted
    seqs = [seq for _, seq, _ in first]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    return {d for d, *_ in got if sum(1 for x, *_ in got if x == d) > 1}


@pytest.mark.gen_test(timeout=120)
async def test_a_hub_killed_mid_delivery_redelivers_with_the_same_ids(tmp_path):
    receiver = Receiver(hold=7)  # the 8th request is left unanswered until the hub is dead
    db = tmp_path / "hub.db"
    hub = HubProcess(db, env=ENV, log=tmp_path / "hub.log").start()
    try:
        api = Api(AsyncHTTPClient(), hub.url)
        org = await api.register()
        await api.ok("POST", f"{API}/webhooks", {"url": receiver.url, "events": ["post.created"]},
                     token=org.token, status=201)
        posted = [(await org.post(f"before {n}"))["id"] for n in range(20)]
        await asyncio.wait_for(receiver.held.wait(), 30)
        hub.process.kill()  # SIGKILL: no shutdown, the lease and the attempt left as they were
        hub.process.wait()
        held_id = deliveries(receiver)[7][0]
        receiver.release.set()
        hub.stop()

        hub = HubProcess(db, env=ENV, log=tmp_path / "hub2.log").start()
        org.api = Api(AsyncHTTPClient(), hub.url)
        posted += [(await org.post(f"after {n}"))["id"] for n in range(5)]
        while len({d for d, *_ in deliveries(receiver)}) < len(posted):
            await receiver.wait_for(len(receiver.received) + 1)
        got = deliveries(receiver)
        again = check_at_least_once_in_order(got, posted)
        assert held_id in again  # the attempt the crash cut short came again, under its id
        # Before the kill and after the restart, each stretch is in seq order; the second starts
        # at or before the held delivery (its block is sent again from its start).
        before, after = [seq for _, seq, _, _ in got[:8]], [seq for _, seq, _, _ in got[8:]]
        assert before == sorted(before) and after == sorted(after) and after[0] <= before[-1]
    finally:
        hub.stop()
        receiver.stop()


@pytest.mark.gen_test(timeout=120)
async def test_two_processes_keep_each_webhooks_order(hubs):  # noqa: F811 (fixture)
    a, b = hubs(2, env=ENV)
    api_a, api_b = Api(AsyncHTTPClient(), a.url), Api(AsyncHTTPClient(), b.url)
    org = await api_a.register()
    general = await org.channel_id()
    # One receiver answers 500 now and then: its retries hand the lease back and forth.
    receivers = [Receiver(), Receiver(statuses=[500, 200, 200, 500, 500] * 6), Receiver()]
    for receiver, api in zip(receivers, (api_a, api_b, api_a)):
        await api.ok("POST", f"{API}/webhooks", {"url": receiver.url, "events": ["post.created"]},
                     token=org.token, status=201)
    apis = itertools.cycle([api_a, api_b])
    posted = []
    for round_ in range(6):  # concurrent writes through both processes, in rounds
        created = await asyncio.gather(*(
            next(apis).ok("POST", f"{API}/posts", {"channel_id": general, "content": f"p {round_}-{i}"},
                          token=org.token, status=201) for i in range(10)))
        posted += [post["id"] for post in sorted(created, key=lambda post: post["seq"])]
    for receiver in receivers:
        while len({d for d, *_ in deliveries(receiver)}) < len(posted):
            await receiver.wait_for(len(receiver.received) + 1, timeout=60)
        got = deliveries(receiver)
        check_at_least_once_in_order(got, posted)
        # With no crash, an id repeats only as the retry right after a failed attempt.
        collapsed = [seq for i, (d, seq, _, _) in enumerate(got) if i == 0 or got[i - 1][0] != d]
        assert collapsed == sorted(collapsed) and len(set(collapsed)) == len(collapsed)
        receiver.stop()
