"""The first page of a channel's posts, kept in memory as the JSON it is answered with, and
each channel's post count (the page's `total`), kept in step by the events of committed
writes. A page read is the hub's most frequent request; served from here it costs no
query, no COUNT(*) that grows with the channel and no JSON encoding.

Staying exact without locking out writers: an entry remembers the org's event seq of the
snapshot it was read in. A post event of its channel with a higher seq drops the page and
moves the count by one (created/deleted); one with a lower or equal seq is already in it.
An entry read before an event it missed is refused when stored (the channel's newest event
seq is higher than the entry's). Only for one process on SQLite, where every write of the
database passes through Hub.publish here and a read transaction is one snapshot; Redis or
PostgreSQL (several processes, or READ COMMITTED) go without it.

It keeps each organization's channel rows too (GET /channels, asked on every page load and
reconnect), exact the same way: every change of a channel row publishes a channel.* event
(channels are never deleted; a rename or new topic is channel.updated), and an org's rows
read before its newest such event are dropped or refused. Memberships and read pointers
change without events and are not kept: they are read per request."""

import threading

# Events of an org's channel rows: any channel.* but the read pointer's (a person's own state).
CHANNEL_EVENT_PREFIX = "channel."
NOT_CHANNEL_ROW_EVENTS = frozenset({"channel.read"})

# Events that change what a channel's page shows, or how many posts it has.
PAGE_EVENTS = frozenset({"post.created", "post.updated", "post.deleted", "thread.updated",
                         "reaction.created", "reaction.deleted"})


class Encoded:
    """A list already encoded as JSON text (BaseHandler.reply writes it as it is)."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text


class PageCache:
    MAX_PAGES = 512  # pages of 20-100 posts: a few tens of MiB at the very most
    MAX_TOTALS = 20_000
    # Channel rows kept, over all organizations (each a few hundred bytes): about 20 MiB.
    MAX_CHANNEL_ROWS = 50_000
    MAX_ORG_CHANNELS = 2_000  # an org with more is read from the database each time

    def __init__(self):
        self._lock = threading.Lock()
        self._pages = {}  # channel_id -> {(replies, pinned_first, limit): (seq, Encoded)}
        self._count = 0
        self._totals = {}  # (channel_id, replies) -> [seq, count]
        self._newest = {}  # channel_id -> seq of its newest page event seen
        self._channels = {}  # org_id -> (seq, rows), rows as channel_rows() was given them
        self._channel_rows = 0  # rows in _channels
        self._newest_channel = {}  # org_id -> seq of its newest channel.* event seen

    def channel_rows(self, org_id):
        """The org's channel rows as stored by store_channel_rows, or None."""
        entry = self._channels.get(org_id)
        return entry[1] if entry is not None else None

    def store_channel_rows(self, org_id, seq, rows):
        """Keep an org's channel rows (any immutable shape the caller reads back), read in
        the snapshot of event seq `seq`, unless a channel event after it has been seen."""
        if len(rows) > self.MAX_ORG_CHANNELS:
            return
        with self._lock:
            if self._newest_channel.get(org_id, 0) > seq:
                return
            self._drop_channel_rows(org_id)
            while self._channels and self._channel_rows + len(rows) > self.MAX_CHANNEL_ROWS:
                self._drop_channel_rows(next(iter(self._channels)))  # the org kept longest ago goes
            self._channels[org_id] = (seq, rows)
            self._channel_rows += len(rows)

    def _drop_channel_rows(self, org_id):
        entry = self._channels.pop(org_id, None)
        if entry is not None:
            self._channel_rows -= len(entry[1])

    def _saw_channel(self, event):
        with self._lock:
            org_id, seq = event.org_id, event.seq
            if seq > self._newest_channel.get(org_id, 0):
                self._newest_channel[org_id] = seq
            entry = self._channels.get(org_id)
            if entry is not None and entry[0] < seq:
                self._drop_channel_rows(org_id)

    def page(self, channel_id, shape):
        entry = self._pages.get(channel_id, {}).get(shape)
        return entry[1] if entry is not None else None

    def total(self, channel_id, replies):
        entry = self._totals.get((channel_id, replies))
        return entry[1] if entry is not None else None

    def store(self, channel_id, shape, seq, encoded, total):
        """Keep a page of shape (replies, pinned_first, limit) and its channel's total, read
        in the snapshot of event seq `seq`, unless an event after that snapshot has been
        seen for the channel."""
        replies = shape[0]
        with self._lock:
            if self._newest.get(channel_id, 0) > seq:
                return
            if self._count >= self.MAX_PAGES:  # the channel cached longest ago goes
                self._count -= len(self._pages.pop(next(iter(self._pages))))
            pages = self._pages.setdefault(channel_id, {})
            self._count += shape not in pages
            pages[shape] = (seq, encoded)
            if (channel_id, replies) not in self._totals:
                if len(self._totals) >= self.MAX_TOTALS:
                    self._totals.clear()
                self._totals[(channel_id, replies)] = [seq, total]

    def saw(self, event):
        """A committed event, in seq order (Hub.publish)."""
        if (event.type.startswith(CHANNEL_EVENT_PREFIX) and event.type not in NOT_CHANNEL_ROW_EVENTS
                and event.seq is not None):
            self._saw_channel(event)
            return
        if event.type not in PAGE_EVENTS or event.channel_id is None or event.seq is None:
            return
        channel_id, seq = event.channel_id, event.seq
        step = {"post.created": 1, "post.deleted": -1}.get(event.type)
        with self._lock:
            if seq > self._newest.get(channel_id, 0):
                self._newest[channel_id] = seq
            pages = self._pages.get(channel_id)
            if pages:
                for shape in [shape for shape, (read_at, _) in pages.items() if read_at < seq]:
                    del pages[shape]
                    self._count -= 1
            if step is not None:
                is_reply = event.data.get("parent_id") is not None
                for replies in (True, False):
                    entry = self._totals.get((channel_id, replies))
                    if entry is not None and entry[0] < seq and (replies or not is_reply):
                        entry[1] += step
