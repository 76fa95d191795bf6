"""A lean asyncio WebSocket client for benchmarks: the load generator must cost less per
message than the hub it measures, so it parses server frames by hand (unmasked, no
extensions) instead of going through a general-purpose library."""

import asyncio
import base64
import json
import os
import struct


class Socket:
    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, port, token, host="127.0.0.1"):
        reader, writer = await asyncio.open_connection(host, port, limit=1 << 22)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            f"GET /ws?token={token} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(head.decode(errors="replace"))
        return cls(reader, writer)

    def send(self, message):
        payload = json.dumps(message).encode()
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x81, 0x80 | length)
        elif length < 65536:
            header = struct.pack("!BBH", 0x81, 0x80 | 126, length)
        else:
            header = struct.pack("!BBQ", 0x81, 0x80 | 127, length)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.writer.write(header + mask + masked)

    async def recv(self):
        """The next text frame's bytes (pings are answered, other control frames skipped)."""
        while True:
            first, second = await self.reader.readexactly(2)
            length = second & 0x7F
            if length == 126:
                length = struct.unpack("!H", await self.reader.readexactly(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", await self.reader.readexactly(8))[0]
            payload = await self.reader.readexactly(length)
            opcode = first & 0x0F
            if opcode == 0x1:
                return payload
            if opcode == 0x8:
                raise ConnectionError("closed by server")
            if opcode == 0x9:  # ping -> pong, masked as clients must
                mask = os.urandom(4)
                self.writer.write(bytes([0x8A, 0x80 | len(payload)]) + mask +
                                  bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    async def expect(self, type_):
        while True:
            message = json.loads(await self.recv())
            if message.get("type") == type_:
                return message

    def close(self):
        self.writer.close()


class FrameReader(asyncio.Protocol):
    """Takes over a connected Socket's transport and parses server frames by their headers
    alone, calling on_text(payload) for each text frame: far cheaper than asyncio streams."""

    def __init__(self, on_text):
        self.buffer = bytearray()
        self.on_text = on_text

    @classmethod
    def attach(cls, socket, on_text):
        reader = cls(on_text)
        socket.writer.transport.set_protocol(reader)
        return reader

    def data_received(self, data):
        buffer = self.buffer
        buffer += data
        offset, size = 0, len(buffer)
        while size - offset >= 2:
            length = buffer[offset + 1] & 0x7F
            header = 2
            if length == 126:
                if size - offset < 4:
                    break
                length = int.from_bytes(buffer[offset + 2:offset + 4], "big")
                header = 4
            elif length == 127:
                if size - offset < 10:
                    break
                length = int.from_bytes(buffer[offset + 2:offset + 10], "big")
                header = 10
            end = offset + header + length
            if size < end:
                break
            if buffer[offset] & 0x0F == 0x1:
                self.on_text(buffer, offset + header, end)
            offset = end
        del buffer[:offset]
