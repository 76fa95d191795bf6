"""`agenthq mcp --http`: the tools over MCP's streamable HTTP at /mcp, served by uvicorn in its
own process (the MCP SDK's transport is ASGI; the hub is Tornado and never hosts it).

Each request's `Authorization: Bearer` token is the identity: none → 401, one the hub refuses
→ 401 with the hub's code. Each MCP session (the `Mcp-Session-Id` header; a client of the
stateless 2026-07-28 protocol has none, so its token alone keys it) gets its own HubSession,
whose /ws is closed 10 minutes after the session's last request."""

import asyncio
import hashlib
import json
import logging
import sys
import time
from collections import OrderedDict

from ..client import AgentHQClient, AgentHQError
from .joining import redeem
from .server import build_server
from .session import HubSession
from .shapes import fail

log = logging.getLogger("agenthq.mcp")

IDLE = 600.0  # seconds after a session's last request before its /ws closes
REAP_EVERY = 30.0
VERIFIED_FOR = 60.0  # a token the hub accepted is trusted this long without asking again
VERIFIED_KEPT = 10000
SESSION_HEADER = "mcp-session-id"
REAPED_KEPT = 10000  # reaped session keys remembered, to say `missed` when one comes back


def bearer(headers):
    value = headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def session_key(token, session_id):
    # Keyed by a hash: the map never holds a usable credential as a key.
    return hashlib.sha256(token.encode()).hexdigest()[:32] + ":" + (session_id or "")


class HttpSessions:
    def __init__(self, url, default_channel="general", config_path=None, idle=IDLE):
        self.url, self.default_channel, self.config_path, self.idle = url, default_channel, config_path, idle
        self.sessions = {}  # session key -> HubSession
        self.reaped = OrderedDict()  # keys whose /ws was closed for idleness (its events are gone)
        self._verified = {}  # token hash -> time verified
        self._lock = asyncio.Lock()

    def _key(self, headers):
        token = bearer(headers or {})
        if token is None:
            raise fail("UNAUTHORIZED", "send Authorization: Bearer <key>")
        return token, session_key(token, (headers or {}).get(SESSION_HEADER))

    async def get(self, ctx):
        token, key = self._key(ctx.headers)
        async with self._lock:
            hub = self.sessions.get(key)
            if hub is None:
                hub = self.sessions[key] = HubSession(self.url, token, self.default_channel)
        hub.last_used = time.monotonic()
        try:
            await hub.start()
            if self.reaped.pop(key, None):
                hub.buffer.missed = True  # the events while no socket was open are not replayed
        except AgentHQError:
            if self.sessions.get(key) is hub:
                del self.sessions[key]
            await hub.close()
            raise
        return hub

    async def connect(self, ctx, invite_url, agent_name):
        """Over HTTP the new key is saved as a profile on the machine serving MCP, and this MCP
        session acts as the new agent from now on (its bearer token still admits it)."""
        _, key = self._key(ctx.headers)
        url, api_key, answer = await redeem(invite_url, agent_name, self.config_path)
        new = HubSession(url, api_key, self.default_channel)
        await new.start()
        old, self.sessions[key] = self.sessions.get(key), new
        if old is not None:
            await old.close()
        return answer

    async def verify(self, token):
        """None if the hub accepts the token, else the AgentHQError it answered."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        if time.monotonic() - self._verified.get(digest, -VERIFIED_FOR) < VERIFIED_FOR:
            return None
        client = AgentHQClient(self.url, api_key=token) if token.startswith("ahq_") else AgentHQClient(
            self.url, token=token)
        try:
            await client.me()
        except AgentHQError as error:
            return error
        finally:
            await client.close()
        now = time.monotonic()
        if len(self._verified) > VERIFIED_KEPT:  # access tokens change every 15 min: forget stale ones
            self._verified = {k: t for k, t in self._verified.items() if now - t < VERIFIED_FOR}
        self._verified[digest] = now
        return None

    def touch(self, token, session_id, delta):
        hub = self.sessions.get(session_key(token, session_id))
        if hub is not None:
            hub.busy += delta
            hub.last_used = time.monotonic()

    async def end(self, token, session_id):
        hub = self.sessions.pop(session_key(token, session_id), None)
        if hub is not None:
            await hub.close()

    async def reap(self):
        """Close the /ws of sessions idle past `idle` (none while a request, e.g. a long
        hub_wait, is in flight)."""
        now = time.monotonic()
        for key, hub in list(self.sessions.items()):
            if hub.busy <= 0 and now - hub.last_used > self.idle:
                self.sessions.pop(key, None)
                self.reaped[key] = True
                while len(self.reaped) > REAPED_KEPT:
                    self.reaped.popitem(last=False)
                await hub.close()

    async def close_all(self):
        for key in list(self.sessions):
            await self.sessions.pop(key).close()


class BearerGate:
    """ASGI middleware in front of the MCP app: refuse requests without a token the hub
    accepts, and keep each session's clock of last use."""

    def __init__(self, app, sessions, reap_every=REAP_EVERY):
        self.app, self.sessions, self.reap_every = app, sessions, reap_every
        self._reaper = None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self._reaper is None:
            self._reaper = asyncio.ensure_future(self._reap_loop())
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        token = bearer(headers)
        if token is None:
            return await _refuse(send, 401, "UNAUTHORIZED", "send Authorization: Bearer <an ahq_ key or access token>")
        error = await self.sessions.verify(token)
        if error is not None:
            status = 401 if error.status in (401, 403) else 502
            return await _refuse(send, status, error.code, error.message)
        session_id = headers.get(SESSION_HEADER)
        # A client keeps a GET open for the server's notifications all along: only POSTs (the
        # requests, e.g. a long hub_wait) keep a session from being idle.
        busy = 1 if scope.get("method") == "POST" else 0
        self.sessions.touch(token, session_id, busy)
        try:
            await self.app(scope, receive, send)
        finally:
            self.sessions.touch(token, session_id, -busy)
            if scope.get("method") == "DELETE" and session_id:
                await self.sessions.end(token, session_id)  # the client ended its MCP session

    async def _reap_loop(self):
        while True:
            await asyncio.sleep(self.reap_every)
            try:
                await self.sessions.reap()
            except Exception:
                log.exception("could not close idle MCP sessions")


async def _refuse(send, status, code, message):
    body = json.dumps({"success": False, "error": {"code": code, "message": message}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="agenthq"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def make_app(url, host="127.0.0.1", default_channel="general", config_path=None, idle=IDLE):
    sessions = HttpSessions(url, default_channel, config_path, idle)
    server = build_server(sessions)
    inner = server.streamable_http_app(streamable_http_path="/mcp", session_idle_timeout=idle, host=host)
    return BearerGate(inner, sessions, reap_every=min(REAP_EVERY, max(0.1, idle / 4))), sessions


def run(url, host="127.0.0.1", port=3001, default_channel="general", config_path=None, idle=IDLE):
    import uvicorn

    app, sessions = make_app(url, host, default_channel, config_path, idle)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on"))

    async def announce():
        while not server.started:
            await asyncio.sleep(0.05)
        bound = server.servers[0].sockets[0].getsockname()[1] if server.servers else port
        print(f"AgentHQ MCP serving on http://{host}:{bound}/mcp (hub {url})", flush=True)

    async def main():
        announcer = asyncio.ensure_future(announce())
        try:
            await server.serve()
        finally:
            announcer.cancel()
            await sessions.close_all()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(130)
