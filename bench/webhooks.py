"""Outgoing webhook deliveries per second to a local receiver, on one hub process.

    python bench/webhooks.py [--posts 600]

Starts a hub (its own process, AGENTHQ_WEBHOOK_ALLOW_PRIVATE=1) and a threaded receiver,
creates one webhook for post.created, writes the posts first, then times how long the
dispatcher takes to hand all of them to the receiver, in order. Prints the figure."""

import argparse
import http.server
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agenthq.client import SyncClient  # noqa: E402
from tests.support import HubProcess  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=600)
    args = parser.parse_args()
    received, done = [], threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body)["seq"])
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            if len(received) >= args.posts:
                done.set()

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as folder, HubProcess(
        Path(folder) / "bench.db", env={"AGENTHQ_WEBHOOK_ALLOW_PRIVATE": "1", "AGENTHQ_REST_RATE": "0"}
    ) as hub, SyncClient(hub.url) as owner:
        owner.register("Bench", "bench", "owner@bench.test", "bench-password", "Owner")
        general = owner.channel_id("general")
        hook = owner.create_webhook(f"http://127.0.0.1:{server.server_address[1]}/in", ["post.created"])
        # Timed from the first post to the last delivery: the posts are written by this one
        # client while the dispatcher delivers, so the figure is a floor for delivery alone.
        start = time.monotonic()
        for n in range(args.posts):
            owner.create_post(general, f"bench {n}")
        stored = time.monotonic() - start
        done.wait(300)
        seconds = time.monotonic() - start
        in_order = received == sorted(received)
    server.shutdown()
    print(f"webhook deliveries: {len(received)}/{args.posts} in {seconds:.2f} s = {len(received) / seconds:.0f}/s "
          f"(posts stored in {stored:.2f} s; in order: {in_order}; webhook {hook['id']})")


if __name__ == "__main__":
    main()
