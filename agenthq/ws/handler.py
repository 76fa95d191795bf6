"""The Tornado side of /ws: the upgrade, origins, pings, and the socket writes the session asks
for (through the fast path of agenthq/wireframe.py). Everything else is the session's."""

import logging
import sys

from tornado.httputil import HTTPHeaders
from tornado.iostream import StreamClosedError
from tornado.websocket import WebSocketHandler, WebSocketProtocol13, _WebSocketParams

from ..handler_settings import SharedObjects
from ..wireframe import queued_bytes, write_frame
from .protocol import connect_args
from .outbound import CLOSED, FULL, SENT
from .session import Session

log = logging.getLogger("agenthq.ws")

# Shared by every open socket in place of its request's and response's headers, which are
# never read again; nothing writes headers after the upgrade.
_NO_HEADERS = HTTPHeaders()


_SWITCHING = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Accept: %s\r\n\r\n")


class _Protocol(WebSocketProtocol13):
    """Tornado's protocol, answering the upgrade with one prebuilt write. Tornado's own answer
    goes through the handler's headers, finish(), flush() and the HTTP connection's header
    writer, and disables seven handler methods by instance attributes: a tenth of the CPU of
    each socket of a connect storm (bench/storm.py), for headers this hub never varies (no
    subprotocol is selected, no compression is offered, nothing else is set)."""

    async def _accept_connection(self, handler):
        accept = self._challenge_response(handler)
        handler.set_status(101)  # for the access log line
        stream = handler.detach()
        self.stream = stream
        try:
            stream.write(_SWITCHING % accept.encode())
        except StreamClosedError:  # the peer left while waiting for its turn
            self._abort()
            return
        handler._log()
        self.start_pinging()
        try:
            opened = handler.open(*handler.open_args, **handler.open_kwargs)
            if opened is not None:
                await opened
        except Exception:
            handler.log_exception(*sys.exc_info())
            self._abort()
            return
        await self._receive_frame_loop()


class SocketHandler(SharedObjects, WebSocketHandler):
    def initialize(self):
        self.session = Session(self.hub, self.rate_limits, self)

    def get_websocket_protocol(self):
        if self.request.headers.get("Sec-WebSocket-Version") != "13":
            return None  # answered 426 by Tornado
        params = _WebSocketParams(ping_interval=0, ping_timeout=0, max_message_size=self.max_message_size,
                                  compression_options=None)
        return _Protocol(self, False, params)

    def check_xsrf_cookie(self):
        """The socket authenticates with a token, never a cookie."""

    def check_origin(self, origin):
        """Browsers on another origin are refused unless configured; clients that send no
        Origin (SDKs, CLIs) never reach this check."""
        if origin in self.hub.config.ws_allowed_origins:
            return True
        return super().check_origin(origin)

    @property
    def ping_interval(self):
        """No ping task per socket (a task, a coroutine and a timer each, about 1 KB of every
        idle connection): the hub's upkeep pings every open socket each heartbeat interval
        (Upkeep.ping_all)."""
        return 0

    @property
    def ping_timeout(self):
        """No pong deadline of Tornado's own: by default it closes a peer that misses one
        interval's pong, with no close code. Liveness is the hub's idle sweep instead: any
        inbound frame counts, and 3 silent intervals close with 4002 (spec 6.3)."""
        return 0

    async def open(self):
        args = connect_args(self.request.query_arguments)
        self._shed()
        await self.session.open(args)

    def _shed(self):
        """The upgrade is answered (and logged): an open socket needs none of the request's
        headers, query or URI (which held the token) nor the response's headers. Dropped, they
        are about 1.5 KB of each of 10,000 idle connections."""
        request = self.request
        request.headers = _NO_HEADERS
        request.query_arguments = request.arguments = request.body_arguments = {}
        request.uri = request.path = request.query = ""
        self._headers = _NO_HEADERS
        self.ui = None  # per-handler template helpers (what Tornado's _break_cycles drops)

    async def on_message(self, message):
        await self.session.receive(message)

    def on_ping(self, data):
        self.session.touch()

    def on_pong(self, data):
        self.session.touch()

    def on_close(self):
        self.session.closed()

    def log_exception(self, typ, value, tb):
        """Tornado's own report prints the request URI, and a /ws URI may carry the token."""
        log.error("error on /ws connection %s", self.session.connection_id, exc_info=(typ, value, tb))

    # -- the connection the session writes to ---------------------------------------------------

    def queued(self):
        """Bytes handed to the socket's stream that the kernel has not taken yet."""
        return 0 if self.ws_connection is None else queued_bytes(self.ws_connection.stream)

    def send_frame(self, frame, cap):
        """Write a prebuilt frame unless more than `cap` bytes are queued already: the same
        bytes write_message would send, without a task and futures per message. One call per
        delivery, as this runs once per recipient of every event."""
        connection = self.ws_connection
        # is_closing() and queued_bytes() inlined: a call saved per recipient of every event.
        if connection is None or connection.client_terminated or connection.server_terminated:
            return CLOSED
        stream = connection.stream
        if stream._closed:
            return CLOSED
        queued = stream._total_write_index - stream._total_write_done_index
        if queued > cap:
            return FULL
        write_frame(stream, frame, queued)
        return SENT

    async def drain(self):
        """Wait until everything queued is sent; False if the socket closed meanwhile."""
        if self.ws_connection is None:
            return False
        try:
            await self.ws_connection.stream.write(b"")  # resolves once all queued is sent
        except StreamClosedError:
            return False
        return True


routes = [(r"/ws", SocketHandler)]
