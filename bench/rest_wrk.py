"""REST throughput against the bare Tornado reference (bench/rest_reference.py), measured with
`wrk` (16 keep-alive connections, one thread, pinned to core 1) while the hub and the reference
both sit on core 0. Each figure is a pair, reference then hub, back to back; pairs of every
figure are interleaved run after run, so a neighbour's load hits both sides of a ratio alike.

Figures: POST /posts (agent key; JWT), GET /posts?limit=50 on a channel of 50 posts (key; JWT)
and of 100,000 posts, GET /channels with read state for a person in 100 channels.

    python bench/rest_wrk.py [--runs 3] [--seconds 5] [--big 100000]
"""

import argparse
import json
import os
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from hubproc import Hub, cores, pinned, proc_cpu_seconds  # noqa: E402

CONTENT = "benchmark post " * 8
POST_BODY_LUA = """wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
"""


class WrkMissing(RuntimeError):
    pass


def have_wrk():
    return shutil.which("wrk") is not None


def _seconds(text):
    match = re.match(r"([\d.]+)(us|ms|s|m|h)", text)
    if match is None:
        raise RuntimeError(f"wrk printed a latency this script cannot read: {text!r}")
    value, unit = match.groups()
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}[unit]


def wrk(url, seconds, token=None, body=None, connections=16):
    """One wrk run; its rate, non-2xx count, p50/p99 and its own CPU share."""
    if not have_wrk():
        raise WrkMissing("wrk is not installed: apt-get install -y wrk (the REST figures need it)")
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    script = None
    if body is not None:
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        script.write(POST_BODY_LUA.format(body=json.dumps(json.dumps(body))))
        script.close()
        command += ["-s", script.name]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        out = subprocess.run(pinned([*command, url], 1), capture_output=True, text=True, timeout=seconds + 60).stdout
    finally:
        if script:
            os.unlink(script.name)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if "Requests/sec" not in out:
        raise RuntimeError(f"wrk gave no figures: {out[-500:]}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"rate": rate, "non2xx": int(bad.group(1)) if bad else 0, "socket_errors": errors.group(0) if errors else "",
            "p50": _seconds(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1)),
            "p99": _seconds(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1)), "wrk_share": cpu / seconds,
            "seconds": seconds}


class Reference:
    """The bare app, on the hub's core, answering the fixtures."""

    def __init__(self, fixtures):
        self.file = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        json.dump(fixtures, self.file)
        self.file.close()
        self.process = subprocess.Popen(pinned([sys.executable, str(HERE / "rest_reference.py"), self.file.name], 0),
                                        stdout=subprocess.PIPE, text=True)
        self.url = re.search(r"http://\S+", self.process.stdout.readline()).group(0)

    def cpu_seconds(self):
        return proc_cpu_seconds(self.process.pid)

    def stop(self):
        self.process.terminate()
        self.process.wait(10)
        os.unlink(self.file.name)


def seed(db, org_id, channel_id, author_id, count):
    """count posts straight into the database file (REST would take minutes), before the hub
    has read the channel; shaped as the hub writes them."""
    from agenthq.models.ids import new_id

    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    connection = sqlite3.connect(db, timeout=60)
    rows = [(new_id(), org_id, channel_id, author_id, "agent", "update", None, f"seeded post {n}",
             f"<p>seeded post {n}</p>", "{}", None, 0, now, now, 0) for n in range(count)]
    with connection:
        connection.executemany(
            'INSERT INTO post (id, org_id, channel_id, author_id, author_type, type, title, content, html, '
            'metadata, parent_id, pinned, created_at, updated_at, reply_count) '
            'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', rows)
    connection.close()


def prepare(hub, big):
    """Two organizations. In `bench`, a person (JWT) and an agent (key): `small` with 50 posts,
    `big` with `big`, `writes` for the POSTs. In `reader`, a person in 100 channels with a few
    unread posts and mentions in a third of them, whose read state the POST load leaves alone
    (unread counts cost what the unread posts do: a person who never reads a busy channel
    would measure that, not the listing)."""
    token, key, general = hub.setup_org()
    org_id = hub.call("GET", "/api/v1/auth/me", token=token)["org"]["id"]
    agent_id = hub.call("GET", "/api/v1/auth/me", token=key)["agent"]["id"]
    ids = {}
    for name in ("small", "big", "writes"):
        ids[name] = hub.call("POST", "/api/v1/channels", {"name": name}, token)["id"]
    seed(hub.db, org_id, ids["big"], agent_id, big)
    for n in range(50):
        hub.call("POST", "/api/v1/posts", {"channel_id": ids["small"], "content": f"post {n} " + CONTENT}, key)
    reader, reader_key, _ = hub.setup_org("reader")
    rooms = [hub.call("POST", "/api/v1/channels", {"name": f"room-{n}"}, reader)["id"] for n in range(95)]
    for n in range(0, 95, 3):
        hub.call("POST", "/api/v1/posts", {"channel_id": rooms[n], "content": f"@Bench hello {n}"}, reader_key)
    return token, key, reader, ids


def get_raw(hub, path, token):
    """The hub's whole answer (data and pagination), for the reference to give back."""
    request = urllib.request.Request(hub.url + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def figures(hub, token, key, reader, ids):
    """name → (hub URL path, token, body or None, reference path, goal ratio)."""
    post = {"channel_id": ids["writes"], "content": CONTENT, "type": "update"}
    small = f"/api/v1/posts?channel_id={ids['small']}&limit=50"
    big = f"/api/v1/posts?channel_id={ids['big']}&limit=50"
    return {
        "POST /posts (key)": ("/api/v1/posts", key, post, "/api/v1/posts", 0.5),
        "POST /posts (JWT)": ("/api/v1/posts", token, post, "/api/v1/posts", 0.5),
        "GET /posts 50 of 50 (key)": (small, key, None, small, 0.6),
        "GET /posts 50 of 50 (JWT)": (small, token, None, small, 0.6),
        "GET /posts 50 of 100,000 (key)": (big, key, None, small, 0.6),
        "GET /channels, 100 with read state (JWT)": ("/api/v1/channels", reader, None, "/api/v1/channels", 0.5),
    }


def measure(runs=3, seconds=5, big=100_000, only=None):
    """{figure: {"hub": [...], "ref": [...], "ratio": [...], "goal": g}} plus "load" (the load
    averages before and after) and the hub's CPU share per hub run."""
    if not have_wrk():
        raise WrkMissing("wrk is not installed: apt-get install -y wrk (the REST figures need it)")
    load_before = os.getloadavg()
    with Hub(core=0) as hub:
        token, key, reader, ids = prepare(hub, big)
        fixtures = {"posts": get_raw(hub, f"/api/v1/posts?channel_id={ids['small']}&limit=50", key),
                    "channels": get_raw(hub, "/api/v1/channels", reader)}
        reference = Reference(fixtures)
        try:
            table = figures(hub, token, key, reader, ids)
            if only:
                table = {name: spec for name, spec in table.items() if any(word in name for word in only)}
            results = {name: {"hub": [], "ref": [], "ratio": [], "cpu_ratio": [], "goal": spec[4]}
                       for name, spec in table.items()}
            for name, (path, tok, body, ref_path, _) in table.items():  # warm both sides once
                wrk(reference.url + ref_path, 1, None, body)
                wrk(hub.url + path, 1, tok, body)
            for _ in range(runs):
                for name, (path, tok, body, ref_path, _) in table.items():
                    ref_cpu0 = reference.cpu_seconds()
                    ref = wrk(reference.url + ref_path, seconds, None, body)
                    ref["cpu"] = reference.cpu_seconds() - ref_cpu0
                    cpu0 = hub.cpu_seconds()
                    mine = wrk(hub.url + path, seconds, tok, body)
                    mine["cpu"] = hub.cpu_seconds() - cpu0
                    mine["hub_share"] = mine["cpu"] / seconds
                    entry = results[name]
                    entry["ref"].append(ref)
                    entry["hub"].append(mine)
                    entry["ratio"].append(mine["rate"] / ref["rate"])
                    # Requests per CPU-second of each side: on a shared machine a neighbour
                    # takes wall-clock time from either side unevenly, CPU time far less so.
                    entry["cpu_ratio"].append(_per_cpu(mine) / _per_cpu(ref))
        finally:
            reference.stop()
    results["load"] = (load_before, os.getloadavg())
    return results


def _per_cpu(run):
    """Requests answered per CPU-second the server spent (wrk's count is rate × seconds)."""
    return run["rate"] * run["seconds"] / max(run["cpu"], 1e-3)


def report(results):
    lines = []
    for name, entry in results.items():
        if name == "load":
            continue
        hub = [r["rate"] for r in entry["hub"]]
        ref = [r["rate"] for r in entry["ref"]]
        ratio = statistics.median(entry["ratio"])
        bad = sum(r["non2xx"] for r in entry["hub"])
        lines.append(
            f"{name:42s} hub {statistics.median(hub):7,.0f}/s  bare {statistics.median(ref):7,.0f}/s  "
            f"ratio {ratio:.2f}× [{min(entry['ratio']):.2f}-{max(entry['ratio']):.2f}] goal ≥{entry['goal']}× "
            f"{'met' if ratio >= entry['goal'] else 'NOT MET'}  per CPU-s "
            f"{statistics.median(entry['cpu_ratio']):.2f}× [{min(entry['cpu_ratio']):.2f}-{max(entry['cpu_ratio']):.2f}]  hub p99 "
            f"{statistics.median(r['p99'] for r in entry['hub']) * 1000:.1f} ms  hub CPU "
            f"{statistics.median(r['hub_share'] for r in entry['hub']):.0%}  wrk CPU "
            f"{statistics.median(r['wrk_share'] for r in entry['hub']):.0%}" + (f"  {bad} non-2xx" if bad else ""))
    before, after = results["load"]
    lines.append(f"load average before {before[0]:.2f}, after {after[0]:.2f} ({cores()} cores, shared)")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--only", nargs="*", help="figures whose name contains one of these words")
    args = parser.parse_args()
    try:
        results = measure(args.runs, args.seconds, args.big, args.only)
    except WrkMissing as error:
        print(error, file=sys.stderr)
        sys.exit(2)
    print(report(results))


if __name__ == "__main__":
    main()
