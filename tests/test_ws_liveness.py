"""Liveness (spec 6.3): the server pings every heartbeat interval; any inbound frame (a message
of either form, a pong, a ping) counts as life; 3 silent intervals close with 4002. So a client
that only answers pings (the original SDK between its 60 s beats) is never cut, while a peer
that answers nothing is.

"Stays open past N intervals" is proved without timing: silent raw sockets opened after the
quiet client are each cut with 4002 (each after 3 silent intervals), one after the other, and
the quiet client still answers a heartbeat afterwards."""

import asyncio
import os

import pytest

from tests.support import RawSocket, agent_status, eventually, open_ws

INTERVAL = 0.2


@pytest.fixture
def config_overrides():
    # A short presence timeout too: a closed agent stays online while its heartbeat (its
    # connect) is fresh (spec 4), and test_idle_agent_goes_offline waits for the offline.
    return {"heartbeat_interval": INTERVAL, "presence_timeout": 0.5}


async def cut_silent(http_port, token):
    """Open a raw socket that never answers a ping and read until the server closes it."""
    raw = await RawSocket.connect(http_port, token)
    try:
        frames, code = await raw.read_all(timeout=20 * INTERVAL)
    finally:
        raw.close()
    assert frames and frames[0]["type"] == "connected", frames
    return code


async def send_ping(raw):
    """A masked, empty ping frame from the client side (RFC 6455 5.5.2)."""
    await asyncio.get_running_loop().sock_sendall(raw.sock, bytes([0x89, 0x80]) + os.urandom(4))


@pytest.mark.gen_test(timeout=30)
async def test_server_pings_every_interval(api, http_port):
    """Pings find a peer that vanished without a close; a silent one gets one per interval
    until it is cut (3 intervals)."""
    org = await api.register()
    raw = await RawSocket.connect(http_port, org.token)
    pings, frames = 0, []
    while pings < 2:
        more, code, count = raw.read_available()  # what arrived since the last call
        frames, pings = frames + more, pings + count
        assert code is None, (frames, pings)
        await asyncio.sleep(INTERVAL / 10)  # polling a raw socket: no event to await
    raw.close()
    assert frames and frames[0]["type"] == "connected"


@pytest.mark.gen_test(timeout=30)
async def test_silent_raw_socket_is_cut_with_4002_after_three_intervals(api, http_port):
    org = await api.register()
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await cut_silent(http_port, org.token) == 4002
    # A lower bound only (never flaky): the socket was silent from its upgrade on.
    assert loop.time() - started >= 3 * INTERVAL


@pytest.mark.gen_test(timeout=30)
async def test_client_that_only_answers_pings_stays_open(api, ws_connect, http_port):
    """Tornado's client answers pings by itself and sends nothing else here, like the original
    SDK between its beats."""
    org = await api.register()
    quiet, hello = await open_ws(ws_connect, org.token)
    assert hello["data"]["heartbeat_interval"] == INTERVAL
    for _ in range(2):  # 2 x 3 silent intervals, each proved by a cut-off
        assert await cut_silent(http_port, org.token) == 4002
    await quiet.send({"type": "heartbeat"})
    await quiet.expect("heartbeat_ack")
    assert quiet.conn.close_code is None


@pytest.mark.gen_test(timeout=30)
async def test_pings_from_the_client_count_as_life(api, http_port):
    """A peer that never reads (so never pongs) but pings keeps its socket: a ping is a frame."""
    org = await api.register()
    pinger = await RawSocket.connect(http_port, org.token)
    loop = asyncio.get_running_loop()

    async def keep_pinging():
        while True:
            await send_ping(pinger)
            await asyncio.sleep(INTERVAL / 2)  # the client's own pace, not a wait for an event

    task = loop.create_task(keep_pinging())
    try:
        for _ in range(2):
            assert await cut_silent(http_port, org.token) == 4002
    finally:
        task.cancel()
    # Still open: it answers a heartbeat (the sentinel), and no close frame came before it.
    await pinger.send({"type": "heartbeat"})
    deadline = loop.time() + 5
    while True:
        frames, code, _ = pinger.read_available()
        assert code is None, frames
        if any(f["type"] == "heartbeat_ack" for f in frames):
            break
        assert loop.time() < deadline, frames
        await asyncio.sleep(0.02)
    pinger.close()


@pytest.mark.gen_test(timeout=30)
async def test_sdk_form_message_counts_as_life(api, ws_connect, http_port):
    """The original SDK's {"event": "heartbeat"} resets the idle timer like the seed form."""
    org = await api.register()
    raw = await RawSocket.connect(http_port, org.token)
    loop = asyncio.get_running_loop()

    async def keep_beating():
        while True:
            await raw.send({"event": "heartbeat", "data": {}})
            await asyncio.sleep(INTERVAL / 2)

    task = loop.create_task(keep_beating())
    try:
        for _ in range(2):
            assert await cut_silent(http_port, org.token) == 4002
    finally:
        task.cancel()
    frames, code, _ = raw.read_available()
    raw.close()
    assert code is None and any(f["type"] == "heartbeat_ack" for f in frames), frames


@pytest.mark.gen_test(timeout=30)
async def test_idle_agent_goes_offline(api, ws_connect, http_port):
    org = await api.register()
    agent, key = await org.agent()
    watch, _ = await open_ws(ws_connect, org.token)
    assert await cut_silent(http_port, key) == 4002
    offline = await watch.expect("agent.offline", timeout=10)
    assert offline["data"]["id"] == agent["id"]
    await eventually(lambda: agent_status(agent["id"]) == "offline")
