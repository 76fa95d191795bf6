"""REST throughput: POST /posts and GET /posts?channel_id=&limit=50 with N concurrent keep-alive
clients (one request in flight per connection, no pipelining). The load generator is a lean
asyncio Protocol in a separate process on the other core that parses responses by their
headers alone, and reports its own CPU share.

Usage: python bench/rest_throughput.py [--clients 16] [--requests 5000]"""

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from benchutil import cpu_now, run_child  # noqa: E402
from hubproc import Hub, cores, percentile  # noqa: E402

CONTENT = "benchmark post " * 8


def post_request(key, channel, content=CONTENT):
    body = json.dumps({"channel_id": channel, "content": content, "type": "update"}).encode()
    return (f"POST /api/v1/posts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


def get_request(key, channel):
    return (f"GET /api/v1/posts?channel_id={channel}&limit=50 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {key}\r\n\r\n").encode()


class KeepAlive(asyncio.Protocol):
    """One connection sending `request` again as soon as the previous answer is complete."""

    def __init__(self, request, shared):
        self.request, self.shared = request, shared
        self.buffer = bytearray()
        self.need = None  # total bytes of the response being read, once its head is in

    def connection_made(self, transport):
        self.transport = transport

    def send(self):
        shared = self.shared
        if shared["left"] <= 0:
            if not shared["done"].done() and shared["inflight"] == 0:
                shared["done"].set_result(None)
            return
        shared["left"] -= 1
        shared["inflight"] += 1
        self.sent = time.perf_counter()
        self.transport.write(self.request)

    def data_received(self, data):
        buffer = self.buffer
        buffer += data
        while True:
            if self.need is None:
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = bytes(buffer[:end]).lower()
                at = head.find(b"content-length:")
                stop = head.find(b"\r\n", at)
                length = int(head[at + 15:stop if stop > 0 else len(head)])
                if not (head.startswith(b"http/1.1 200") or head.startswith(b"http/1.1 201")):
                    self.shared["errors"] += 1
                    self.shared["last_error"] = head[:60].decode(errors="replace")
                self.need = end + 4 + length
            if len(buffer) < self.need:
                return
            del buffer[:self.need]
            self.need = None
            now = time.perf_counter()
            shared = self.shared
            shared["latencies"].append(now - self.sent)
            shared["last"] = now
            shared["inflight"] -= 1
            self.send()

    def connection_lost(self, exc):
        if not self.shared["done"].done():
            self.shared["done"].set_exception(ConnectionError(f"connection lost: {exc}"))


async def load(port, request, requests, clients):
    """Send `requests` copies of `request` over `clients` keep-alive connections; return stats."""
    loop = asyncio.get_running_loop()
    shared = {"left": requests, "inflight": 0, "latencies": [], "errors": 0, "last": 0.0,
              "done": loop.create_future()}
    connections = []
    for _ in range(clients):
        _, protocol = await loop.create_connection(lambda: KeepAlive(request, shared), "127.0.0.1", port)
        connections.append(protocol)
    cpu0 = cpu_now()
    start = time.perf_counter()
    for connection in connections:
        connection.send()
    await asyncio.wait_for(shared["done"], 300)
    elapsed = shared["last"] - start
    cpu = cpu_now() - cpu0
    for connection in connections:
        connection.transport.close()
    latencies = shared["latencies"]
    return {"requests": len(latencies), "seconds": elapsed, "rate": len(latencies) / elapsed,
            "p50": percentile(latencies, 0.50), "p99": percentile(latencies, 0.99),
            "errors": shared["errors"], "last_error": shared.get("last_error"),
            "generator_cpu": cpu, "generator_share": cpu / elapsed}


def child(port, key, channel, kind, requests, clients):
    request = post_request(key, channel) if kind == "post" else get_request(key, channel)
    return asyncio.run(load(port, request, requests, clients))


def create_posts(hub, key, channel, count, clients=16):
    """Create `count` posts quickly through the REST API (the generator on the other core)."""
    result = run_child(__file__, [hub.port, key, channel, "post", count, clients])
    if result["errors"]:
        raise RuntimeError(f"{result['errors']} failed posts: {result['last_error']}")
    return result


def measure(requests=5000, clients=16, warmup=300):
    """One fresh hub: GET throughput over a channel of exactly 50 posts (the goal's setting),
    then POST throughput, then GET again over the channel the POSTs grew ("get_grown")."""
    results = {}
    with Hub(core=0) as hub:
        _, key, general = hub.setup_org()
        create_posts(hub, key, general, 50)
        for kind, name in (("get", "get"), ("post", "post"), ("get", "get_grown")):
            run_child(__file__, [hub.port, key, general, kind, warmup, clients])  # warm caches
            cpu0 = hub.cpu_seconds()
            result = run_child(__file__, [hub.port, key, general, kind, requests, clients])
            result["hub_share"] = (hub.cpu_seconds() - cpu0) / result["seconds"]
            results[name] = result
        results["get_grown"]["posts_in_channel"] = 50 + warmup + requests
    return results


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        port, key, channel, kind, requests, clients = sys.argv[2:8]
        print(json.dumps(child(int(port), key, channel, kind, int(requests), int(clients))), flush=True)
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args()
    results = measure(args.requests, args.clients)
    print(f"cores: {cores()}  clients: {args.clients}  requests: {args.requests}")
    for kind, r in results.items():
        print(f"{kind.upper():9} {r['rate']:8,.0f} req/s  p50 {r['p50'] * 1000:6.2f} ms  p99 {r['p99'] * 1000:6.2f} ms"
              f"  errors {r['errors']}  generator CPU {r['generator_share']:.0%}  hub CPU {r['hub_share']:.0%}")


if __name__ == "__main__":
    main()
