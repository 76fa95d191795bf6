"""Where the client is in each event stream, so a reconnect resumes exactly after it.

The hub numbers an organization's events with one `seq`, but delivers them as separate
streams: org-wide events (on connect, resumed with `/ws?since=`) and each channel's post
events (resumed with `subscribe` + `since`). Replays of one stream interleave with live
events of another, so one global "last seq" would drop replayed events: keep one per stream.
"""

ORG = None  # the stream key of org-wide events; channel streams are keyed by channel id


def stream_of(frame):
    """post.* events come through a channel subscription; every other event is org-wide
    (channel.created carries a `channel` too, but reaches the whole org)."""
    if frame["type"].startswith("post.") and frame.get("channel"):
        return frame["channel"]
    return ORG


class Cursor:
    def __init__(self):
        self._last = {}  # stream -> newest seq delivered (or the seq it was opened at)
        self.high = None  # newest seq known for the org: a new subscription starts here

    def accept(self, frame):
        """True if this event is new for its stream (and record it); False for a repeat."""
        seq = frame.get("seq")
        if not isinstance(seq, int):
            return True
        stream = stream_of(frame)
        last = self._last.get(stream)
        if last is not None and seq <= last:
            return False
        self._last[stream] = seq
        self.high = seq if self.high is None else max(self.high, seq)
        return True

    def connected(self, seq):
        """On the first connection every stream starts at the hub's newest seq (channels
        subscribed before connecting too). On later ones each keeps its place: the replay
        after a `?since=` connect or subscribe comes below that seq."""
        self._last.setdefault(ORG, None)
        for stream, last in self._last.items():
            if last is None:
                self._last[stream] = seq
        self.high = seq if self.high is None else max(self.high, seq)

    def open(self, channel_id):
        """A new subscription starts at the newest seq known, so events posted between this
        call and the server's `subscribed` are replayed rather than lost."""
        self._last.setdefault(channel_id, self.high)

    def close(self, channel_id):
        self._last.pop(channel_id, None)

    def since(self, stream=ORG):
        return self._last.get(stream)

    def reset(self, stream, seq):
        """After resync_required: the gap cannot be replayed, so continue from `seq`."""
        self._last[stream] = seq
