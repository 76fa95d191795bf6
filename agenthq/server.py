"""Start the hub, serve until SIGINT or SIGTERM, then stop cleanly: no new connections,
in-flight requests finish, sockets close with 1001, the database closes."""

import asyncio
import logging
import signal

import tornado.httpserver
import tornado.netutil

from .app import make_app

log = logging.getLogger("agenthq")

DRAIN_SECONDS = 10


async def serve(config, on_ready=None):
    app = make_app(config)
    hub = app.settings["hub"]
    server = tornado.httpserver.HTTPServer(app, xheaders=False, max_body_size=64 << 20)
    sockets = tornado.netutil.bind_sockets(config.port, config.host)
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    print(f"AgentHQ serving on http://{config.host}:{port} (database {config.db})", flush=True)
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
    hub.close()
    log.info("stopped")


def run(config):
    logging.basicConfig(level=config.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(serve(config))
