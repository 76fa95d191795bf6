"""How fast the HTTP server takes new connections in, so that a connect storm (a fleet of
agents reconnecting after a restart) cannot hold the event loop: accept() in small batches,
and paused, not spun, when out of file descriptors; WebSocket upgrades started a few per loop
turn, in arrival order. Nobody is refused for a storm: the last in line waits a few turns."""

import collections
import errno
import logging

from tornado.ioloop import IOLoop

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


class Admission:
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


class Acceptor:
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
