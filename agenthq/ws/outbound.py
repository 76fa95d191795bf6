"""The outbound half of a /ws session (agenthq/ws/session.py): lossless resume (live events
held back while the log is replayed, then sent without duplicates), delivery from the registry,
the outbound cap, and aliases behind their events. A mixin rather than an object of its own, so
that deliver(), which runs once per recipient of every event, costs no extra call; it uses the
session's connection, config, hub, identity and flags."""

import logging

from ..events import CHANNEL
from ..frames import PING_FRAME, text_frame
from ..realtime import Close
from ..services import stream
from . import protocol
from .aliases import alias_text

log = logging.getLogger("agenthq.ws")

ORG_STREAM = "org"

# What connection.send_frame(frame, cap) did: written (or queued), refused because more than
# `cap` bytes were queued already, or nothing because the socket is closing.
SENT, FULL, CLOSED = "sent", "full", "closed"


class Outbound:
    __slots__ = ("_replaying", "_resumed_through", "_held_bytes", "_closed", "_cap", "_wire")

    def _init_outbound(self):
        self._replaying = {}  # stream key -> live events held back while its replay is sent
        self._resumed_through = {}  # stream key -> the last seq its resume sent
        self._held_bytes = 0
        self._closed = False
        self._cap = self.config.ws_max_buffer
        # The Tornado protocol that ws/fanout.py writes through, found on first use (False:
        # none, the connection's send_frame instead).
        self._wire = None

    # -- resume ---------------------------------------------------------------------------------

    async def _resume(self, key, since, replay=True, channel_id=None):
        """Send the logged events after `since`, then the live ones held back meanwhile,
        skipping any already sent: no gap, no duplicate."""
        last = since
        while replay and not self._closed:
            batch, resumable = await self.hub.read(stream.replay_checked, self.identity, last, channel_id)
            if not resumable:  # pruned (maybe mid-replay) or another timeline: reload instead
                last = await self.hub.read(stream.newest_seq, self.identity)
                self.send_text(protocol.resync_frame(last, channel_id))
                break
            for event in batch:
                self._send_event(event, text_frame(event.encode().encode()))
                last = event.seq
                await self._paced()
            if len(batch) < stream.REPLAY_BATCH:
                break
        for event, message in self._release(key):
            if event.seq > last:
                self._send_event(event, message.frame)
                last = event.seq
        # An event can commit (so the replay read it) and be published only after the
        # release above: the live path must drop it too.
        self._resumed_through[key] = last

    async def _paced(self):
        """A replay waits for the reader whenever half the cap is queued. A resume may be far
        bigger than the cap, and cutting a prompt reader off mid-replay would only make it
        resume into the same replay again, for ever."""
        while not self._closed and self.connection.queued() > self.config.ws_max_buffer // 2:
            if not await self.connection.drain():
                return

    def _release(self, key):
        held = self._replaying.pop(key, ())
        self._held_bytes -= sum(len(message) for _, message in held)
        return held

    # -- delivery (called by the registry) ------------------------------------------------------

    def deliver(self, event, message):
        key = event.channel_id if event.audience == CHANNEL else ORG_STREAM
        if event.seq <= self._resumed_through.get(key, 0):
            return
        held = self._replaying.get(key)
        if held is not None:
            held.append((event, message))
            self._held_bytes += len(message)
            # Live events held during a (paced) replay count toward the same cap as the
            # socket's queue: a reader that stalls mid-replay is cut off, not buffered for ever.
            if self._held_bytes + self.connection.queued() > self.config.ws_max_buffer:
                self._cut_off()
        elif not self._closed:
            # _send_frame() inlined: this line runs once per recipient of every event.
            if self.connection.send_frame(message.frame, self._cap) is FULL:
                self._cut_off()
            elif self.original_form:
                self._send_alias(event)

    def _send_event(self, event, frame):
        self._send_frame(frame)
        if self.original_form:
            self._send_alias(event)

    def _send_alias(self, event):
        """To an original-form connection, right behind its event (live or replayed): an alias
        never travels without its event."""
        alias = alias_text(event)
        if alias is not None:
            self.send_text(alias)

    def _cut_off(self):
        log.info("closing slow reader %s", self.connection_id)
        self.close(Close.SLOW, "too slow: resume with since")

    def ping(self):
        """A WebSocket ping, in order with everything else the socket sends."""
        self._send_frame(PING_FRAME)

    def send_text(self, text):
        self._send_frame(text_frame(text.encode()))

    def _send_frame(self, frame):
        """Every frame goes out here, in order, through the connection's fast path. A reader
        more than the cap behind is cut off (and resumes with `since`) rather than hold memory
        for ever."""
        if not self._closed and self.connection.send_frame(frame, self._cap) is FULL:
            self._cut_off()

    def close(self, code=None, reason=None):
        if not self._closed:
            self._closed = True
            self.connection.close(code, reason)


