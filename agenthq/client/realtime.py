"""The live connection to /ws: authenticate, subscribe, heartbeat, hand events to handlers,
and reconnect with backoff and jitter, resuming every stream where it stopped."""

import asyncio
import json
import logging
import random
from urllib.parse import urlencode

from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import WebSocketClosedError, WebSocketError, websocket_connect

from .cursor import ORG, Cursor
from .errors import AgentHQError
from .handlers import Handlers

log = logging.getLogger("agenthq.client")

# Closes after which retrying cannot help: the credentials were refused, revoked or deleted.
FATAL_CLOSES = {4001: "UNAUTHORIZED", 4003: "FORBIDDEN"}
# A hub that sent nothing (not even a heartbeat_ack) for this many heartbeat intervals is
# presumed gone: a dead network path can leave a socket open without ever closing it.
SILENCE_LIMIT = 2.5


class Realtime:
    def __init__(self, client, backoff_base=0.5, backoff_max=30.0, connect_timeout=10.0):
        self._client = client
        self.backoff_base, self.backoff_max, self.connect_timeout = backoff_base, backoff_max, connect_timeout
        self.handlers = Handlers()
        self._channels = set()  # wanted subscriptions: sent again on every connection
        self._cursor = Cursor()
        self._ws = None
        self._runner = None
        self._ready = None  # connect() waits on this: the first `connected`, or why it failed
        self._done = None  # wait_closed() waits on this: None, or the fatal AgentHQError
        self._session_seq = None
        self._refusal = None
        self._last_heard = 0.0
        self.connected = False
        self.info = {}  # the data of the last `connected` frame
        self.heartbeat_interval = 30.0

    # Public controls ----------------------------------------------------------------------
    async def connect(self):
        """Open the connection; return the `connected` data. Raises AgentHQError if the hub
        cannot be reached or refuses the credentials; after that, reconnects by itself."""
        if self._runner is None:
            if not self._client.credential:
                raise AgentHQError("UNAUTHORIZED", "connect() needs an api_key, a token, or login() first")
            loop = asyncio.get_running_loop()
            self._ready, self._done = loop.create_future(), loop.create_future()
            self.handlers.start()
            self._runner = asyncio.create_task(self._run())
        runner = self._runner
        try:
            return await asyncio.shield(self._ready)
        except AgentHQError:
            # Given up before connecting: end our tasks now, so that nothing of the client is
            # left pending on the loop ("Task was destroyed but it is pending!" at exit).
            if self._runner is None:
                await asyncio.gather(runner, return_exceptions=True)
                await self.handlers.stop()
            raise

    def subscribe(self, channel_id, since=None):
        """Follow a channel's post events from now, or from after `since` (a seq the caller
        kept, e.g. across its own restart). Re-sent with the right `since` on reconnect."""
        self._channels.add(channel_id)
        if since is not None:
            self._cursor.reset(channel_id, since)
        self._cursor.open(channel_id)
        if self.connected:
            self._send_subscribe(channel_id)

    def unsubscribe(self, channel_id):
        self._channels.discard(channel_id)
        self._cursor.close(channel_id)
        if self.connected:
            self._send({"type": "unsubscribe", "channel": channel_id})

    @property
    def subscriptions(self):
        return set(self._channels)

    @property
    def last_seq(self):
        return self._cursor.high

    async def wait_closed(self):
        """Wait until the connection ends for good: after close(), or raise the AgentHQError
        that made reconnecting pointless (e.g. a rotated key)."""
        if self._done is None:
            return
        error = await asyncio.shield(self._done)
        if error is not None:
            raise error

    async def close(self):
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.cancel()
            try:
                await runner
            except asyncio.CancelledError:
                pass
        await self.handlers.stop()  # after the final `disconnected` has been handled

    # The connection loop ------------------------------------------------------------------
    async def _run(self):
        attempt, refreshed = 0, False
        try:
            while True:
                code, reason, got_connected = await self._session()
                if got_connected:
                    attempt, refreshed = 0, False
                fatal = FATAL_CLOSES.get(code)
                if fatal == "UNAUTHORIZED" and not refreshed and self._client.can_refresh():
                    # An access token expired while we were away: refresh once and retry.
                    refreshed = True
                    try:
                        await self._client.refresh()
                        continue
                    except AgentHQError:
                        pass
                if fatal or not self._ready.done():
                    message = self._refusal or reason or f"connection closed ({code})"
                    error = AgentHQError(fatal or "CONNECTION_ERROR", message)
                    self._finish(error, code, reason)
                    return
                if got_connected:  # once per lost connection, not once per failed retry
                    self.handlers.emit("disconnected", {"code": code, "reason": reason, "reconnecting": True})
                delay = min(self.backoff_max, self.backoff_base * 2**attempt) * random.uniform(0.5, 1.0)
                attempt += 1
                await asyncio.sleep(delay)
        except asyncio.CancelledError:
            self._finish(None, 1000, "closed by client")
            raise

    def _finish(self, error, code, reason):
        self.connected = False
        if self._ws is not None:
            self._ws.close(1000)
            self._ws = None
        if not self._ready.done():
            self._ready.set_exception(error or AgentHQError("CONNECTION_ERROR", "closed before connecting"))
            self._ready.exception()  # retrieved here too, in case nobody awaits connect()
        elif self._done is not None and not self._done.done():
            self.handlers.emit("disconnected", {"code": code, "reason": reason, "reconnecting": False})
        if self._done is not None and not self._done.done():
            self._done.set_result(error)
        self._runner = None

    async def _session(self):
        """One connection, from open to close: (close code, reason, reached `connected`)."""
        try:
            ws = await websocket_connect(HTTPRequest(self._url(), connect_timeout=self.connect_timeout,
                                                     request_timeout=self.connect_timeout))
        except (OSError, HTTPClientError, WebSocketError, asyncio.TimeoutError) as error:
            return None, f"cannot reach {self._client.base_url}: {error}", False
        self._ws, got_connected, heartbeats = ws, False, None
        self._refusal = None
        loop = asyncio.get_running_loop()
        try:
            # The token goes in the first message, not the URL, so no proxy or log keeps it.
            self._send({"type": "auth", "token": self._client.credential})
            while True:
                raw = await ws.read_message()
                if raw is None:
                    return ws.close_code, ws.close_reason, got_connected
                self._last_heard = loop.time()
                frame = _parse(raw)
                if frame is None:
                    continue
                self._handle(frame)
                if frame["type"] == "connected":
                    got_connected = True
                    heartbeats = asyncio.create_task(self._heartbeats(ws))
        finally:
            self.connected = False
            self._ws = None
            if heartbeats is not None:
                heartbeats.cancel()
            ws.close()

    def _url(self):
        base = self._client.base_url
        url = ("wss" + base[5:] if base.startswith("https") else "ws" + base[4:]) + "/ws"
        since = self._cursor.since(ORG)
        return url + ("?" + urlencode({"since": since}) if since is not None else "")

    async def _heartbeats(self, ws):
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            if loop.time() - self._last_heard > SILENCE_LIMIT * self.heartbeat_interval:
                log.warning("no word from the hub for %.0fs: reconnecting", loop.time() - self._last_heard)
                ws.close(4000, "hub silent")
                return
            self._send({"type": "heartbeat"})

    # Frames -------------------------------------------------------------------------------
    def _handle(self, frame):
        kind, data = frame["type"], frame.get("data")
        if kind == "connected":
            self._on_connected(data or {})
        elif kind == "heartbeat_ack":
            pass
        elif kind == "error":
            error = {k: frame.get(k) for k in ("code", "message", "channel") if frame.get(k) is not None}
            if error.get("code") == "UNAUTHORIZED":
                self._refusal = error.get("message")  # says more than the close reason
            if error.get("channel") and error.get("code") in ("NOT_FOUND", "FORBIDDEN"):
                # The hub refused this subscription: stop asking for it on every reconnect.
                self._channels.discard(error["channel"])
                self._cursor.close(error["channel"])
            self.handlers.emit("error", error, frame)
        elif kind == "resync_required":
            channel = frame.get("channel") or (data or {}).get("channel")
            # The gap cannot be replayed (pruned, or from another database): go on from the
            # hub's newest seq, and let handlers reload what they show.
            self._cursor.reset(channel if channel else ORG, (data or {}).get("seq", self._session_seq))
            self.handlers.emit("resync_required", {**(data or {}), "channel": channel}, frame)
        elif kind in ("subscribed", "unsubscribed"):
            self.handlers.emit(kind, {"channel": frame.get("channel")}, frame)
        elif self._cursor.accept(frame):
            self.handlers.emit(kind, data, frame)

    def _on_connected(self, data):
        self.info = data
        self.heartbeat_interval = float(data.get("heartbeat_interval") or 30)
        self._session_seq = data.get("seq")
        if isinstance(self._session_seq, int):
            self._cursor.connected(self._session_seq)
        self.connected = True
        for channel_id in sorted(self._channels):
            self._send_subscribe(channel_id)
        self.handlers.emit("connected", data)
        if not self._ready.done():
            self._ready.set_result(data)

    def _send_subscribe(self, channel_id):
        frame = {"type": "subscribe", "channel": channel_id}
        since = self._cursor.since(channel_id)
        if since is not None:
            frame["since"] = since
        self._send(frame)

    def _send(self, frame):
        ws = self._ws
        if ws is None:
            return
        try:
            future = ws.write_message(json.dumps(frame))
        except WebSocketClosedError:
            return  # the reader sees the close and reconnects; subscriptions are re-sent then
        future.add_done_callback(lambda f: f.cancelled() or f.exception())


def _parse(raw):
    try:
        frame = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        return None
    return frame
