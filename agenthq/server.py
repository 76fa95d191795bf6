"""Start the hub, serve until SIGINT or SIGTERM, then stop cleanly: no new connections,
in-flight requests finish, sockets close with 1001, the database closes."""

import asyncio
import gc
import logging
import math
import os
import selectors
import signal
import sys
import time

import tornado.netutil

from .app import make_app
from .httplimits import make_server, raise_open_files_limit

log = logging.getLogger("agenthq")

DRAIN_SECONDS = 10
# Python's cyclic collector runs a young collection every 700 net new objects and a full one
# each time the heap grows by a quarter: while 10,000 sockets open, that was a dozen full passes
# over the growing heap, up to half a second each with the loop stopped, and ~40 % of the CPU
# (bench/storm.py). Here the youngest generation is collected every 10,000 new objects (a few
# ms), the middle one every 3 of those (it stays under ~40,000 objects: ~30 ms), and a full
# pass needs 100 middle ones besides the quarter rule, so a storm of 10,000 sockets sees none
# or one. Garbage in cycles waits longer for a full pass: memory, for the loop's latency.
GC_THRESHOLDS = (10_000, 3, 100)
# Connections the kernel completes before the hub accepts them. Tornado's 128 overflowed while
# a fleet of agents reconnected, and past it the kernel drops SYNs: a client (or a health
# check) then waits for its SYN's retransmission, 1 s and more. The kernel caps it at
# net.core.somaxconn.
LISTEN_BACKLOG = 1024
# Ready sockets taken from epoll per loop turn. asyncio takes them all: when 10,000 clients
# dropped at once (a network failure), one turn ran 10,000 closes (~0.5 s here) before anyone
# else was answered. Epoll is level-triggered, so those past the cap come in the next turns,
# in the order the kernel keeps.
EVENTS_PER_TURN = 256


class _CappedEpoll(selectors.EpollSelector):
    """selectors.EpollSelector.select with at most EVENTS_PER_TURN events per call."""

    def select(self, timeout=None):
        if timeout is None:
            timeout = -1
        elif timeout <= 0:
            timeout = 0
        else:
            timeout = math.ceil(timeout * 1e3) * 1e-3  # as the standard one: never wake early
        ready = []
        try:
            events = self._selector.poll(timeout, min(max(len(self._fd_to_key), 1), EVENTS_PER_TURN))
        except InterruptedError:
            return ready
        for fd, event in events:
            key = self._key_from_fd(fd)
            if key:
                mask = (selectors.EVENT_WRITE if event & ~self._EVENT_READ else 0) | (
                    selectors.EVENT_READ if event & ~self._EVENT_WRITE else 0)
                ready.append((key, mask & key.events))
        return ready


def _new_loop():
    if hasattr(selectors, "EpollSelector"):
        return asyncio.SelectorEventLoop(_CappedEpoll())
    return asyncio.new_event_loop()  # not Linux: the standard loop, uncapped


def _run_serving(coroutine):
    with asyncio.Runner(loop_factory=_new_loop) as runner:
        runner.run(coroutine)


async def serve(config, on_ready=None, sockets=None):
    """Serve until SIGINT or SIGTERM. With sockets (bound by the parent of --workers) this is
    one worker of several, and the parent has announced the port."""
    # A thread that holds the interpreter (parsing a JSON body) gives it up to the event loop
    # after 1 ms instead of 5: the loop's latency under load, for a little switching overhead.
    sys.setswitchinterval(0.001)
    app = make_app(config)
    hub = app.settings["hub"]
    await hub.start()
    _tune_gc()
    server = make_server(app, config)
    announce = sockets is None
    sockets = sockets or tornado.netutil.bind_sockets(config.port, config.host, backlog=LISTEN_BACKLOG)
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    if announce:
        print(f"AgentHQ serving on http://{config.host}:{port} (database {_shown(config.db)})", flush=True)
    if on_ready:
        on_ready(port)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()

    log.info("shutting down")
    server.stop()
    await hub.shutdown(DRAIN_SECONDS)
    await server.close_all_connections()
    await hub.stop()
    hub.close()
    log.info("stopped")


def _tune_gc():
    """What exists once the hub has started (modules, the app, its routes: most of a fresh
    process's objects) lives as long as the process: frozen out of every later collection,
    which then scans only what requests and sockets made."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def _shown(db):
    """The database for the log line, without a password in its URL."""
    scheme, sep, rest = db.partition("://")
    if sep and "@" in rest:
        credentials, _, host = rest.rpartition("@")
        return f"{scheme}://{credentials.split(':')[0]}@{host}"
    return db


def run(config, on_ready=None):
    logging.basicConfig(level=config.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    raise_open_files_limit()
    if config.workers <= 1:
        _run_serving(serve(config, on_ready))
        return
    from .cluster import scale_out_problem  # with the scale-out drivers (agenthq[scale]) only

    problem = scale_out_problem(config)
    if problem:
        raise SystemExit(problem)
    # Bound once, before forking: every worker accepts on the same listening socket and the
    # kernel hands each new connection to one of them.
    sockets = tornado.netutil.bind_sockets(config.port, config.host, backlog=LISTEN_BACKLOG)
    port = sockets[0].getsockname()[1]
    print(f"AgentHQ serving on http://{config.host}:{port} with {config.workers} workers "
          f"(database {_shown(config.db)})", flush=True)
    _fork_workers(config.workers)
    _run_serving(serve(config, sockets=sockets))


def _fork_workers(count):
    """Start `count` worker processes and return in each of them. The parent never returns:
    it passes SIGTERM / SIGINT on to the workers, waits for them to stop and exits; a worker
    that dies unasked (a crash, the OOM killer) is replaced, unless workers keep dying at
    start (Redis or PostgreSQL unreachable, a bad URL): then everything stops. Forking
    happens before any thread, event loop or database connection exists."""
    children = {}
    started_at = {}
    stopping = False
    quick_deaths = 0

    def start(index):
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            return True
        children[pid] = index
        started_at[pid] = time.monotonic()
        return False

    for index in range(count):
        if start(index):
            return

    def stop(signum, frame):
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        index = children.pop(pid, None)
        if index is None or stopping:
            continue
        quick_deaths = quick_deaths + 1 if time.monotonic() - started_at.pop(pid) < 15 else 0
        if quick_deaths >= 3:
            log.error("workers keep exiting at start (see above); stopping")
            stop(None, None)
            for child in list(children):
                os.waitpid(child, 0)
            raise SystemExit(1)
        log.warning("worker %d (pid %d) exited with status %d; starting another", index, pid,
                    os.waitstatus_to_exitcode(status))
        time.sleep(0.5)  # a worker that dies at once must not turn this into a fork loop
        if start(index):
            return
    raise SystemExit(0)
