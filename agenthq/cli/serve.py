"""`agenthq serve` and `python run.py`: the same flags (config.build_parser), plus --demo
(a demo organization in its own database) and --open (the page in the desktop's browser)."""

import asyncio
import logging
import webbrowser

from ..config import Config

log = logging.getLogger("agenthq")


def main(argv=None, defaults=None):
    config, args = Config.from_args(argv, defaults=defaults)
    if args.demo:
        from ..demo import run_demo  # only the demo needs the SDK

        run_demo(config, db_flag_given=args.db is not None, open_browser=args.open)
    else:
        from ..server import run

        run(config, on_ready=_opener(config) if args.open else None)
    return 0


def _opener(config):
    def on_ready(port):
        host = "127.0.0.1" if config.host in ("0.0.0.0", "::", "") else config.host
        url = f"http://{host}:{port}/"
        # webbrowser may wait for the browser's launcher: not on the loop.
        future = asyncio.get_running_loop().run_in_executor(None, webbrowser.open, url)
        future.add_done_callback(lambda done: done.result() or log.warning("could not open a browser; open %s", url))

    return on_ready
