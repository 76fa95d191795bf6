"""The HTTP server with the limits production servers set (docs/security.md): header, body and
idle timeouts; a body cap per route, refused before the body is read; a cap on connections per
client address that have not authenticated; RLIMIT_NOFILE raised at start. How fast new
connections are taken in (accept batches, upgrades per loop turn) is agenthq/intake.py."""

import asyncio
import collections
import json
import logging
import resource

import tornado.httpserver
import tornado.httputil

from .errors import PayloadTooLarge, RateLimited, error_body
from .intake import UPGRADES_PER_TURN, Acceptor, Admission

log = logging.getLogger("agenthq")

WS_PATH = "/ws"


def make_server(app, config):
    return LimitedHTTPServer(
        app,
        config=config,
        xheaders=False,
        # Tornado's "header timeout" runs from the end of one response to the end of the next
        # request's headers: the idle keep-alive wait. A new connection's first request has
        # the shorter header_timeout (Limits.watch).
        idle_connection_timeout=config.idle_timeout,
        body_timeout=config.body_timeout,
        # Twice the largest cap: Tornado checks a chunked body's declared size before the
        # guard has seen the bytes, and its own refusal is a bare 400 instead of our 413.
        max_body_size=2 * max(config.max_body_bytes, config.page_max_body),
    )


# Anyone may call these, before any check of who they are: their bodies (an email, a password,
# a token) are small, so nobody gets to make the hub read and parse 1 MiB for free. The small
# cap (64 KiB) still holds every body their schemas accept, even with each character \u-escaped.
_BEFORE_SIGN_IN = ("/api/v1/auth/login", "/api/v1/auth/register", "/api/v1/auth/refresh")


def body_limit(config, path):
    """The web page's forms and the sign-in routes take small bodies; the rest of the API,
    called with a token (and rate-limited per identity), takes up to max_body_bytes."""
    path = path.split("?", 1)[0].rstrip("/")
    if path.startswith("/api/") and path not in _BEFORE_SIGN_IN:
        return config.max_body_bytes
    return config.page_max_body


def authenticated(request):
    """Called once a request has proved who sent it: its connection no longer counts against
    its address's cap on unauthenticated connections."""
    connection = getattr(request.connection, "context", None)
    state = getattr(connection, "agenthq_limits", None)
    if state is not None:
        state.release()


class LimitedHTTPServer(tornado.httpserver.HTTPServer):
    def initialize(self, request_callback, config=None, **kwargs):
        super().initialize(request_callback, **kwargs)
        self.config = config
        self.unauthenticated = collections.Counter()  # address -> connections not yet authenticated
        self._states = {}  # IOStream -> _Connection
        self.upgrades = Admission(UPGRADES_PER_TURN)

    # Accepting -----------------------------------------------------------------------------

    def add_sockets(self, sockets):
        for sock in sockets:
            self._sockets[sock.fileno()] = sock
            self._handlers[sock.fileno()] = Acceptor(sock, self._handle_connection).remove

    def handle_stream(self, stream, address):
        host = address[0] if isinstance(address, tuple) and address else str(address)
        cap = self.config.max_unauthenticated
        if cap and self.unauthenticated[host] >= cap:
            _refuse(stream)
            return
        state = _Connection(self, host, stream)
        self._states[stream] = state
        super().handle_stream(stream, address)

    def on_close(self, server_conn):
        super().on_close(server_conn)
        state = self._states.pop(server_conn.stream, None)
        if state is not None:
            state.release()
            state.cancel_timer()

    def start_request(self, server_conn, request_conn):
        delegate = super().start_request(server_conn, request_conn)
        state = self._states.get(server_conn.stream)
        request_conn.context.agenthq_limits = state
        return _BodyGuard(delegate, request_conn, self.config, state, self.upgrades)


class _Connection:
    """One TCP connection: counted against its address until it authenticates or closes, and
    closed if its first request's headers take longer than header_timeout (slowloris)."""

    def __init__(self, server, host, stream):
        self.server, self.host = server, host
        self.counted = True
        server.unauthenticated[host] += 1
        # asyncio's own timer: Tornado's call_later wraps it in two more calls and a partial,
        # once per connection, and a storm opens thousands.
        self.timer = asyncio.get_running_loop().call_later(server.config.header_timeout, stream.close)

    def release(self):
        if self.counted:
            self.counted = False
            counts = self.server.unauthenticated
            counts[self.host] -= 1
            if counts[self.host] <= 0:
                del counts[self.host]

    def cancel_timer(self):
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


class _BodyGuard(tornado.httputil.HTTPMessageDelegate):
    """Sits between Tornado's connection and the application: refuses a body over its route's
    cap with 413 as soon as the cap is known to be passed (from Content-Length, or as a chunked
    body streams in), so no route buffers more than its cap."""

    def __init__(self, delegate, connection, config, state, upgrades):
        self.delegate, self.connection, self.config, self.state = delegate, connection, config, state
        self.upgrades = upgrades
        self.limit = None
        self.received = 0
        self.refused = False
        self.upgrade = False  # a /ws request: its handler starts when _Admission says
        self.gone = False

    def headers_received(self, start_line, headers):
        if self.state is not None:
            self.state.cancel_timer()
        self.limit = body_limit(self.config, start_line.path)
        self.upgrade = start_line.path.split("?", 1)[0] == WS_PATH
        length = headers.get("Content-Length", "")
        declared = int(length) if length.isdigit() else 0
        if declared > self.limit:
            # Tornado would refuse a length over its own maximum with a 400 after our answer.
            self.connection.set_max_body_size(declared)
            self._refuse()
            return None
        return self.delegate.headers_received(start_line, headers)

    def data_received(self, chunk):
        if self.refused:
            return None
        self.received += len(chunk)
        if self.received > self.limit:
            self._refuse()
            self.delegate.on_connection_close()  # the handler, if any, stops waiting for the body
            return None
        return self.delegate.data_received(chunk)

    def finish(self):
        if self.refused:
            return
        if self.upgrade:
            # Waiting in line is the socket's time, not the address's: a fleet behind one NAT
            # opening hundreds of sockets at once must not meet the cap because the hub made
            # them wait (a WebSocket has its own auth timeout once open).
            if self.state is not None:
                self.state.release()
            self.upgrades.add(self._start)
            return
        self.delegate.finish()

    def _start(self):
        if not self.gone:
            self.delegate.finish()

    def on_connection_close(self):
        self.gone = True
        if not self.refused:
            self.delegate.on_connection_close()

    def _refuse(self):
        """Answer 413 and close: Tornado drops the rest of the body and closes the connection
        once the answer is written, because the request was not read to its end."""
        self.refused = True
        body = json.dumps(error_body(PayloadTooLarge())).encode()
        self.connection.write_headers(
            tornado.httputil.ResponseStartLine("HTTP/1.1", 413, "Payload Too Large"),
            tornado.httputil.HTTPHeaders({
                "Content-Type": "application/json; charset=UTF-8",
                "Content-Length": str(len(body)),
                "Connection": "close",
            }),
            body,
        )
        self.connection.finish()


def _refuse(stream):
    """Too many unauthenticated connections from this address: say so and close, before
    reading anything, so the refusal costs a descriptor for one write."""
    error = RateLimited(1, "Too many connections from this address")
    body = json.dumps(error_body(error)).encode()
    head = (
        "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json; charset=UTF-8\r\n"
        f"Retry-After: 1\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    def close(written):
        if not written.cancelled():
            written.exception()  # the peer may have gone already: nothing to report
        stream.close()

    try:
        stream.write(head + body).add_done_callback(close)
    except Exception:  # the peer is already gone
        stream.close()


def raise_open_files_limit():
    """Every connection is a descriptor: take all the kernel allows this process (soft limit
    up to the hard one), and say what that is, since it caps the connections the hub can hold."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):  # e.g. an unlimited hard limit the kernel will not grant
            pass
    now = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    shown = "unlimited" if now == resource.RLIM_INFINITY else str(now)
    log.info("open files limit: %s (was %s; the hard limit caps connections)", shown,
             "unlimited" if soft == resource.RLIM_INFINITY else soft)
    return now
