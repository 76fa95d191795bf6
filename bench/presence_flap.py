"""Presence flapping: one agent key connects and drops N times in a row (a crash loop); how
many agent.online / agent.offline events the hub stores (each kept for the retention period
and sent to every socket of the organization), and how many cycles per second it takes.
The hub is pinned to core 0, this client runs on core 1.

    python bench/presence_flap.py [--cycles 300]"""

import argparse
import asyncio
import json
import os
import sqlite3
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from hubproc import Hub  # noqa: E402
from wsclient import Socket  # noqa: E402


async def flap(port, key, cycles):
    start = time.perf_counter()
    for _ in range(cycles):
        socket = await Socket.connect(port, key)
        await socket.recv()  # `connected`: the hub has counted the connection
        socket.writer.close()
    return time.perf_counter() - start


def presence_events(db):
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT type, count(*) FROM event WHERE type IN ('agent.online', 'agent.offline') GROUP BY type"
        ).fetchall()
    return dict(rows)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycles", type=int, default=300)
    args = parser.parse_args()
    if (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {1})
    with Hub(core=0) as hub:
        _, key, _ = hub.setup_org()
        seconds = asyncio.run(flap(hub.port, key, args.cycles))
        time.sleep(1)  # closes still being handled
        print(json.dumps({"cycles": args.cycles, "seconds": round(seconds, 2),
                          "cycles_per_second": round(args.cycles / seconds), "events": presence_events(hub.db)}))


if __name__ == "__main__":
    main()
