"""Fan-out throughput: deliveries per second from one channel to N subscribers, posts sent
through the REST API, for the hub and for the Node `ws` reference server, same message size
and count, interleaved in the same run. The load (subscribers and 4 keep-alive posters) is the
C client bench/wsload.c on the other core; its CPU share is reported beside the server's.

Usage: python bench/fanout_throughput.py --subscribers 1000 5000 --runs 3"""

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from hubproc import WS_LOAD_ENV, Hub, cores, pinned, proc_cpu_seconds  # noqa: E402
from loadclient import LoadClient  # noqa: E402

NODE_TOKEN, NODE_CHANNEL = "ahq_reference", "01M8A0KHP2MK81WVH3F7TX5V8P"


def run_generator(port, token, channel, count, posts, concurrency, server_cpu):
    """Subscribe `count` sockets, then time `posts` posts to all of them; the server's CPU
    seconds (server_cpu()) are read around the timed part only."""
    with LoadClient("fanout", port, channel, [token], count, posts, concurrency) as client:
        client.wait_ready()
        cpu0 = server_cpu()
        client.say("go")
        result = client.result()
        result["server_cpu"] = server_cpu() - cpu0
    if result["deliveries"] < result["expected"]:
        raise RuntimeError(f"fan-out lost deliveries: {result}")
    return result


class NodeServer:
    def __init__(self):
        if not (HERE / "node" / "node_modules" / "ws").exists():
            subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent"], cwd=HERE / "node", check=True)
        self.process = subprocess.Popen(pinned(["node", str(HERE / "node" / "ref_server.js")], 0),
                                        stdout=subprocess.PIPE, text=True)
        self.port = int(self.process.stdout.readline().split()[1])

    def cpu_seconds(self):
        return proc_cpu_seconds(self.process.pid)

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


def one_round(target, count, posts, concurrency):
    if target == "hub":
        with Hub(core=0, env=WS_LOAD_ENV) as hub:
            _, key, general = hub.setup_org()
            result = run_generator(hub.port, key, general, count, posts, concurrency, hub.cpu_seconds)
    else:
        node = NodeServer()
        try:
            result = run_generator(node.port, NODE_TOKEN, NODE_CHANNEL, count, posts, concurrency, node.cpu_seconds)
        finally:
            node.stop()
    result["rate"] = result["deliveries"] / result["seconds"]
    result["server_share"] = result["server_cpu"] / result["seconds"]
    result["generator_share"] = result["generator_cpu"] / result["seconds"]
    return result


def measure(counts, runs, concurrency=4, deliveries=200_000):
    """{count: {"hub": [results], "node": [results]}}, hub and node rounds interleaved."""
    table = {}
    for count in counts:
        posts = max(10, deliveries // count)
        table[count] = {"hub": [], "node": []}
        for _ in range(runs):
            for target in ("hub", "node"):
                table[count][target].append(one_round(target, count, posts, concurrency))
    return table


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--deliveries", type=int, default=200_000)
    args = parser.parse_args()
    table = measure(args.subscribers, args.runs, deliveries=args.deliveries)
    print(f"cores: {cores()}  runs: {args.runs}  (median [min-max] deliveries/s)")
    for count, results in table.items():
        line = []
        for target in ("hub", "node"):
            rates = [r["rate"] for r in results[target]]
            share = statistics.median(r["generator_share"] for r in results[target])
            server = statistics.median(r["server_share"] for r in results[target])
            line.append(f"{target} {statistics.median(rates):9,.0f} [{min(rates):,.0f}-{max(rates):,.0f}] "
                        f"cpu {server:.0%}, client {share:.0%}")
        ratio = statistics.median(h["rate"] / n["rate"] for h, n in zip(results["hub"], results["node"]))
        print(f"{count:5} subscribers: " + "  |  ".join(line) + f"  |  hub/node {ratio:.2f}x")


if __name__ == "__main__":
    main()
