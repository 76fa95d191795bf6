"""WebSocket helpers: a real client that reads frames with a timeout, open-and-greet,
subscribe, the heartbeat sentinel that proves nothing more arrives, bulk writes through the
hub, and a raw socket client that does the handshake and then reads only when told to (a slow
reader)."""

import asyncio
import base64
import json
import os
import socket
import struct

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from agenthq.auth import Identity
from agenthq.models import Agent
from agenthq.services import posts


class WsClient:
    """A real WebSocket client with helpers to read the next frame, or a frame of a type."""

    def __init__(self, conn):
        self.conn = conn
        self.frames = []

    @classmethod
    async def open(cls, url, token=None, since=None, headers=None):
        query = []
        if token is not None:
            query.append(f"token={token}")
        if since is not None:
            query.append(f"since={since}")
        full = url + ("?" + "&".join(query) if query else "")
        conn = await websocket_connect(HTTPRequest(full, headers=headers or {}))
        return cls(conn)

    async def send(self, message):
        await self.conn.write_message(message if isinstance(message, str) else json.dumps(message))

    async def recv(self, timeout=5):
        raw = await asyncio.wait_for(self.conn.read_message(), timeout)
        if raw is None:
            return None
        frame = json.loads(raw)
        self.frames.append(frame)
        return frame

    async def expect(self, type_, timeout=5):
        """The next frame of this type; frames of other types before it are skipped."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            frame = await self.recv(max(0.01, deadline - loop.time()))
            assert frame is not None, f"closed while waiting for {type_}"
            if frame["type"] == type_:
                return frame

    async def closed(self, timeout=5):
        """Read until the server closes; return (code, reason)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            raw = await asyncio.wait_for(self.conn.read_message(), max(0.01, deadline - loop.time()))
            if raw is None:
                return self.conn.close_code, self.conn.close_reason
            self.frames.append(json.loads(raw))

    def close(self):
        self.conn.close()


async def open_ws(ws_connect, token, since=None, headers=None):
    """A socket past its `connected` frame: (client, connected frame)."""
    ws = await ws_connect(token=token, since=since, headers=headers)
    hello = await ws.expect("connected")
    return ws, hello


async def subscribe(ws, channel, since=None):
    message = {"type": "subscribe", "channel": channel}
    if since is not None:
        message["since"] = since
    await ws.send(message)
    return await ws.expect("subscribed")


async def nothing_more(ws):
    """Nothing (more) arrives on this socket, proved by a sentinel rather than a wait: the
    answer to a heartbeat sent now must be the next frame. Within one hub an event is on its
    recipients' sockets before the REST call that caused it returns, and a message is handled
    only after the one before it (a subscribe's replay included), so any frame due here would
    come before the ack, on the same TCP stream: the ack proves it absent, not merely late."""
    await ws.send({"type": "heartbeat"})
    frame = await ws.recv()
    assert frame is not None and frame["type"] == "heartbeat_ack", f"unexpected frame {frame}"


def agent_status(agent_id):
    return Agent.get_by_id(agent_id).status


def owner_identity(org):
    return Identity("user", org.owner["id"], org.id, "owner")


async def bulk(hub, identity, fn, args_list):
    """Run a service call for each args tuple in one write transaction: fast, and each change
    is still logged with its own seq and published after the commit like any other write."""

    def write():
        results, events = [], []
        for args in args_list:
            result, evs = fn(identity, *args)
            results.append(result)
            events.extend(evs)
        return results, events

    return await hub.write(write)


async def bulk_posts(hub, org, channel_id, count, prefix="bulk", content=None):
    data = [
        ({"channel_id": channel_id, "content": content or f"{prefix} {i}", "type": "update"},) for i in range(count)
    ]
    return await bulk(hub, owner_identity(org), posts.create, data)


class RawSocket:
    """A WebSocket client on a plain socket with a tiny receive buffer: after the handshake it
    reads nothing until read_all() is called, so the server's outbound queue backs up."""

    def __init__(self, sock, buffered=b""):
        self.sock, self.buffer = sock, buffered

    @classmethod
    async def connect(cls, port, token, receive_buffer=4096, path="/ws"):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        await loop.sock_connect(sock, ("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        await loop.sock_sendall(sock, (
            f"GET {path}?token={token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = await loop.sock_recv(sock, 4096)
            assert chunk, "closed during handshake"
            head += chunk
        head, _, rest = head.partition(b"\r\n\r\n")
        assert b" 101 " in head.split(b"\r\n", 1)[0], head
        return cls(sock, rest)

    async def send(self, message):
        payload = json.dumps(message).encode()
        mask = os.urandom(4)
        assert len(payload) < 126
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        await asyncio.get_running_loop().sock_sendall(self.sock, bytes([0x81, 0x80 | len(payload)]) + mask + masked)

    async def read_all(self, timeout=10):
        """Read every frame up to the server's close frame (or the end of the connection):
        (text frames as dicts, close code)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        data = bytearray(self.buffer)
        while True:
            frames, code, _ = _parse_frames(bytes(data))
            if code is not None:
                return frames, code
            try:
                chunk = await asyncio.wait_for(loop.sock_recv(self.sock, 1 << 20), max(0.01, deadline - loop.time()))
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                return frames, code
            data += chunk

    def read_available(self):
        """Whatever has arrived so far, without waiting: (text frames, close code, pings)."""
        data = bytearray(self.buffer)
        while True:
            try:
                chunk = self.sock.recv(1 << 16)
            except BlockingIOError:
                break
            if not chunk:
                break
            data += chunk
        return _parse_frames(bytes(data))

    def close(self):
        self.sock.close()


def _parse_frames(data):
    frames, code, pings, i = [], None, 0, 0
    while i + 2 <= len(data):
        first, second = data[i], data[i + 1]
        length, i = second & 0x7F, i + 2
        extended = {126: 2, 127: 8}.get(length, 0)
        if i + extended > len(data):
            break  # a frame header still on its way
        if extended:
            length, i = struct.unpack("!H" if extended == 2 else "!Q", data[i : i + extended])[0], i + extended
        payload, i = data[i : i + length], i + length
        if len(payload) < length:
            break
        opcode = first & 0x0F
        if opcode == 0x1:
            frames.append(json.loads(payload))
        elif opcode == 0x8:
            code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
        elif opcode == 0x9:
            pings += 1
    return frames, code, pings


async def fast_and_slow_readers(org, ws_connect, hub, http_port):
    """(fast, slow) subscribers of #general: a WsClient that reads, and a RawSocket that will
    not, both registered in the hub's registry before this returns."""
    from tests.support.wait import eventually

    general = await org.channel_id()
    fast, _ = await open_ws(ws_connect, org.token)
    await subscribe(fast, general)
    slow = await RawSocket.connect(http_port, org.token)
    await slow.send({"type": "subscribe", "channel": general})
    await eventually(lambda: sum(general in hub.registry.subscriptions(c) for c in hub.registry.all_connections()) == 2)
    return fast, slow
