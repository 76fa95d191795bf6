"""The hub's delivery of events to its sessions (realtime.Registry(deliver=deliver_group)),
writing to Tornado sockets directly. Apart from the session (agenthq/ws/outbound.py), which
knows no Tornado; it reads the session's outbound state as deliver() does and writes as the
handler's send_frame() and agenthq/wireframe.py do, inline, to save the calls per recipient."""

from ..events import CHANNEL
from ..wireframe import direct_protocol, queue_frame
from .outbound import FULL, ORG_STREAM


def deliver_group(sessions, events, messages, joined):
    """The events, in order, to each session. A plain session (nothing held back or
    deduplicated, no aliases) on a plain TCP socket gets `joined`, every frame at once, in one
    write to its socket, with the checks of deliver() and of the handler's send_frame() made
    here, inline: this loop runs once per recipient of every event, and its calls were most of
    the Python time of a fan-out. Any other session gets each event through deliver()."""
    first = events[0]
    key = first.channel_id if first.audience == CHANNEL else ORG_STREAM
    seq = first.seq
    size = len(joined)
    for session in sessions:
        resumed = session._resumed_through
        if session._replaying or session.original_form or (key in resumed and resumed[key] >= seq):
            for event, message in zip(events, messages):
                session.deliver(event, message)
            continue
        if session._closed:
            continue
        wire = session._wire
        if wire is None:
            wire = session._wire = direct_protocol(session.connection) or False
        if wire is False:
            if session.connection.send_frame(joined, session._cap) is FULL:
                session._cut_off()
            continue
        # What the handler's send_frame() and wireframe.write_frame() check, in the same order.
        if wire.client_terminated or wire.server_terminated:
            continue
        stream = wire.stream
        if stream._closed:
            continue
        queued = stream._total_write_index - stream._total_write_done_index
        if queued:
            if queued > session._cap:
                session._cut_off()
            else:
                queue_frame(stream, joined)  # behind what is queued, never ahead of it
            continue
        try:
            sent = stream.socket.send(joined)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            continue  # the peer is gone; the stream notices and closes the connection
        if sent != size:
            queue_frame(stream, memoryview(joined)[sent:])
