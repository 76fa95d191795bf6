"""The hub_wait buffer: what the live socket brought that this identity has not been handed
yet, filtered as SPEC §16 says, capped at 1,000 items, taken oldest first.

The socket (agenthq.client's Realtime, which resumes every stream with `since` after a drop)
feeds every frame in; a hub_wait call takes what is pending or waits for the first arrival.
Items stay here between calls, so nothing that happens while no hub_wait runs is lost."""

import asyncio
import itertools
from collections import OrderedDict

CAP = 1000  # unreturned items kept; past that the oldest go and `missed` is reported
BATCH = 50  # items one call returns at most
SETTLE = 0.005  # a post and the notification it caused arrive back to back: let both land
# A new DM's post comes by the replay of a channel the socket joins on its notification, later
# than SETTLE: a notification that a post caused waits this long for its post to join it.
JOIN_GRACE = 1.0
_CAUSED_BY_A_POST = ("dm", "mention", "reply")
_REMEMBERED = 2000  # post ids already returned, so a late notification does not repeat a post


def waiting_for_their_post(items):
    """Items of a notification a post caused whose post did not join them in JOIN_GRACE (a slow
    replay): the caller reads those posts over REST, so an answer never depends on timing."""
    return [item for item in items if "post" not in item and item.get("notification", {}).get("post_id")
            and item["notification"].get("type") in _CAUSED_BY_A_POST]


class WaitBuffer:
    def __init__(self, me_id, shape_post=None, shape_note=None, cap=CAP):
        self.me_id = me_id
        self.cap = cap
        self._shape_post = shape_post or (lambda post: post)
        self._shape_note = shape_note or (lambda note, with_post=False: note)
        self._items = OrderedDict()  # seq -> item
        self._by_post = {}  # post id -> pending item (to attach its notification)
        self._returned = OrderedDict()  # post ids handed out already
        self._arrived = asyncio.Event()
        self.missed = False
        self.high = None  # newest seq seen

    def __len__(self):
        return len(self._items)

    # Feeding ------------------------------------------------------------------------------
    def feed(self, frame):
        """Take one frame of the socket (the SDK's '*' handler gets them in arrival order)."""
        kind, data, seq = frame.get("type"), frame.get("data"), frame.get("seq")
        if kind == "resync_required":
            self.missed = True  # the hub could not replay a gap: say so on the next return
            return
        if not isinstance(seq, int) or not isinstance(data, dict):
            return
        self.high = seq if self.high is None else max(self.high, seq)
        if kind == "post.created":
            self._on_post(seq, data, frame.get("channel") or data.get("channel_id"))
        elif kind == "notification.created":
            self._on_notification(seq, data)
        elif kind.startswith("notification."):  # the caller's identity events (channel.read is not one)
            self._add(seq, {"seq": seq, "event": kind, "data": data, "addressed": True})
        elif kind.startswith("task."):
            self._on_task(seq, kind, data)

    def _on_post(self, seq, post, channel_id):
        if post.get("author_id") == self.me_id or post["id"] in self._returned or post["id"] in self._by_post:
            if post["id"] in self._by_post and "post" not in self._by_post[post["id"]]:
                self._by_post[post["id"]]["post"] = self._shape_post(post)  # notification came first
                self._arrived.set()
            return
        item = {"seq": seq, "event": "post.created", "channel_id": channel_id, "post": self._shape_post(post),
                "addressed": False}
        self._by_post[post["id"]] = item
        self._add(seq, item)

    def _on_notification(self, seq, note):
        post_id = note.get("post_id")
        pending = self._by_post.get(post_id) if post_id else None
        if pending is not None and "post" in pending:
            pending["notification"] = self._shape_note(note, with_post=True)
            pending["addressed"] = True
            self._arrived.set()
            return
        item = {"seq": seq, "event": "notification.created", "channel_id": note.get("channel_id"),
                "notification": self._shape_note(note), "addressed": True}
        if post_id and post_id not in self._returned:
            self._by_post[post_id] = item  # the post may still come: it joins this item
        self._add(seq, item)

    def _on_task(self, seq, kind, task):
        mine = task.get("assigned_to") == self.me_id
        claimable = task.get("status") == "open" and not task.get("assigned_to")
        if kind == "task.deleted" or not (mine or claimable):
            return
        self._add(seq, {"seq": seq, "event": kind, "channel_id": task.get("channel_id"), "task": task,
                        "addressed": mine})

    def _add(self, seq, item):
        self._items[seq] = item
        while len(self._items) > self.cap:
            _, dropped = self._items.popitem(last=False)
            self._forget(dropped)
            self.missed = True
        self._arrived.set()

    def _forget(self, item):
        post_id = (item.get("post") or {}).get("id") or (item.get("notification") or {}).get("post_id")
        if post_id and self._by_post.get(post_id) is item:
            del self._by_post[post_id]

    # Taking -------------------------------------------------------------------------------
    def take(self, channel_id=None, addressed_only=False, limit=BATCH):
        """Up to `limit` matching items, oldest first, removed from the buffer."""
        chosen = list(itertools.islice(self._matching(channel_id, addressed_only), limit))
        items = [self._items.pop(item["seq"]) for item in chosen]
        for item in items:
            self._forget(item)
            post_id = (item.get("post") or {}).get("id") or (item.get("notification") or {}).get("post_id")
            if post_id:
                self._returned[post_id] = True
                while len(self._returned) > _REMEMBERED:
                    self._returned.popitem(last=False)
        return items

    async def wait(self, timeout, channel_id=None, addressed_only=False):
        """{items, seq, timed_out, missed}: at once when matching items are pending, else at
        the first one to arrive or after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self._arrived.clear()
            if self._has(channel_id, addressed_only):
                await self._settle(channel_id, addressed_only)
                items = self.take(channel_id, addressed_only)
                return self._answer(items, timed_out=False)
            left = deadline - loop.time()
            if left <= 0:
                return self._answer([], timed_out=True)
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except asyncio.TimeoutError:
                pass

    async def _settle(self, channel_id, addressed_only):
        await asyncio.sleep(SETTLE)
        loop = asyncio.get_running_loop()
        until = loop.time() + JOIN_GRACE
        while self._post_on_its_way(channel_id, addressed_only) and loop.time() < until:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), until - loop.time())
            except asyncio.TimeoutError:
                return

    def _post_on_its_way(self, channel_id, addressed_only):
        return any("post" not in item and item.get("notification", {}).get("type") in _CAUSED_BY_A_POST
                   and item["notification"].get("post_id") not in self._returned
                   for item in self._matching(channel_id, addressed_only))

    def _matching(self, channel_id, addressed_only):
        return (item for item in self._items.values()
                if (not channel_id or item.get("channel_id") == channel_id)
                and (not addressed_only or item["addressed"]))

    def _has(self, channel_id, addressed_only):
        return any(True for _ in self._matching(channel_id, addressed_only))

    def _answer(self, items, timed_out):
        missed, self.missed = self.missed, False
        seq = items[-1]["seq"] if items else self.high
        return {"items": [{k: v for k, v in item.items() if k != "addressed"} for item in items], "seq": seq,
                "timed_out": timed_out, "missed": missed}
