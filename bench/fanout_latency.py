"""Publish-to-receive latency: posts go in through the REST API at a fixed rate, each carrying
its send time (CLOCK_MONOTONIC); N WebSocket subscribers of the channel, held by the C load
client (bench/wsload.c) on the other core, note when each arrives. `busy=True` adds what a
working hub also does meanwhile: N agents (one key each, so the channel has N members), 10
outgoing webhooks on post.created (one of them a receiver that accepts and never answers) and
an `@channel` post every 10 s, whose N notifications go out with the posts.

Usage: python bench/fanout_latency.py --subscribers 1000 --rate 20 --posts 200 [--busy]"""

import argparse
import http.client
import http.server
import itertools
import json
import socket
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from hubproc import WS_LOAD_ENV, Hub, cores  # noqa: E402
from loadclient import LoadClient  # noqa: E402

SHOUT_EVERY = 10.0  # seconds between @channel posts in the busy run
WEBHOOKS = 10


class Receivers:
    """A threaded webhook receiver answering 200 and a dead one: a listening socket nobody
    accepts from, so deliveries to it hang until the hub's timeout."""

    def __init__(self):
        self.received = 0

        receivers = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                receivers.received += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.dead = socket.socket()
        self.dead.bind(("127.0.0.1", 0))
        self.dead.listen(1)

    def urls(self, count):
        live = f"http://127.0.0.1:{self.server.server_address[1]}/in"
        return [live] * (count - 1) + [f"http://127.0.0.1:{self.dead.getsockname()[1]}/in"]

    def close(self):
        self.server.shutdown()
        self.dead.close()


def run(subscriber_count, rate, posts, busy=False, hub_core=0, client_core=1, root=None):
    """One run: a dict with the client's p50/p90/p99/max (seconds), received/expected, its CPU
    seconds, and the hub's CPU share over the run. root: another checkout's hub (an A/B run of
    two trees in one sitting); the cores let a shared machine's busy core be avoided."""
    env = dict(WS_LOAD_ENV)
    receivers = None
    if busy:
        env.update(AGENTHQ_WEBHOOK_ALLOW_PRIVATE="1", AGENTHQ_WEBHOOK_TIMEOUT="5")
    with Hub(core=hub_core, env=env, **({"root": root} if root else {})) as hub:
        owner, key, general = hub.setup_org()
        tokens = [key]
        if busy:
            tokens += [hub.call("POST", "/api/v1/auth/agents/register", {"name": f"member-{n}"}, owner)["apiKey"]
                       for n in range(subscriber_count - 1)]
            receivers = Receivers()
            for url in receivers.urls(WEBHOOKS):
                hub.call("POST", "/api/v1/webhooks", {"url": url, "events": ["post.created"]}, owner)
        try:
            with LoadClient("latency", hub.port, general, tokens, subscriber_count, posts,
                            core=client_core) as client:
                client.wait_ready()
                settled = hub.wait_quiet()
                connection = http.client.HTTPConnection("127.0.0.1", hub.port)
                headers = {"Content-Type": "application/json"}

                def post(token, content):
                    connection.request("POST", "/api/v1/posts", body=json.dumps({"channel_id": general, "content": content}),
                                       headers={**headers, "Authorization": f"Bearer {token}"})
                    response = connection.getresponse()
                    response.read()
                    if response.status != 201:
                        raise RuntimeError(f"POST /posts answered {response.status}")

                cpu0, started = hub.cpu_seconds(), time.monotonic()
                interval, next_at = 1.0 / rate, time.monotonic()
                next_shout, shouts = (started + SHOUT_EVERY / 2 if busy else float("inf")), 0
                for _ in range(posts):
                    next_at += interval
                    post(key, f"sent {time.monotonic():.6f}")
                    if time.monotonic() >= next_shout:
                        post(owner, f"shout {shouts} @channel the release is at noon")
                        shouts += 1
                        next_shout += SHOUT_EVERY
                    time.sleep(max(0.0, next_at - time.monotonic()))
                client.say("end")
                result = client.result()
                result["hub_share"] = (hub.cpu_seconds() - cpu0) / (time.monotonic() - started)
                result["shouts"] = shouts
                result["settled"] = settled
            if receivers:  # the dispatcher gathers events for up to 0.2 s: let the last round land
                owed, deadline = (WEBHOOKS - 1) * (posts + shouts), time.monotonic() + 5
                while receivers.received < owed and time.monotonic() < deadline:
                    time.sleep(0.05)
        finally:
            if receivers:
                result_received = receivers.received
                receivers.close()
    if receivers:
        result["webhook_deliveries"] = result_received
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, nargs="+", default=[1000])
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--busy", action="store_true", help="10 webhooks (one dead) and an @channel every 10 s")
    parser.add_argument("--hub-core", type=int, default=0)
    parser.add_argument("--client-core", type=int, default=1)
    parser.add_argument("--root", nargs="+", default=[None],
                        help="checkouts to run in turn (A/B in one sitting; default: this one)")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    print(f"cores: {cores()}  rate: {args.rate}/s  posts: {args.posts}  busy: {args.busy}")
    # Runs interleave the checkouts, so a change of the machine's load touches both alike.
    for count, _, root in itertools.product(args.subscribers, range(args.runs), args.root):
        r = run(count, args.rate, args.posts, args.busy, args.hub_core, args.client_core, root)
        load = open("/proc/loadavg").read().split()[0]
        print(f"{root or '.'}  load {load}  {count:5} subscribers: {r['received']}/{r['expected']} deliveries"
              f"  p50 {r['p50'] * 1000:7.2f} ms  p99 {r['p99'] * 1000:7.2f} ms  max {r['max'] * 1000:7.1f} ms"
              f"  hub cpu {r['hub_share']:.0%}, client {r['cpu'] / r['seconds']:.0%}"
              + (f"  @channel posts {r['shouts']}, webhook deliveries {r['webhook_deliveries']}" if args.busy else ""),
              flush=True)

if __name__ == "__main__":
    main()
