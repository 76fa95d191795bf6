"""An event's bytes on the wire: the WebSocket text frame a server sends, and an event's
JSON and frame made once per publish (Message)."""

import struct


def text_frame(payload):
    """An unmasked, uncompressed, unfragmented WebSocket text frame (RFC 6455), as a server
    sends it."""
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x81, length)
    elif length <= 0xFFFF:
        header = struct.pack("!BBH", 0x81, 126, length)
    else:
        header = struct.pack("!BBQ", 0x81, 127, length)
    return header + payload


# An empty ping, as a server sends it (unmasked): clients answer with a pong (spec 6.3).
PING_FRAME = b"\x89\x00"


class Message:
    """One event on its way out: its JSON text and its WebSocket frame, each made once per
    publish however many connections receive it."""

    __slots__ = ("text", "frame")

    def __init__(self, text):
        self.text = text
        # Made at once: a plain attribute read per recipient, where a lazy property costs a call.
        self.frame = text_frame(text.encode())

    def __len__(self):
        return len(self.text)
