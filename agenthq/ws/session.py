"""One /ws connection's state and rules: authentication, subscriptions, lossless resume (replay
hold-back and dedupe), the outbound cap, liveness and the inbound rate limit. No Tornado here:
the socket is a `connection` object (agenthq/ws/handler.py in the server, a fake in
tests/test_ws_session.py) with send_frame(frame, cap) -> SENT | FULL | CLOSED (outbound.py), queued() -> int,
async drain() -> bool and close(code, reason). The registry and the hub see the session as the
connection. What goes out (resume, delivery, the cap, aliases) is its Outbound half."""

import asyncio
import logging
import time

from ..clock import now_iso
from ..errors import ApiError, RateLimited, Unauthorized, Unavailable
from ..models import new_id
from ..realtime import Close
from ..services import presence, stream
from ..validation import is_id
from . import protocol
from .outbound import ORG_STREAM, Outbound
from .protocol import BadMessage

log = logging.getLogger("agenthq.ws")


class TokenBucket:
    __slots__ = ("rate", "capacity", "tokens", "clock", "stamp")

    def __init__(self, rate, burst, clock=time.monotonic):
        self.rate, self.capacity, self.tokens = rate, burst, float(burst)
        self.clock = clock
        self.stamp = clock()

    def take(self):
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Session(Outbound):
    # Slots, not a __dict__ per socket: a hub holds 10,000 of these (bench/RESULTS.md, idle).
    __slots__ = ("hub", "config", "rate_limits", "connection", "clock", "identity", "connection_id",
                 "last_message_at", "original_form", "_args", "_auth_timer", "_rate_strikes",
                 "_last_beat_written", "_bucket")

    def __init__(self, hub, rate_limits, connection, clock=time.monotonic):
        self.hub, self.config, self.rate_limits = hub, hub.config, rate_limits
        self.connection = connection
        self.clock = clock
        self.identity = None
        self.connection_id = new_id()
        # Read by the hub's idle sweep: moved by every inbound frame (spec 6.3), see touch().
        self.last_message_at = clock()
        # Original-form connections also get each event's colon-named alias (spec 6.4).
        self.original_form = False
        self._args = protocol.ConnectArgs()
        self._init_outbound()
        self._auth_timer = None
        self._rate_strikes = 0
        self._last_beat_written = float("-inf")
        self._bucket = TokenBucket(self.config.ws_rate, self.config.ws_burst, clock)

    # -- opening --------------------------------------------------------------------------------

    async def open(self, args):
        """The upgrade is done: authenticate with the query's token, or wait for `auth`."""
        hub = self.hub
        if hub.closing:
            self.close(Close.GOING_AWAY, "server shutting down")
            return
        if hub.cluster and not hub.cluster.available:
            self.close(Close.TRY_AGAIN, "event delivery unavailable: try again later")
            return
        self._args = args
        self.original_form = args.aliases
        hub.authenticating.add(self)
        if args.token_error:
            self._reject(args.token_error)
        elif args.token:
            await self._guarded(self._authenticate(args.token))
        else:
            loop = asyncio.get_running_loop()
            timeout = self.config.ws_auth_timeout
            self._auth_timer = loop.call_later(timeout, self._reject, Unauthorized("Authentication timed out"))

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
            self._reject(error)
            return
        self.hub.authenticating.discard(self)
        if self._closed:
            return
        self.identity = identity
        # Hold org events back from the moment we are registered until `connected` (and any
        # replay) has gone out, so none is lost and none jumps ahead of them.
        self._replaying[ORG_STREAM] = []
        self.hub.registry.register(self)
        if self._args.since_error:
            self.send_text(protocol.error_frame("BAD_MESSAGE", self._args.since_error))
        since = self._args.since
        seq = await self.hub.newest_seq(identity)
        self.send_text(protocol.connected_frame(self.connection_id, identity, seq, self.config.heartbeat_interval))
        if identity.is_agent:
            await self.hub.upkeep.agent_connected(identity.id)
        await self._resume(ORG_STREAM, seq if since is None else since, replay=since is not None)

    def _reject(self, error):
        self.send_text(protocol.refusal_frame(error))
        self.close(Close.UNAUTHORIZED, "unauthorized")

    # -- inbound --------------------------------------------------------------------------------

    def touch(self):
        """Any inbound frame (a message, a ping, a pong) proves the peer alive (spec 6.3)."""
        self.last_message_at = self.clock()

    async def receive(self, raw):
        self.touch()
        if not self._bucket.take() or not await self._identity_allows():
            self._rate_strikes += 1
            if self._rate_strikes > self.config.ws_burst:
                self.close(Close.RATE, "rate limit exceeded")
            else:
                self.send_text(protocol.error_frame("RATE_LIMITED", "Too many messages; slow down"))
            return
        self._rate_strikes = 0
        await self._guarded(self._handle(raw))

    async def _guarded(self, work):
        try:
            await work
        except BadMessage as error:
            if self.identity is None:  # before auth only a good auth message will do
                self._reject(Unauthorized(str(error)))
                return
            self.send_text(protocol.error_frame("BAD_MESSAGE", str(error)))
        except Unavailable:
            # The database or Redis went away mid-message (a replay, a heartbeat): the client
            # reconnects later and resumes with `since`.
            self.close(Close.TRY_AGAIN, "unavailable: try again later")
        except Exception:
            # Whatever the stream's state now is, the client can trust it no more: say so and
            # close, so that it reconnects with `since` (rather than Tornado's silent abort).
            log.exception("error on /ws connection %s", self.connection_id)
            self.send_text(protocol.error_frame("INTERNAL", "Internal error; reconnect and resume with since"))
            self.close(Close.INTERNAL, "internal error")

    async def _handle(self, raw):
        message = protocol.parse(raw)
        if message.original_form:
            self.original_form = True
        kind, fields = message.kind, message.fields
        if self.identity is None:
            if kind != "auth":
                self._reject(Unauthorized("Authenticate first"))
                return
            token = fields.get("token")
            problem = protocol.token_problem(token)
            if problem:
                self._reject(problem)
                return
            await self._authenticate(token)
        elif kind == "subscribe":
            await self._subscribe(fields)
        elif kind == "unsubscribe":
            await self._unsubscribe(fields)
        elif kind == "heartbeat":
            await self._heartbeat()
        else:
            raise BadMessage(f"Unknown message type: {kind!r}"[:200])

    async def _identity_allows(self):
        """Besides its own bucket, a message spends its identity's (shared by all its sockets,
        and between processes in the scale-out mode): more sockets buy no more messages."""
        if self.identity is None:
            return True
        try:
            await self.rate_limits.check_ws_message(self.identity)
        except RateLimited:
            return False
        except Unavailable:  # shared counts (Redis) unreachable: retryable, like other outages
            self.close(Close.TRY_AGAIN, "try again later")
            return False
        return True

    async def _resolve(self, channel):
        """The id of a channel named by id or by name (spec 6.1), through the same access
        check as REST; None (after an error frame) if the caller may not read it."""
        try:
            return await self.hub.subscribable(self.identity, channel)
        except ApiError as error:
            self.send_text(protocol.error_frame(error.code, error.message, channel=channel))
            return None

    async def _subscribe(self, fields):
        channel = protocol.channel(fields)
        since = protocol.since(fields)
        registry = self.hub.registry
        cap = self.config.ws_max_subscriptions
        if len(registry.subscriptions(self)) >= cap and channel not in registry.subscriptions(self) and is_id(channel):
            # Full, and surely a new channel: refuse without a database read.
            self.send_text(protocol.error_frame("TOO_MANY_SUBSCRIPTIONS", "Subscription limit reached", channel=channel))
            return
        channel_id = await self._resolve(channel)
        if channel_id is None or self._closed:
            return
        if channel_id not in registry.subscriptions(self) and len(registry.subscriptions(self)) >= cap:
            self.send_text(protocol.error_frame("TOO_MANY_SUBSCRIPTIONS", "Subscription limit reached", channel=channel))
            return
        if since is not None:
            self._replaying[channel_id] = []
        registry.subscribe(self, channel_id)
        self.send_text(protocol.subscribed_frame(channel_id))
        if since is not None:
            await self._resume(channel_id, since, channel_id=channel_id)

    async def _unsubscribe(self, fields):
        channel = protocol.channel(fields)
        # An id needs no read (and may name a channel the caller can no longer see); a name
        # is resolved as subscribe resolves it.
        channel_id = channel if is_id(channel) else await self._resolve(channel)
        if channel_id is None or self._closed:
            return
        self.hub.registry.unsubscribe(self, channel_id)
        self._release(channel_id)
        self.send_text(protocol.unsubscribed_frame(channel_id))

    async def _heartbeat(self):
        timestamp = now_iso()
        self.send_text(protocol.heartbeat_ack_frame(timestamp))
        # A heartbeat counts as the agent's; writing it at most twice an interval keeps a
        # chatty client from turning heartbeats into a write load.
        now = self.clock()
        if self.identity.is_agent and now - self._last_beat_written > self.config.heartbeat_interval / 2:
            self._last_beat_written = now
            await self.hub.write(presence.beat, self.identity.id)

    # -- closing --------------------------------------------------------------------------------

    def closed(self):
        """The socket is gone (either side closed it): leave every index, and tell presence."""
        self._closed = True
        self.hub.authenticating.discard(self)
        if self._auth_timer:
            self._auth_timer.cancel()
        if self.identity is None:
            return
        self.hub.registry.unregister(self)
        if self.identity.is_agent:
            self.hub.upkeep.agent_left(self.identity.id)
