"""Connect storm: N clients open /ws with an agent key, wait for `connected`, subscribe to a
channel and wait for `subscribed` (as every agent does after a hub restart), at most 256
handshakes in flight; the hub against the Node `ws` reference with the same C client, rounds
interleaved. While the hub takes the storm, this process times GET /health every 20 ms twice
over: on one keep-alive connection (the loop's turn length) and on a new connection per probe,
as a load balancer's or Kubernetes' HTTP health check does (that also waits to be accepted).
The probes go on after the storm while the client exits and its 10,000 sockets close at once
(as when a network between agents and hub fails), until the hub is idle: reported apart.
Server CPU is counted up to the storm's end, for hub and Node alike.

Usage: python bench/storm.py [--clients 10000] [--keys 200] [--runs 3]"""

import argparse
import http.client
import statistics
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from fanout_throughput import NODE_CHANNEL, NODE_TOKEN, NodeServer  # noqa: E402
from hubproc import WS_LOAD_ENV, Hub, cores, percentile  # noqa: E402
from loadclient import LoadClient  # noqa: E402

IN_FLIGHT = 256


class HealthProbe(threading.Thread):
    """GET /health every `every` seconds until stopped: on one keep-alive connection, or with
    `fresh` on a new connection each time (connect included in the time, Connection: close)."""

    def __init__(self, port, every=0.02, fresh=False):
        super().__init__(daemon=True)
        self.port, self.every, self.fresh = port, every, fresh
        self.times, self.failures, self.errors = [], 0, []
        self.started = []  # perf_counter at each probe's start, beside its time
        self.done = threading.Event()

    def run(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Connection": "close"} if self.fresh else {}
        while not self.done.is_set():
            started = time.perf_counter()
            try:
                connection.request("GET", "/health", headers=headers)
                connection.getresponse().read()
                self.times.append(time.perf_counter() - started)
                self.started.append(started)
            except (OSError, http.client.HTTPException) as error:
                self.failures += 1
                self.errors.append(repr(error))
                connection.close()
            if self.fresh:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            self.done.wait(self.every)

    def stop(self):
        self.done.set()
        self.join(15)

    def split(self, moment):
        """(times of probes started before moment, times of those started after)."""
        before = [t for s, t in zip(self.started, self.times) if s < moment]
        return before, [t for s, t in zip(self.started, self.times) if s >= moment]


def agent_keys(hub, token, count):
    return [hub.call("POST", "/api/v1/auth/agents/register", {"name": f"storm-{n}"}, token)["apiKey"]
            for n in range(count)]


def one_round(target, clients, keys):
    if target == "hub":
        with Hub(core=0, env=WS_LOAD_ENV) as hub:
            token, key, general = hub.setup_org()
            tokens = [key, *agent_keys(hub, token, keys - 1)]
            probe, fresh = HealthProbe(hub.port), HealthProbe(hub.port, fresh=True)
            probe.start()
            fresh.start()
            cpu0 = hub.cpu_seconds()
            with LoadClient("storm", hub.port, general, tokens, clients, concurrency=IN_FLIGHT) as client:
                result = client.result()
                result["server_cpu"] = hub.cpu_seconds() - cpu0
                stormed = time.perf_counter()
            hub.wait_quiet(limit=60)  # the client's sockets all closed and handled
            probe.stop()
            fresh.stop()
            for name, prober in (("health", probe), ("health_fresh", fresh)):
                during, closing = prober.split(stormed)
                result[f"{name}_p99"] = percentile(during, 0.99)
                result[f"{name}_max"] = max(during, default=float("nan"))
                result[f"{name}_close_max"] = max(closing, default=float("nan"))
                result[f"{name}_failures"] = prober.failures
    else:
        node = NodeServer()
        try:
            cpu0 = node.cpu_seconds()
            with LoadClient("storm", node.port, NODE_CHANNEL, [NODE_TOKEN], clients, concurrency=IN_FLIGHT) as client:
                result = client.result()
                result["server_cpu"] = node.cpu_seconds() - cpu0
        finally:
            node.stop()
    result["rate"] = result["subscribed"] / result["seconds"]
    result["client_share"] = result["cpu"] / result["seconds"]
    result["server_share"] = result["server_cpu"] / result["seconds"]
    return result


def measure(clients, runs, keys=200):
    """{"hub": [results], "node": [results]}, rounds interleaved."""
    table = {"hub": [], "node": []}
    for _ in range(runs):
        for target in ("hub", "node"):
            table[target].append(one_round(target, clients, keys))
    return table


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    table = measure(args.clients, args.runs, args.keys)
    print(f"cores: {cores()}  clients: {args.clients}  keys: {args.keys}  runs: {args.runs}")
    for target, results in table.items():
        print(f"{target}: " + "; ".join(
            f"{r['rate']:,.0f}/s ({r['seconds']:.1f} s, {r['failed']} failed, server cpu {r['server_share']:.0%}, "
            f"client {r['client_share']:.0%}" + (f", /health p99 {r['health_p99'] * 1000:.0f} ms" if target == "hub" else "")
            + (f", new connection {r['health_fresh_p99'] * 1000:.0f} ms" if target == "hub" else "")
            + ")" for r in results))
    ratios = [h["rate"] / n["rate"] for h, n in zip(table["hub"], table["node"])]
    print(f"hub/node: {statistics.median(ratios):.2f}x [{min(ratios):.2f}-{max(ratios):.2f}]")
    per_cpu = [(h["subscribed"] / h["server_cpu"]) / (n["subscribed"] / n["server_cpu"])
               for h, n in zip(table["hub"], table["node"])]
    print(f"hub/node per server CPU-second: {statistics.median(per_cpu):.2f}x [{min(per_cpu):.2f}-{max(per_cpu):.2f}]")
    for key, label in (("health_p99", "p99 during the storm, keep-alive"),
                       ("health_fresh_p99", "p99 during the storm, new connection"),
                       ("health_close_max", "max while the clients close, keep-alive"),
                       ("health_fresh_close_max", "max while the clients close, new connection")):
        values = [r[key] * 1000 for r in table["hub"]]
        print(f"/health {label}: median {statistics.median(values):.0f} ms [{min(values):.0f}-{max(values):.0f}]")


if __name__ == "__main__":
    main()
