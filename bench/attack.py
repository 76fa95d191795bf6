"""Availability under attack (issue 11): /health latency, p50 and p99, asked from its own
address (127.0.0.2) while the hub (in its own process, on core 0) is attacked from 127.0.0.1
by a separate process (core 1):

  flood      20 clients sending 1 MiB JSON bodies as fast as they can, half to /auth/login,
             half to /posts with a token (no REST rate limit: the worst case)
  slowloris  200 sockets that send a header line a second and never finish; also how many
             the hub still holds after header_timeout (10 s) + 5 s
  search     4 clients running 40-word searches over 20,000 posts; also a token-authenticated
             read of another organization, and how long the searches took

Usage: python bench/attack.py [--root CHECKOUT] [--seconds 10] [--posts 20000] [--only flood,...]
--root runs the hub of another checkout (e.g. a worktree of main) for before/after figures."""

import argparse
import http.client
import json
import multiprocessing
import random
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hubproc  # noqa: E402
from hubproc import Hub, percentile  # noqa: E402

PROBE_ADDRESS = "127.0.0.2"  # Linux routes all of 127/8 to loopback: a second client address
WORDS = [f"w{i:03d}{'abcdefgh'[i % 8]}" for i in range(400)]


def probe(port, seconds, targets=(("/health", None),), every=0.05):
    """Latencies in ms of GET path for each (path, token) in turn, one request at a time, for
    `seconds`: {path: (latencies, failures)}."""
    found = {path: ([], 0) for path, _ in targets}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path, token in targets:
            auth = f"Authorization: Bearer {token}\r\n" if token else ""
            request = f"GET {path} HTTP/1.1\r\nHost: hub\r\n{auth}Connection: close\r\n\r\n".encode()
            started = time.perf_counter()
            ok = False
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=120,
                                              source_address=(PROBE_ADDRESS, 0)) as sock:
                    sock.sendall(request)
                    answer = b""
                    while chunk := sock.recv(65536):
                        answer += chunk
                ok = answer.startswith(b"HTTP/1.1 200")
            except OSError:
                pass
            latencies, failures = found[path]
            if ok:
                latencies.append(1000 * (time.perf_counter() - started))
            else:
                found[path] = (latencies, failures + 1)
        time.sleep(every)
    return found


def summary(latencies, failures):
    return {"p50_ms": round(percentile(latencies, 0.5), 1), "p99_ms": round(percentile(latencies, 0.99), 1),
            "probes": len(latencies), "failed": failures}


# Attackers: each runs in a child process, so that its work is not the probe's.

def flood_bodies():
    nested = '{"email":"a@example.com","pad":[' + ",".join(["[[0]]"] * 170_000) + "]}"
    floats = '{"email":"a@example.com","pad":[' + ",".join(["0.5"] * 95_000) + '],"s":"'
    floats += "x" * ((1 << 20) - len(floats) - 2) + '"}'
    return [nested.encode(), floats.encode()]


def flood(port, clients, token, stop, result):
    """Half the clients sign in (anyone can), half post with a token (an agent can)."""
    bodies = flood_bodies()
    routes = [("/api/v1/auth/login", None), ("/api/v1/posts", token)]
    statuses = {}

    def one(path, token, body):
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        request = (f"POST {path} HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n{auth}"
                   f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
        while not stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
                    sock.sendall(request)
                    answer = b""
                    while chunk := sock.recv(65536):
                        answer += chunk
                status = answer[9:12].decode() or "none"
                statuses[f"{path} {status}"] = statuses.get(f"{path} {status}", 0) + 1
            except OSError:
                statuses["reset by the hub"] = statuses.get("reset by the hub", 0) + 1
                time.sleep(0.01)

    threads = [threading.Thread(target=one, args=(*routes[i % 2], bodies[i // 2 % 2]), daemon=True)
               for i in range(clients)]
    for thread in threads:
        thread.start()
    stop.wait()
    result.update(clients=clients, answers=dict(statuses))


def slowloris(port, count, stop, result):
    sockets, refused = [], 0
    for _ in range(count):
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: hub\r\n")
            sockets.append(sock)
        except OSError:
            refused += 1
    line = 0
    while not stop.wait(1):
        for sock in sockets:
            try:
                sock.sendall(f"X-Slow-{line}: 1\r\n".encode())
            except OSError:
                pass
        line += 1
    held = answered = closed = 0
    for sock in sockets:  # at the end: still held open by the hub, refused (429), or closed?
        sock.setblocking(False)
        try:
            data = sock.recv(1024, socket.MSG_PEEK)
            answered += bool(data)
            closed += not data
        except BlockingIOError:
            held += 1
        except OSError:
            closed += 1
        sock.close()
    result.update(opened=len(sockets), connect_failed=refused, held_at_end=held, answered_429=answered,
                  closed_by_hub=closed)


def search(port, token, clients, stop, result):
    query = " ".join(random.Random(7).sample(WORDS, 40))
    times = []

    def one():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        while not stop.is_set():
            started = time.perf_counter()
            connection.request("GET", "/api/v1/posts/search?" + f"q={query.replace(' ', '+')}&limit=20",
                               headers={"Authorization": f"Bearer {token}"})
            response = connection.getresponse()
            response.read()
            times.append((response.status, time.perf_counter() - started))

    threads = [threading.Thread(target=one, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    stop.wait()
    for thread in threads:  # a search still running is reported as such, not waited for
        thread.join(max(0.0, 5 - (time.perf_counter() - started)))
    result.update(searches_done=len(times), statuses=sorted({s for s, _ in times}),
                  search_p50_s=round(percentile([t for _, t in times], 0.5), 2),
                  still_running_after_s=round(time.perf_counter() - started, 1) if not times else None)


def run_attack(target, args, seconds, targets=(("/health", None),), settle=1.0):
    with multiprocessing.Manager() as manager:
        stop, result = manager.Event(), manager.dict()
        attacker = multiprocessing.Process(target=target, args=(*args, stop, result))
        attacker.start()
        hubproc_pin(attacker.pid, 1)
        time.sleep(settle)  # the attack is under way: there is no event to wait for
        found = probe(args[0], seconds, targets)
        stop.set()
        attacker.join(120)
        if attacker.is_alive():
            attacker.kill()
        return {**{path: summary(*values) for path, values in found.items()}, **dict(result)}


def hubproc_pin(pid, core):
    if hubproc.cores() >= 2 and hubproc._has("taskset"):
        import subprocess

        subprocess.run(["taskset", "-a", "-p", "-c", str(core), str(pid)], stdout=subprocess.DEVNULL, check=False)


def seed_posts(hub, token, count):
    """count posts of 20 words each in #general, over 8 keep-alive connections."""
    channels = hub.call("GET", "/api/v1/channels", token=token)
    general = next(c["id"] for c in channels if c["name"] == "general")
    rng = random.Random(1)
    bodies = [json.dumps({"channel_id": general, "content": " ".join(rng.choices(WORDS, k=20))}) for _ in range(count)]

    def write(part):
        connection = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=60)
        for body in part:
            connection.request("POST", "/api/v1/posts", body=body,
                               headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            assert response.status == 201, response.status

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, [bodies[i::8] for i in range(8)]))


def measure(args):
    figures = {}
    only = set(args.only.split(",")) if args.only else {"idle", "flood", "slowloris", "search"}
    env = {"AGENTHQ_REST_RATE": "0", "AGENTHQ_MAX_UNAUTHENTICATED": "128"}  # the default, which hubproc lifts
    with Hub(core=0, env=env) as hub:
        if "idle" in only:
            figures["idle"] = summary(*probe(hub.port, args.seconds)["/health"])
        if "flood" in only:
            token, _, _ = hub.setup_org("flood")
            figures["flood"] = run_attack(flood, (hub.port, 20, token), args.seconds)
        if "slowloris" in only:
            figures["slowloris"] = run_attack(slowloris, (hub.port, 200), max(args.seconds, 15))
        if "search" in only:
            token, _, _ = hub.setup_org("searched")
            started = time.perf_counter()
            seed_posts(hub, token, args.posts)
            seeded = time.perf_counter() - started
            other, _, _ = hub.setup_org("bystander")
            # /health, and another organization's token-authenticated read, in turn.
            figures["search"] = {
                **run_attack(search, (hub.port, token, 4), args.seconds,
                             targets=(("/health", None), ("/api/v1/channels", other))),
                "seed_seconds": round(seeded, 1),
            }
    return figures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", help="checkout whose run.py to start (default: this one)")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--only", default="", help="comma-separated: idle,flood,slowloris,search")
    args = parser.parse_args()
    if args.root:
        hubproc.ROOT = Path(args.root).resolve()
    figures = measure(args)
    print(json.dumps({"root": str(hubproc.ROOT), "cores": hubproc.cores(), **figures}, indent=1))


if __name__ == "__main__":
    main()
