"""The broadcast fast path: a frame built once per event (frames.Message) written straight
to each plain-TCP socket, falling back to the connection's IOStream when the socket would block
or already has bytes queued. It relies on Tornado internals (IOStream's write counters), so
tornado is pinned in requirements.txt; tests/test_wireframe.py checks the bytes against
Tornado's own frame writer."""

from tornado.iostream import IOStream, StreamClosedError

def queued_bytes(stream):
    """Bytes handed to the stream that the kernel has not taken yet."""
    return stream._total_write_index - stream._total_write_done_index


def can_write_direct(stream):
    """Only a plain TCP stream: a TLS stream must encrypt, so it always goes through Tornado."""
    return type(stream) is IOStream


def write_frame(stream, frame, queued=None):
    """Write a prebuilt frame in order with anything already queued (`queued`: the caller's
    fresh queued_bytes(stream) of an open stream, to skip the checks). Returns False if the
    stream is closed."""
    if queued is None:
        if stream.closed():
            return False
        queued = queued_bytes(stream)
    if queued == 0 and type(stream) is IOStream:  # can_write_direct(), inlined: once per delivery
        try:
            sent = stream.socket.send(frame)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            return False  # the peer is gone; the stream notices and closes the connection
        if sent == len(frame):
            return True
        frame = memoryview(frame)[sent:]
    return queue_frame(stream, frame)


def queue_frame(stream, frame):
    """Hand bytes to the stream, behind what it holds: Tornado writes them as the socket
    drains. Returns False if the stream is closed."""
    try:
        stream.write(frame).add_done_callback(_consume)
    except StreamClosedError:
        return False
    return True


def direct_protocol(connection):
    """The Tornado WebSocket protocol of a /ws handler on plain TCP, through which
    agenthq/ws/outbound.py deliver_group writes to the socket itself; None for anything else
    (a TLS stream, a connection that is not a Tornado handler, one not open)."""
    protocol = getattr(connection, "ws_connection", None)
    if protocol is None or not can_write_direct(getattr(protocol, "stream", None)):
        return None
    return protocol


def _consume(future):
    # A write to a stream that closed meanwhile fails; the close is handled by on_close.
    if not future.cancelled():
        future.exception()
