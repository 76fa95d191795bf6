"""The event log keeps what a webhook still owes (§14.2): pruning respects the slowest active
webhook's cursor (the last event it took a delivery for), up to AGENTHQ_WEBHOOK_BACKLOG_MAX, past which that webhook skips the gap.
The hub prunes every round here (retention 0.5 s); whether it has pruned is read as a client
would: a `/ws` resume of a channel from before the pruned events answers resync_required."""

import asyncio
import json

import pytest

from tests.support import Receiver, closed_port

API = "/api/v1"
# A refusing receiver's webhook turns up to a block (50) of events into pending deliveries,
# which keep their bodies; the events past that block are what the log must keep for it.
OWED = 60
FAST = {"webhook_allow_private": True, "webhook_retry_base": 0.05, "webhook_poll": 0.05,
        "event_retention": 0.5, "heartbeat_interval": 0.3,
        "rest_rate": 0}  # the polls below read state as fast as the hub answers


@pytest.fixture
def config_overrides(request):
    return {**FAST, **getattr(request, "param", {})}


async def _webhook(api, org, url):
    return await api.ok("POST", f"{API}/webhooks", {"url": url, "events": ["post.created"]}, token=org.token, status=201)


async def _resumes(api, ws_connect, org, since):
    """True if a resume of #general from `since` replays (the log still has what follows it),
    False if it answers resync_required. There is always a post after `since` here."""
    ws = await ws_connect(token=org.token)
    await ws.expect("connected")
    await ws.send({"type": "subscribe", "channel": await org.channel_id(), "since": since})
    while True:
        frame = await ws.recv()
        if frame["type"] in ("resync_required", "post.created"):
            ws.close()
            return frame["type"] == "post.created"


async def _until_pruned(api, ws_connect):
    """Wait for a pruning round that comes after everything written so far: a fresh
    organization without webhooks writes an event, and its resume from 0 fails once pruned."""
    other = await api.register()
    await other.post("to be pruned")
    for _ in range(500):
        if not await _resumes(api, ws_connect, other, 0):
            return
    raise AssertionError("the log was never pruned")


@pytest.mark.gen_test(timeout=60)
async def test_the_log_waits_for_the_slowest_webhook(api, ws_connect):
    with closed_port() as port:
        org = await api.register()
        fast, later = Receiver(), Receiver()
        await _webhook(api, org, fast.url)
        down = await _webhook(api, org, f"http://127.0.0.1:{port}/down")  # refused: retried, stays pending
        posted = [(await org.post(f"owed {n}"))["id"] for n in range(OWED)]
        last_seq = json.loads((await fast.wait_for(OWED))[-1][1])["seq"]
        await _until_pruned(api, ws_connect)
        assert await _resumes(api, ws_connect, org, last_seq - 1)  # past retention, yet kept
        # The receiver comes back and gets every one, in order.
        await api.ok("PATCH", f"{API}/webhooks/{down['id']}", {"url": later.url}, token=org.token)
        bodies = [json.loads(body) for _, body, _ in await later.wait_for(OWED)]
        assert [b["data"]["id"] for b in bodies] == posted
        # Delivered, the webhook no longer holds them: the next rounds prune them.
        await org.post("sentinel")
        await later.wait_for(OWED + 1)
        await _until_pruned(api, ws_connect)
        assert not await _resumes(api, ws_connect, org, last_seq - 1)
        fast.stop(), later.stop()


@pytest.mark.parametrize("config_overrides", [{"webhook_backlog_max": 2.0}], indirect=True)
@pytest.mark.gen_test(timeout=60)
async def test_past_the_backlog_cap_the_webhook_skips_the_gap(api, ws_connect):
    with closed_port() as port:
        org = await api.register()
        fast, later = Receiver(), Receiver()
        await _webhook(api, org, fast.url)
        down = await _webhook(api, org, f"http://127.0.0.1:{port}/down")
        posted = [(await org.post(f"owed {n}"))["id"] for n in range(OWED)]
        last_seq = json.loads((await fast.wait_for(OWED))[-1][1])["seq"]
        # Kept past retention while the cap has not passed; gone after it.
        for _ in range(500):
            if not await _resumes(api, ws_connect, org, last_seq - 1):
                break
        else:
            raise AssertionError("the backlog cap never pruned the owed events")
        await api.ok("PATCH", f"{API}/webhooks/{down['id']}", {"url": later.url}, token=org.token)
        pending = True
        while pending:  # the deliveries made before the cap go out (after their backoff)
            pending = await api.ok("GET", f"{API}/webhooks/{down['id']}/deliveries?status=pending", token=org.token)
            await asyncio.sleep(0.02)
        sentinel = (await org.post("sentinel"))["id"]
        bodies = [json.loads(body) for _, body, _ in await later.wait_for(1)]
        while bodies[-1]["data"]["id"] != sentinel:
            bodies = [json.loads(body) for _, body, _ in await later.wait_for(len(bodies) + 1)]
        # Deliveries already made keep their bodies (a block at a time: at least the first);
        # the events pruned from the log are skipped, and the next event arrives.
        made = [b["data"]["id"] for b in bodies[:-1]]
        assert 1 <= len(made) < OWED and made == posted[:len(made)]
        fast.stop(), later.stop()
