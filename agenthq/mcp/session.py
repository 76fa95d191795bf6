"""One identity at the hub, as the MCP tools see it: the SDK client, who it is, the channels
it is in (by name and id), author names, and the live socket feeding the hub_wait buffer."""

import asyncio
import logging
import time

from ..client import AgentHQClient, AgentHQError
from .waiter import WaitBuffer

log = logging.getLogger("agenthq.mcp")

NAMES_REFRESH = 30.0  # seconds between reloads of the author-name table when an id is unknown


class HubSession:
    def __init__(self, url, credential, default_channel="general", refresh_token=None):
        self.url = url
        self.default_channel = default_channel
        self.client = _client(url, credential, refresh_token)
        self.me = None  # {type, id, name}
        self.buffer = None
        self.channels = {}  # id -> channel (with read state), from the last GET /channels
        self._names = {}
        self._names_loaded = 0.0
        self._started = None
        self.last_used = time.monotonic()
        self.busy = 0  # requests in flight (an HTTP session is not reaped while one runs)
        self.socket_error = None  # why the socket ended for good (e.g. a rotated key)

    async def start(self):
        """Who we are, our channels, then the socket: once; concurrent callers share it."""
        if self._started is None:
            self._started = asyncio.ensure_future(self._start())
        try:
            await asyncio.shield(self._started)
        except AgentHQError:
            self._started = None  # a later call tries again (the hub may be back)
            raise

    async def _start(self):
        if self.buffer is None:  # once: a retry after a failed start must not feed it twice
            me = await self.client.me()
            who = me.get("agent") or me.get("user") or {}
            self.me = {"type": me["type"], "id": who["id"], "name": who.get("name")}
            self.buffer = WaitBuffer(self.me["id"], shape_post=self.shape_post, shape_note=self.shape_notification)
            self.client.on("*", self.buffer.feed)
            self.client.on("channel.created", self._on_channel_created)
            self.client.on("disconnected", self._on_disconnected)
        await self.refresh_channels()
        await self.load_names()
        await self.client.connect()

    def _on_disconnected(self, info):
        if not info.get("reconnecting") and self.client.credential:
            self.socket_error = AgentHQError("UNAUTHORIZED", info.get("reason") or f"closed ({info.get('code')})")

    async def close(self):
        await self.client.close()

    # Channels -----------------------------------------------------------------------------
    async def refresh_channels(self):
        """Reload our channels and follow every one we are a member of (joins, invitations to
        private channels and new DMs since the last look included)."""
        listed = await self.client.list_channels()
        self.channels = {c["id"]: c for c in listed}
        for channel in listed:
            if channel.get("member") and channel["id"] not in self.client.subscriptions:
                self.client.subscribe(channel["id"])
        return listed

    def _on_channel_created(self, channel):
        # Private and DM channels reach only their members; a public one is ours if we made it.
        self.channels.setdefault(channel["id"], channel)
        if channel.get("type") in ("private", "dm") or channel.get("created_by") == self.me["id"]:
            self.client.subscribe(channel["id"])

    def follow(self, channel_id):
        """Posting in a public channel makes us a member: follow it from now on."""
        if channel_id and channel_id not in self.client.subscriptions:
            self.client.subscribe(channel_id)

    async def channel_id(self, name_or_id):
        """A channel's id from its name (`general`, `#general`) or id; NOT_FOUND otherwise,
        as the hub says for a channel the caller cannot read."""
        wanted = (name_or_id or "").strip()
        if not wanted:
            return None
        if len(wanted) == 26 and wanted.isalnum():
            return wanted.upper()
        name = wanted.removeprefix("#").lower()
        for attempt in (1, 2):
            for channel in self.channels.values():
                if channel["name"].lower() == name:
                    return channel["id"]
            if attempt == 1:
                await self.refresh_channels()
        raise AgentHQError("NOT_FOUND", f"channel {wanted!r} not found", 404)

    def channel_name(self, channel_id):
        channel = self.channels.get(channel_id)
        return channel["name"] if channel else None

    # Names --------------------------------------------------------------------------------
    def author_name(self, identity_id):
        if identity_id not in self._names and time.monotonic() - self._names_loaded > NAMES_REFRESH:
            self._names_loaded = time.monotonic()
            asyncio.ensure_future(self._load_names())  # for next time: never delay an answer
        return self._names.get(identity_id)

    async def load_names(self):
        self._names_loaded = time.monotonic()
        await self._load_names()

    async def _load_names(self):
        try:
            agents = await self.client.pages(self.client.list_agents)
            users = await self.client.pages(self.client.list_users)
        except AgentHQError as error:
            log.info("could not load author names: %s", error.code)
            return
        self._names.update({row["id"]: row["name"] for row in agents + users})

    def shape_notification(self, note, with_post=False):
        """A notification without what the post beside it (or the caller) already says."""
        drop = {"recipient_id", "recipient_type", "source_id", "source_type"}
        if with_post:
            drop |= {"body", "post_id", "channel_id", "actor_type"}
        shaped = {k: v for k, v in note.items() if k not in drop}
        shaped["actor"] = self.author_name(note.get("actor_id"))
        return shaped

    def shape_post(self, post):
        """A post as a model wants it: who wrote it and where, by name as well as id."""
        shaped = {k: post.get(k) for k in ("id", "channel_id", "author_id", "author_type", "type", "title",
                                           "content", "parent_id", "root_id", "reply_count", "seq", "created_at",
                                           "edited_at", "pinned")}
        shaped["channel"] = self.channel_name(post.get("channel_id"))
        shaped["author"] = self.author_name(post.get("author_id"))
        if post.get("reactions"):
            shaped["reactions"] = [{"emoji": r["emoji"], "count": r["count"]} for r in post["reactions"]]
        return shaped


def _client(url, credential, refresh_token=None):
    """An `ahq_` key is an agent's API key; anything else is a person's access token (renewed
    with the refresh token of a saved `agenthq login`, when there is one)."""
    if credential and credential.startswith("ahq_"):
        return AgentHQClient(url, api_key=credential)
    return AgentHQClient(url, token=credential, refresh_token=refresh_token)
