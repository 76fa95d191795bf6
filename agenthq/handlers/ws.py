"""/ws: the real-time socket (spec section 4). Authenticates with the same function as REST,
subscribes through the same access check, and resumes from the durable event log so that a
client that reconnects with `since` misses nothing and sees nothing twice."""

import asyncio
import json
import logging
import sys
import time

from tornado.iostream import StreamClosedError
from tornado.websocket import WebSocketHandler

from ..clock import now_iso
from ..errors import ApiError, RateLimited, Unavailable
from ..events import CHANNEL
from ..models import new_id
from ..realtime import Close, text_frame
from ..services import presence, stream
from ..wireframe import queued_bytes, write_frame

log = logging.getLogger("agenthq.ws")

ORG_STREAM = "org"


def frame(type_, data=None, **extra):
    """Every server frame carries `event` (a copy of `type`) and a `data` object, so clients of
    the original SDK, which read msg.event and msg.data, work unchanged."""
    return json.dumps({"type": type_, "event": type_, "data": data or {}, **extra}, separators=(",", ":"))


def error_frame(code, message, **extra):
    return frame("error", {"code": code, "message": message, **extra}, code=code, message=message, **extra)


class TokenBucket:
    def __init__(self, rate, burst):
        self.rate, self.capacity, self.tokens, self.stamp = rate, burst, float(burst), time.monotonic()

    def take(self):
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class BadMessage(Exception):
    pass


class SocketHandler(WebSocketHandler):
    def initialize(self):
        self.identity = None
        self.connection_id = new_id()
        self.last_message_at = time.monotonic()
        self._replaying = {}  # stream key -> live events held back while its replay is sent
        self._resumed_through = {}  # stream key -> the last seq its resume sent
        self._held_bytes = 0
        self._closed = False
        self._auth_timer = None
        self._rate_strikes = 0
        self._last_beat_written = 0.0
        config = self.hub.config
        self._bucket = TokenBucket(config.ws_rate, config.ws_burst)

    @property
    def hub(self):
        return self.settings["hub"]

    def check_xsrf_cookie(self):
        """The socket authenticates with a token, never a cookie."""

    def check_origin(self, origin):
        """Browsers on another origin are refused unless configured; clients that send no
        Origin (SDKs, CLIs) never reach this check."""
        if origin in self.hub.config.ws_allowed_origins:
            return True
        return super().check_origin(origin)

    async def open(self):
        self.hub.ensure_started()
        if self.hub.closing:
            self.close(Close.GOING_AWAY, "server shutting down")
            return
        if self.hub.cluster and not self.hub.cluster.available:
            self.close(Close.TRY_AGAIN, "event delivery unavailable: try again later")
            return
        self.hub.authenticating.add(self)
        token = self.get_query_argument("token", None)
        if token:
            await self._authenticate(token)
        else:
            loop = asyncio.get_running_loop()
            self._auth_timer = loop.call_later(self.hub.config.ws_auth_timeout, self._reject, "Authentication timed out")

    async def _authenticate(self, token):
        if self._auth_timer:
            self._auth_timer.cancel()
        try:
            identity = await self.hub.authenticate(token)
        except Unavailable:
            # The database is down: not the client's fault, so not 4001; retry later.
            self.close(Close.TRY_AGAIN, "unavailable: try again later")
            return
        except ApiError as error:
            self._reject(error.message)
            return
        self.hub.authenticating.discard(self)
        if self._closed:
            return
        since = self._since_argument()
        self.identity = identity
        # Hold org events back from the moment we are registered until `connected` (and any
        # replay) has gone out, so none is lost and none jumps ahead of them.
        self._replaying[ORG_STREAM] = []
        self.hub.registry.register(self)
        seq = await self.hub.read(stream.newest_seq, identity)
        self.send_text(frame("connected", {
            "connection_id": self.connection_id,
            "identity": identity.wire(),
            "org_id": identity.org_id,
            "seq": seq,
            "heartbeat_interval": self.hub.config.heartbeat_interval,
        }))
        if identity.is_agent:
            await self.hub.agent_connected(identity.id)
        await self._resume(ORG_STREAM, seq if since is None else since, replay=since is not None)

    def _since_argument(self):
        raw = self.get_query_argument("since", None)
        if raw is None:
            return None
        if not raw.isdigit():
            self.send_text(error_frame("BAD_MESSAGE", "since must be a non-negative integer"))
            return None
        return int(raw)

    def _reject(self, message):
        self.send_text(error_frame("UNAUTHORIZED", message))
        self.close(Close.UNAUTHORIZED, "unauthorized")

    async def _resume(self, key, since, replay=True, channel_id=None):
        """Send the logged events after `since`, then the live ones held back meanwhile,
        skipping any already sent: no gap, no duplicate."""
        last = since
        if replay:
            resumable = await self.hub.read(stream.can_resume, self.identity, since)
            if not resumable:
                last = await self.hub.read(stream.newest_seq, self.identity)
                extra = {"channel": channel_id} if channel_id else {}
                self.send_text(frame("resync_required", {"seq": last, **extra}, **extra))
            while resumable and not self._closed:
                if channel_id:
                    batch = await self.hub.read(stream.channel_replay, self.identity, channel_id, last)
                else:
                    batch = await self.hub.read(stream.org_replay, self.identity, last)
                for event in batch:
                    self.send_text(event.encode())
                    last = event.seq
                    await self._paced()
                if len(batch) < stream.REPLAY_BATCH:
                    break
        for event, message in self._release(key):
            if event.seq > last:
                self._send_frame(message.frame)
                last = event.seq
        # An event can commit (so the replay read it) and be published only after the
        # release above: the live path must drop it too.
        self._resumed_through[key] = last

    async def _paced(self):
        """A replay waits for the reader whenever half the cap is queued. A resume may be far
        bigger than the cap, and cutting a prompt reader off mid-replay would only make it
        resume into the same replay again, for ever."""
        while not self._closed and self._queued() > self.hub.config.ws_max_buffer // 2:
            try:
                await self.ws_connection.stream.write(b"")  # resolves once all queued is sent
            except StreamClosedError:
                return

    def _release(self, key):
        held = self._replaying.pop(key, ())
        self._held_bytes -= sum(len(message) for _, message in held)
        return held

    # -- delivery ---------------------------------------------------------------------------

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
            if self._held_bytes + self._queued() > self.hub.config.ws_max_buffer:
                self._cut_off()
        else:
            self._send_frame(message.frame)

    def _queued(self):
        """Bytes handed to the socket's stream that the kernel has not taken yet."""
        return 0 if self.ws_connection is None else queued_bytes(self.ws_connection.stream)

    def _cut_off(self):
        log.info("closing slow reader %s", self.connection_id)
        self.close(Close.SLOW, "too slow: resume with since")

    def send_text(self, text):
        self._send_frame(text_frame(text.encode()))

    def _send_frame(self, frame):
        """Every frame goes out here, in order, through the fast path (wireframe.py): the
        same bytes write_message would send, without a task and futures per message."""
        if self._closed or self.ws_connection is None or self.ws_connection.is_closing():
            return
        # A reader this far behind is cut off (and resumes with `since`) rather than hold
        # memory for ever.
        if self._queued() > self.hub.config.ws_max_buffer:
            self._cut_off()
            return
        write_frame(self.ws_connection.stream, frame)

    def close(self, code=None, reason=None):
        if not self._closed:
            self._closed = True
            super().close(code, reason)

    # -- client messages --------------------------------------------------------------------

    async def on_message(self, raw):
        self.last_message_at = time.monotonic()
        if not self._bucket.take() or not await self._identity_allows():
            self._rate_strikes += 1
            if self._rate_strikes > self.hub.config.ws_burst:
                self.close(Close.RATE, "rate limit exceeded")
            else:
                self.send_text(error_frame("RATE_LIMITED", "Too many messages; slow down"))
            return
        self._rate_strikes = 0
        try:
            kind, message = self._parse(raw)
            if self.identity is None:
                token = message.get("token")
                if kind != "auth" or not isinstance(token, str) or not token:
                    self._reject("Authenticate first" if kind != "auth" else "The auth message needs a token")
                    return
                await self._authenticate(token)
            elif kind == "subscribe":
                await self._subscribe(message)
            elif kind == "unsubscribe":
                channel = self._string(message, "channel")
                self.hub.registry.unsubscribe(self, channel)
                self._release(channel)
                self.send_text(frame("unsubscribed", {"channel": channel}, channel=channel))
            elif kind == "heartbeat":
                await self._heartbeat()
            else:
                raise BadMessage(f"Unknown message type: {kind!r}")
        except BadMessage as error:
            if self.identity is None:  # before auth only a good auth message will do, as above
                self._reject(str(error))
                return
            self.send_text(error_frame("BAD_MESSAGE", str(error)))
        except Unavailable:
            # The database or Redis went away mid-message (a replay, a heartbeat): the client
            # reconnects later and resumes with `since`.
            self.close(Close.TRY_AGAIN, "unavailable: try again later")
        except Exception:
            # Whatever the stream's state now is, the client can trust it no more: say so and
            # close, so that it reconnects with `since` (rather than Tornado's silent abort).
            self.log_exception(*sys.exc_info())
            self.send_text(error_frame("INTERNAL", "Internal error; reconnect and resume with since"))
            self.close(Close.INTERNAL, "internal error")

    def log_exception(self, typ, value, tb):
        """Tornado's own report prints the request URI, and a /ws URI may carry the token."""
        log.error("error on /ws connection %s", self.connection_id, exc_info=(typ, value, tb))

    async def _identity_allows(self):
        """Besides its own bucket, a message spends its identity's (shared by all its sockets,
        and between processes in the scale-out mode): more sockets buy no more messages."""
        if self.identity is None:
            return True
        try:
            await self.settings["rate_limits"].check_ws_message(self.identity)
        except RateLimited:
            return False
        except Unavailable:  # shared counts (Redis) unreachable: retryable, like other outages
            self.close(Close.TRY_AGAIN, "try again later")
            return False
        return True

    @staticmethod
    def _parse(raw):
        if isinstance(raw, bytes):
            raise BadMessage("Messages must be JSON text")
        try:
            message = json.loads(raw)
        except ValueError:
            raise BadMessage("Message is not valid JSON") from None
        if not isinstance(message, dict):
            raise BadMessage("Message must be a JSON object")
        kind = message.get("type") or message.get("event")
        if not isinstance(kind, str):
            raise BadMessage("Message needs a string 'type'")
        # The original SDK sends {"event": ..., "data": {...}}: its fields live under data.
        if isinstance(message.get("data"), dict):
            message = {**message["data"], **{k: v for k, v in message.items() if k != "data"}}
        return kind, message

    @staticmethod
    def _string(message, name):
        value = message.get(name)
        if not isinstance(value, str) or not value or len(value) > 4096:
            raise BadMessage(f"'{name}' must be a non-empty string")
        return value

    async def _subscribe(self, message):
        channel = self._string(message, "channel")
        since = message.get("since")
        if since is not None and (isinstance(since, bool) or not isinstance(since, int) or since < 0):
            raise BadMessage("'since' must be a non-negative integer")
        registry = self.hub.registry
        if channel not in registry.subscriptions(self) and len(registry.subscriptions(self)) >= (
            self.hub.config.ws_max_subscriptions
        ):
            self.send_text(error_frame("TOO_MANY_SUBSCRIPTIONS", "Subscription limit reached", channel=channel))
            return
        try:
            await self.hub.read(stream.subscribable, self.identity, channel)
        except ApiError as error:
            self.send_text(error_frame(error.code, error.message, channel=channel))
            return
        if self._closed:
            return
        if since is not None:
            self._replaying[channel] = []
        registry.subscribe(self, channel)
        self.send_text(frame("subscribed", {"channel": channel}, channel=channel))
        if since is not None:
            await self._resume(channel, since, channel_id=channel)

    async def _heartbeat(self):
        timestamp = now_iso()
        self.send_text(frame("heartbeat_ack", {"timestamp": timestamp}, timestamp=timestamp))
        # A heartbeat counts as the agent's; writing it at most twice an interval keeps a
        # chatty client from turning heartbeats into a write load.
        now = time.monotonic()
        if self.identity.is_agent and now - self._last_beat_written > self.hub.config.heartbeat_interval / 2:
            self._last_beat_written = now
            await self.hub.write(presence.beat, self.identity.id)

    def on_close(self):
        self._closed = True
        self.hub.authenticating.discard(self)
        if self._auth_timer:
            self._auth_timer.cancel()
        if self.identity is None:
            return
        self.hub.registry.unregister(self)
        # A shutdown is no goodbye from the agent: it will reconnect to the restarted hub, and
        # the sweep takes offline those that do not (docs/realtime.md).
        if self.hub.closing:
            return
        if self.identity.is_agent and not self.hub.registry.connections_of_agent(self.identity.id):
            self.hub.spawn(self.hub.agent_left(self.identity.id), "agent offline")


routes = [(r"/ws", SocketHandler)]
