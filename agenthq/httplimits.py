"""The HTTP server with the limits production servers set (docs/security.md): header, body and
idle timeouts; a body cap per route, refused before the body is read; a cap on connections per
client address that have not authenticated; accept() paused, not spun, when out of file
descriptors; WebSocket upgrades admitted a few per loop turn, so that a connect storm cannot
hold the loop; RLIMIT_NOFILE raised at start."""

import asyncio
import collections
import errno
import json
import logging
import resource

import tornado.httpserver
import tornado.httputil
from tornado.ioloop import IOLoop

from .errors import PayloadTooLarge, RateLimited, error_body

log = logging.getLogger("agenthq")

# When accept() fails for want of descriptors, retrying at once spins the loop and floods the
# log; asyncio's own servers wait a second too.
ACCEPT_RETRY_SECONDS = 1.0
# Connections accepted per wake-up. Tornado takes 128; each costs a few hundred microseconds
# once its request is read (the next turn), so 128 at once made one long turn of a storm.
# Accepting stays ahead of what the hub serves at 32 a turn (several thousand a second),
# so the backlog, where a health check's connection would wait, stays short.
ACCEPT_BATCH = 32
# WebSocket upgrades started per loop turn. Starting one here only creates its handler: its
# work (Tornado's handler, the session's authentication, the `connected` frame: a few hundred
# microseconds each on a slow core) runs as a task in the next turn, so a count bounds that
# turn and a clock here could not. Everything else the loop has to do (a /health, a post, the
# frames of open sockets) waits at most one such batch besides its own work, however many
# sockets are opening; upgrades past it wait for the next turn, which comes at once when the
# loop has nothing else to do.
UPGRADES_PER_TURN = 16
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
        self.upgrades = _Admission(UPGRADES_PER_TURN)

    # Accepting -----------------------------------------------------------------------------

    def add_sockets(self, sockets):
        for sock in sockets:
            self._sockets[sock.fileno()] = sock
            self._handlers[sock.fileno()] = _Acceptor(sock, self._handle_connection).remove

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


class _Admission:
    """WebSocket upgrades waiting to start, in arrival order: each loop turn starts at most
    `per_turn` of them, then yields. A storm of sockets opening is served at much the same
    rate, in turns short enough that the loop keeps answering everyone else; nobody is
    refused, the last in line just waits a few turns longer."""

    def __init__(self, per_turn):
        self.per_turn = per_turn
        self.waiting = collections.deque()
        self.scheduled = False

    def add(self, start):
        self.waiting.append(start)
        if not self.scheduled:
            self.scheduled = True
            IOLoop.current().add_callback(self._turn)

    def _turn(self):
        waiting = self.waiting
        for _ in range(min(self.per_turn, len(waiting))):
            start = waiting.popleft()
            try:
                start()
            except Exception:  # one bad upgrade must not stall those behind it
                log.exception("error starting a WebSocket upgrade")
        if waiting:
            IOLoop.current().add_callback(self._turn)  # the next turn: after what is ready now
        else:
            self.scheduled = False


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


class _Acceptor:
    """Tornado's accept handler, plus what it lacks: on EMFILE/ENFILE (no descriptor left) it
    stops accepting for a second and logs once, instead of failing on every loop turn."""

    def __init__(self, sock, callback):
        self.sock, self.callback = sock, callback
        self.loop = IOLoop.current()
        self.removed = False
        self.paused = None
        self.loop.add_handler(sock, self._accept, IOLoop.READ)

    def _accept(self, fd, events):
        for _ in range(ACCEPT_BATCH):
            if self.removed or self.paused is not None:
                return
            try:
                connection, address = self.sock.accept()
            except BlockingIOError:
                return
            except ConnectionAbortedError:
                continue
            except OSError as error:
                if error.errno not in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    raise
                log.warning("out of file descriptors (%s): not accepting connections for %.0f s",
                            error.strerror, ACCEPT_RETRY_SECONDS)
                self.loop.remove_handler(self.sock)
                self.paused = self.loop.call_later(ACCEPT_RETRY_SECONDS, self._resume)
                return
            self.callback(connection, address)

    def _resume(self):
        self.paused = None
        if not self.removed:
            self.loop.add_handler(self.sock, self._accept, IOLoop.READ)

    def remove(self):
        if self.paused is not None:
            self.loop.remove_timeout(self.paused)
            self.paused = None
        elif not self.removed:
            self.loop.remove_handler(self.sock)
        self.removed = True


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
