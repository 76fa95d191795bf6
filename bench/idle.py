"""Idle connections: the C load client (bench/wsload.c) on the other core opens N WebSocket
connections with an agent key, each subscribed to #general, and holds them; the hub's RSS before
and after gives its memory per idle subscribed connection. Usage: python bench/idle.py
[--connections 10000]"""

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from hubproc import WS_LOAD_ENV, Hub, cores  # noqa: E402
from loadclient import LoadClient  # noqa: E402


def measure(count):
    with Hub(core=0, env=WS_LOAD_ENV) as hub:
        _, key, general = hub.setup_org()
        time.sleep(0.5)
        before = hub.rss_kb()
        with LoadClient("idle", hub.port, general, [key], count) as client:
            result = client.result()
            time.sleep(2)  # let the hub settle (presence writes, buffers)
            after = hub.rss_kb()
            client.say("end")
            result.update(client.result())
        result.update(rss_before_kb=before, rss_after_kb=after, kb_per_connection=(after - before) / count)
        return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=10_000)
    args = parser.parse_args()
    r = measure(args.connections)
    print(f"cores: {cores()}  held {r['held']} (alive {r['alive']}) in {r['connect_seconds']:.1f} s;  hub RSS "
          f"{r['rss_before_kb'] / 1024:.1f} -> {r['rss_after_kb'] / 1024:.1f} MiB:  {r['kb_per_connection']:.1f} KB each")


if __name__ == "__main__":
    main()
