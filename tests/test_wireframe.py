"""The broadcast fast path (agenthq/wireframe.py) must put on the wire exactly the bytes that
Tornado's own write_message would, in order with everything else the socket sends, for every
payload-length encoding of RFC 6455 (7-bit, 16-bit and 64-bit lengths)."""

import asyncio
import time

import pytest

from agenthq.events import CHANNEL, Event
from agenthq.realtime import Message, text_frame
from tests.support import RawSocket

SIZES = [0, 1, 125, 126, 127, 65535, 65536, 200_000]


@pytest.fixture
def config_overrides():
    # Room to queue megabytes without tripping the slow-reader cut-off.
    return {"ws_max_buffer": 64 << 20}


async def read_exactly(raw, count, timeout=10):
    loop = asyncio.get_running_loop()
    data = bytearray(raw.buffer)
    raw.buffer = b""
    while len(data) < count:
        chunk = await asyncio.wait_for(loop.sock_recv(raw.sock, 1 << 20), timeout)
        assert chunk, "closed early"
        data += chunk
    raw.buffer = bytes(data[count:])
    return bytes(data[:count])


async def connected_pair(api, http_port, hub, receive_buffer=1 << 20):
    org = await api.register()
    raw = await RawSocket.connect(http_port, org.token, receive_buffer=receive_buffer)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while not hub.registry.connections_of_org(org.id):
        assert loop.time() < deadline, "socket never registered"
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)  # let `connected` go out, then drop it
    raw.buffer = b""
    while True:
        try:
            raw.sock.recv(1 << 20)
        except BlockingIOError:
            break
    return org, raw, hub.registry.connections_of_org(org.id)[0]  # the socket's Session


@pytest.mark.gen_test(timeout=30)
async def test_fast_path_bytes_equal_write_message_bytes(api, http_port, hub):
    _, raw, session = await connected_pair(api, http_port, hub)
    handler = session.connection
    for size in SIZES:
        text = "é" * (size // 2) + "x" * (size % 2)  # multi-byte UTF-8 too
        expected = text_frame(text.encode())
        await handler.write_message(text)  # Tornado's stock path
        stock = await read_exactly(raw, len(expected))
        session.send_text(text)  # our path
        fast = await read_exactly(raw, len(expected))
        assert stock == fast == expected, size
    raw.close()


@pytest.mark.gen_test(timeout=30)
async def test_broadcast_frames_keep_order_with_queued_writes(api, http_port, hub):
    """When the socket's queue is not empty the fast path must queue behind it, not jump it."""
    org, raw, session = await connected_pair(api, http_port, hub, receive_buffer=4096)
    handler = session.connection
    big = "y" * 8_000_000  # larger than the kernel buffers: part of it stays queued in Tornado
    handler.write_message(big)
    assert handler.queued() > 0
    # Drain the kernel buffers without letting the loop run (time.sleep, not await): the
    # socket now has room while Tornado still holds queued bytes, the case where writing
    # straight to the socket would jump the queue.
    early = bytearray()
    for _ in range(20):
        time.sleep(0.005)
        try:
            while True:
                early += raw.sock.recv(1 << 16)
        except BlockingIOError:
            pass
    assert handler.queued() > 0
    raw.buffer = bytes(early)
    events = [Event(org.id, n, "post.created", CHANNEL, "c", {"n": n}, "t") for n in range(1, 4)]
    for event in events:
        session._send_frame(Message(event.encode()).frame)
    expected = text_frame(big.encode()) + b"".join(Message(e.encode()).frame for e in events)
    got = await read_exactly(raw, len(expected), timeout=20)
    assert got == expected
    raw.close()
