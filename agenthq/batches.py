"""Deliveries waiting in the registry's backlog (agenthq/realtime.py): a Batch is one or more
events for one snapshot of recipients, framed once and written to each socket in one write."""

from .frames import Message

# Events waiting in the backlog for the same unchanged recipients (a channel's subscribers, an
# organization's sockets) go out together: one write per socket carries up to GROUP_EVENTS
# frames (GROUP_BYTES in all), where a write (a system call) is most of a delivery's cost.
GROUP_EVENTS = 32
GROUP_BYTES = 64 << 10


def deliver_each(connections, events, messages, joined):
    """The plain delivery: every event to every connection through its deliver(). The hub
    passes a faster one for its sessions (agenthq/ws/fanout.py deliver_group)."""
    for connection in connections:
        for event, message in zip(events, messages):
            connection.deliver(event, message)


class Batch:
    """Events in the backlog for one snapshot of recipients, in publish order. Several only
    while the recipients (`key`: a channel id, or (ORG, org id)) have not changed since the
    snapshot (`epoch`)."""

    __slots__ = ("events", "messages", "joined", "size", "targets", "start", "key", "epoch")

    def __init__(self, event, targets, key=None, epoch=None, message=None, start=0):
        self.events = [event]
        self.messages = [message]
        self.joined = None if message is None else message.frame
        self.size = 0 if message is None else len(message.frame)
        self.targets = targets
        self.start = start
        self.key = key
        self.epoch = epoch

    def frame(self):
        """Frames each event once, then all of them as the one bytes every socket is sent.
        Returns how many events were framed here."""
        framed = 0
        for index, message in enumerate(self.messages):
            if message is None:
                self.messages[index] = Message(self.events[index].encode())
                framed += 1
        if self.joined is None:
            frames = [message.frame for message in self.messages]
            self.joined = frames[0] if len(frames) == 1 else b"".join(frames)
        return framed

    def join(self, event):
        if self.messages[0] is None:  # its size counts toward GROUP_BYTES
            self.messages[0] = Message(self.events[0].encode())
            self.size = len(self.messages[0].frame)
        message = Message(event.encode())
        self.events.append(event)
        self.messages.append(message)
        self.joined = None
        self.size += len(message.frame)
