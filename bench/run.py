"""The benchmark suite of issue 6 in one command: every figure as the median of several runs
with [min-max], ratios measured in the same run, and the goal beside each figure.

    python bench/run.py            # full run (about 10-20 minutes on 2 cores)
    python bench/run.py --quick    # fewer runs, smaller counts (a few minutes)
    python bench/run.py --only rest startup   # some benchmarks only

One module past the usual size on purpose: one small function per benchmark (bench_X), so that
figures added by different people merge as separate blocks.

The hub runs pinned to core 0 and each load generator in its own process on core 1 (where
there are two cores). The table is printed as Markdown, so it can go into bench/RESULTS.md."""

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import fanout_latency  # noqa: E402
import fanout_throughput  # noqa: E402
import idle  # noqa: E402
import rest_throughput  # noqa: E402
import rest_wrk  # noqa: E402
import resume  # noqa: E402
import slow_reader  # noqa: E402
import startup  # noqa: E402
import storm  # noqa: E402
from benchutil import summary  # noqa: E402
from hubproc import cores, percentile  # noqa: E402

FULL = {
    "fanout": {"counts": [1000, 5000], "runs": 3, "deliveries": 200_000},
    # (subscribers, posts/s, posts, p50 goal, p99 goal, busy: webhooks and @channel meanwhile)
    "latency": {"cases": [(5000, 5, 100, 60, 150, False), (1000, 20, 400, None, 25, True)], "runs": 3},
    "idle": {"connections": 10_000, "runs": 3},
    "storm": {"clients": 10_000, "keys": 200, "runs": 3},
    "rest": {"requests": 5000, "runs": 3},
    "resume": {"events": 10_000, "runs": 3},
    "startup": {"runs": 7},
    "slow": {"subscribers": 1000, "rate": 20, "posts": 200, "runs": 3},
    "restref": {"runs": 3, "seconds": 5, "big": 100_000},
}
QUICK = {
    "fanout": {"counts": [1000, 5000], "runs": 1, "deliveries": 50_000},
    "latency": {"cases": [(5000, 5, 30, 60, 150, False), (1000, 20, 200, None, 25, True)], "runs": 1},
    "idle": {"connections": 10_000, "runs": 1},
    "storm": {"clients": 10_000, "keys": 200, "runs": 1},
    "rest": {"requests": 2000, "runs": 1},
    "resume": {"events": 10_000, "runs": 1},
    "startup": {"runs": 3},
    "slow": {"subscribers": 1000, "rate": 20, "posts": 60, "runs": 1},
    "restref": {"runs": 3, "seconds": 2, "big": 100_000},
}
TINY = {  # for the smoke test: proves the scripts run, measures nothing
    "fanout": {"counts": [20], "runs": 1, "deliveries": 200},
    "latency": {"cases": [(20, 50, 10, 60, 150, False), (20, 50, 10, None, 25, True)], "runs": 1},
    "idle": {"connections": 50, "runs": 1},
    "storm": {"clients": 50, "keys": 5, "runs": 1},
    "rest": {"requests": 100, "runs": 1},
    "resume": {"events": 100, "runs": 1},
    "startup": {"runs": 1},
    "slow": {"subscribers": 20, "rate": 50, "posts": 10, "runs": 1},
    "restref": {"runs": 1, "seconds": 1, "big": 200},
}
ORDER = ["fanout", "latency", "idle", "storm", "rest", "restref", "resume", "startup", "slow"]


class Row:
    def __init__(self, benchmark, figure, values, unit, goal=None, at_least=None, at_most=None, note="", fmt="{:,.0f}"):
        self.benchmark, self.figure, self.unit, self.goal, self.note, self.fmt = benchmark, figure, unit, goal, note, fmt
        self.median, self.low, self.high = summary(values)
        self.runs = len(values)
        self.met = None
        if at_least is not None:
            self.met = self.median >= at_least
            self.versus = f"{self.median / at_least:.2f}× goal"
        elif at_most is not None:
            self.met = self.median < at_most
            self.versus = f"{self.median / at_most:.2f}× limit"
        else:
            self.versus = ""

    def cells(self):
        f = self.fmt.format
        status = "" if self.met is None else ("met" if self.met else "**not met**")
        return [self.benchmark, self.figure, f"{f(self.median)} {self.unit}", f"{f(self.low)} – {f(self.high)}",
                str(self.runs), self.goal or "", f"{status} ({self.versus})" if status else "", self.note]


def _share(values):
    return f"{statistics.median(values):.0%} [{min(values):.0%}–{max(values):.0%}]"


def bench_fanout(config):
    """Deliveries/s of the hub and of the Node `ws` reference, rounds interleaved, with the C
    client's CPU share beside each server's (it must stay well under them)."""
    rows = []
    table = fanout_throughput.measure(config["counts"], config["runs"], deliveries=config["deliveries"])
    for count, results in table.items():
        ratios = [h["rate"] / n["rate"] for h, n in zip(results["hub"], results["node"])]
        name = f"fan-out, {count:,} subscribers"
        for target, label in (("hub", "hub deliveries/s"), ("node", "Node ws deliveries/s")):
            done = results[target]
            rows.append(Row(name, label, [r["rate"] for r in done], "/s",
                            note=f"server CPU {_share([r['server_share'] for r in done])}, load client CPU "
                                 f"{_share([r['generator_share'] for r in done])}"))
        goal = "≥ 1.0× (stretch 1.25×)" if count == 1000 else "≥ 1.0×"
        rows.append(Row(name, "hub / Node (same run)", ratios, "×", goal=goal, at_least=1.0, fmt="{:.2f}",
                        note="ratio of each interleaved hub/Node pair"))
        rows.append(Row(name, "hub / Node per server CPU-second", _per_cpu(results["hub"], results["node"],
                                                                         "server_share"), "×", fmt="{:.2f}",
                        note="deliveries per CPU-second of each server: steadier than wall rates on a busy machine"))
    return rows


def _per_cpu(hub, node, share):
    """Ratio of work per CPU-second, pair by pair: on a shared machine a server may get far less
    than its core, and this ratio does not depend on how much it got."""
    return [(h["rate"] / max(h[share], 1e-9)) / (n["rate"] / max(n[share], 1e-9)) for h, n in zip(hub, node)]


def bench_latency(config):
    rows = []
    for count, rate, posts, p50_goal, p99_goal, busy in config["cases"]:
        results = [fanout_latency.run(count, rate, posts, busy) for _ in range(config["runs"])]
        lost = sum(r["expected"] - r["received"] for r in results)
        name = f"post → WS latency, {count:,} subs @ {rate:g}/s" + (
            ", 10 webhooks (1 dead), @channel every 10 s" if busy else "")
        note = (f"{posts} posts/run; hub CPU {_share([r['hub_share'] for r in results])}, load client CPU "
                f"{_share([r['cpu'] / r['seconds'] for r in results])}" + (f", {lost} deliveries missing" if lost else ""))
        if busy:
            note += (f"; {statistics.median(r['shouts'] for r in results):.0f} @channel to {count:,} members/run, "
                     f"{statistics.median(r['webhook_deliveries'] for r in results):,.0f} webhook deliveries/run")
        p50s = [r["p50"] * 1000 for r in results]
        p99s = [r["p99"] * 1000 for r in results]
        rows.append(Row(name, "p50", p50s, "ms", goal=p50_goal and f"< {p50_goal} ms", at_most=p50_goal, fmt="{:.1f}",
                        note=note))
        rows.append(Row(name, "p99", p99s, "ms", goal=f"< {p99_goal} ms", at_most=p99_goal, fmt="{:.1f}",
                        note=f"max {statistics.median(r['max'] * 1000 for r in results):.0f} ms (median of runs)"))
    return rows


def bench_idle(config):
    results = [idle.measure(config["connections"]) for _ in range(config["runs"])]
    held = [r["held"] for r in results]
    alive = [r["alive"] for r in results]
    name = f"idle subscribed connections ({config['connections']:,})"
    rss = [r["rss_after_kb"] / 1024 for r in results]
    return [
        Row(name, "held (still open after 2 s)", alive, "", goal=f"{config['connections']:,} held",
            at_least=config["connections"], note=f"connected {min(held):,}; hub RSS {statistics.median(rss):.0f} MiB "
            f"with them; connect time {statistics.median(r['connect_seconds'] for r in results):.1f} s"),
        Row(name, "hub RSS per connection", [r["kb_per_connection"] for r in results], "KB", goal="≤ 16 KB",
            at_least=None, at_most=16.0 + 1e-9, fmt="{:.1f}", note="(RSS with − RSS before) / connections"),
    ]


def bench_storm(config):
    """Connect storm, hub vs the Node reference with the same C client, and /health meanwhile."""
    table = storm.measure(config["clients"], config["runs"], config["keys"])
    name = f"connect storm ({config['clients']:,} clients, {config['keys']} agent keys)"
    hub, node = table["hub"], table["node"]
    failed = sum(r["failed"] for r in hub + node)
    rows = [
        Row(name, "hub connect+auth+subscribe/s", [r["rate"] for r in hub], "/s",
            note=f"{statistics.median(r['seconds'] for r in hub):.1f} s; server CPU {_share([r['server_share'] for r in hub])}"
                 f", load client CPU {_share([r['client_share'] for r in hub])}" + (f"; {failed} failed" if failed else "")),
        Row(name, "Node ws connect+subscribe/s", [r["rate"] for r in node], "/s",
            note=f"{statistics.median(r['seconds'] for r in node):.1f} s; server CPU "
                 f"{_share([r['server_share'] for r in node])}, load client CPU {_share([r['client_share'] for r in node])}"),
        Row(name, "hub / Node (same run)", [h["rate"] / n["rate"] for h, n in zip(hub, node)], "×", goal="≥ 1.0×",
            at_least=1.0, fmt="{:.2f}", note="ratio of each interleaved hub/Node pair"),
        Row(name, "hub / Node per server CPU-second", _per_cpu(hub, node, "server_share"), "×", fmt="{:.2f}",
            note="connections per CPU-second of each server"),
        Row(name, "/health p99 during the storm", [r["health_p99"] * 1000 for r in hub], "ms", goal="< 100 ms",
            at_most=100, fmt="{:.0f}", note=f"max {statistics.median(r['health_max'] * 1000 for r in hub):.0f} ms; "
                                             f"GET /health every 20 ms, one keep-alive connection"),
        Row(name, "/health p99 during the storm, new connection per probe", [r["health_fresh_p99"] * 1000 for r in hub],
            "ms", goal="< 100 ms", at_most=100, fmt="{:.0f}",
            note=f"max {statistics.median(r['health_fresh_max'] * 1000 for r in hub):.0f} ms; as a load balancer's "
                 f"or Kubernetes' check: connect + GET every 20 ms; after the storm, while all the client's "
                 f"sockets close at once, max {statistics.median(r['health_close_max'] * 1000 for r in hub):.0f} ms "
                 f"(keep-alive)"),
    ]
    return rows


def bench_rest(config):
    runs = [rest_throughput.measure(config["requests"]) for _ in range(config["runs"])]
    rows = []
    grown = runs[0]["get_grown"]["posts_in_channel"]
    for kind, name, goal in (("post", "POST /posts, 16 clients", 1500),
                             ("get", "GET /posts (50) of 50, 16 clients", 2000),
                             ("get_grown", f"GET /posts (50) of {grown:,}, 16 clients", None)):
        results = [r[kind] for r in runs]
        gen = [r["generator_share"] for r in results]
        hub = [r["hub_share"] for r in results]
        errors = sum(r["errors"] for r in results)
        rows.append(Row(name, "requests/s", [r["rate"] for r in results], "/s", goal=goal and f"≥ {goal:,}/s",
                        at_least=goal,
                        note=f"generator CPU {statistics.median(gen):.0%} [{min(gen):.0%}–{max(gen):.0%}], hub CPU "
                             f"{statistics.median(hub):.0%}" + (f", {errors} errors" if errors else "")))
        rows.append(Row(name, "p50", [r["p50"] * 1000 for r in results], "ms", fmt="{:.1f}"))
        rows.append(Row(name, "p99", [r["p99"] * 1000 for r in results], "ms", goal=goal and "reported", fmt="{:.1f}"))
    return rows


def bench_restref(config):
    """REST against the bare Tornado app, with wrk (bench/rest_wrk.py): one row per figure,
    its value the hub/bare ratio of each interleaved pair."""
    results = rest_wrk.measure(config["runs"], config["seconds"], config["big"])
    before, after = results.pop("load")
    rows = []
    for name, entry in results.items():
        hub = [r["rate"] for r in entry["hub"]]
        bare = [r["rate"] for r in entry["ref"]]
        bad = sum(r["non2xx"] for r in entry["hub"])
        rows.append(Row(name.replace("100,000", f"{config['big']:,}"), "hub / bare Tornado (same run)",
                        entry["ratio"], "×", goal=f"≥ {entry['goal']}×", at_least=entry["goal"], fmt="{:.2f}",
                        note=f"hub {statistics.median(hub):,.0f}/s vs bare {statistics.median(bare):,.0f}/s; hub p99 "
                             f"{statistics.median(r['p99'] for r in entry['hub']) * 1000:.1f} ms; hub CPU "
                             f"{statistics.median(r['hub_share'] for r in entry['hub']):.0%}, wrk CPU "
                             f"{statistics.median(r['wrk_share'] for r in entry['hub']):.0%}; load avg "
                             f"{before[0]:.1f}→{after[0]:.1f}" + (f"; {bad} non-2xx" if bad else "")))
    return rows


def bench_resume(config):
    results = resume.measure(config["events"], config["runs"])
    gen = [r["generator_share"] for r in results]
    return [Row(f"resume: replay {config['events']:,} events", "subscribe(since) → last event",
                [r["seconds"] * 1000 for r in results], "ms", goal="< 1,000 ms", at_most=1000,
                note=f"{results[0]['bytes'] / 1e6:.1f} MB of frames; client CPU {statistics.median(gen):.0%}; "
                     f"posts created at {statistics.median(r['post_rate'] for r in results):,.0f}/s")]


def bench_startup(config):
    times = [t * 1000 for t in startup.measure(config["runs"])]
    return [Row("start-up", "Popen → first 200 /health", times, "ms", goal="< 1,000 ms", at_most=1000,
                note="fresh database (schema created)")]


def bench_slow(config):
    table = slow_reader.measure(config["subscribers"], config["rate"], config["posts"], config["runs"])
    without50 = [p * 1000 for p, _ in table["without"]]
    with50 = [p * 1000 for p, _ in table["with"]]
    without99 = [p * 1000 for _, p in table["without"]]
    with99 = [p * 1000 for _, p in table["with"]]
    name = f"slow reader among {config['subscribers']:,} @ {config['rate']:g}/s"
    # "Within noise": the median with the slow reader lies inside the range of the runs
    # without it, or within 10% of their median.
    def within(with_values, without_values):
        m = statistics.median(with_values)
        return m <= max(without_values) or m <= 1.1 * statistics.median(without_values)
    ratio50 = statistics.median(with50) / statistics.median(without50)
    ratio99 = statistics.median(with99) / statistics.median(without99)
    slow = table["slow"]
    rows = [
        Row(name, "others' p50 without", without50, "ms", fmt="{:.1f}"),
        Row(name, "others' p50 with", with50, "ms", goal="unchanged (within noise)", fmt="{:.1f}",
            note=f"with/without {ratio50:.2f}×"),
        Row(name, "others' p99 without", without99, "ms", fmt="{:.1f}"),
        Row(name, "others' p99 with", with99, "ms", goal="unchanged (within noise)", fmt="{:.1f}",
            note=f"with/without {ratio99:.2f}×; slow reader left {statistics.median(s['unread_bytes'] for s in slow) / 1024:.0f}"
                 f" KiB unread, close codes {sorted({str(s['close_code']) for s in slow})}"),
    ]
    rows[1].met = within(with50, without50)
    rows[1].versus = f"{ratio50:.2f}× without"
    rows[3].met = within(with99, without99)
    rows[3].versus = f"{ratio99:.2f}× without"
    return rows


class Failed:
    """A table row for a benchmark that raised: its figures are missing, its goal unknown."""

    met = None

    def __init__(self, name, error):
        self.benchmark, self.figure, self.error = name, "FAILED", error
        self.median = float("nan")

    def cells(self):
        return [self.benchmark, "**FAILED**", "", "", "0", "", "", f"{self.error!r}"[:200]]


BENCHES = {"fanout": bench_fanout, "latency": bench_latency, "idle": bench_idle, "storm": bench_storm,
           "rest": bench_rest, "restref": bench_restref,
           "resume": bench_resume, "startup": bench_startup, "slow": bench_slow}


def machine():
    model = ""
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import tornado
    return f"{cores()} cores ({model or platform.processor()}), Python {platform.python_version()}, tornado {tornado.version}"


def table(rows):
    header = ["benchmark", "figure", "median", "min – max", "runs", "goal", "status", "notes"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def run(config, only=None):
    rows = []
    for name in ORDER:
        if only and name not in only:
            continue
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            rows.extend(BENCHES[name](config[name]))
        except Exception as error:  # one broken benchmark must not lose the others' figures
            print(f"  {name} FAILED: {error!r}", file=sys.stderr, flush=True)
            rows.append(Failed(name, error))
        print(f"  {name} took {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer runs, smaller counts")
    parser.add_argument("--only", nargs="+", choices=ORDER, help="run only these benchmarks")
    parser.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)  # smoke test only
    parser.add_argument("--json", help="also write the rows as JSON to this file")
    args = parser.parse_args()
    config = TINY if args.tiny else QUICK if args.quick else FULL
    started = time.perf_counter()
    rows = run(config, args.only)
    print(f"machine: {machine()}; hub on core 0, load generators on core 1" if cores() >= 2 else
          f"machine: {machine()}; one core: hub and load generator share it")
    print(f"mode: {'tiny' if args.tiny else 'quick' if args.quick else 'full'}; took {time.perf_counter() - started:.0f} s\n")
    print(table(rows))
    missed = [f"{r.benchmark} {r.figure}" for r in rows if r.met is False]
    failed = [r.benchmark for r in rows if isinstance(r, Failed)]
    print(f"\ngoals met: {sum(r.met is True for r in rows)}/{sum(r.met is not None for r in rows)}"
          + (f"; not met: {', '.join(missed)}" if missed else "") + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    if args.json:
        Path(args.json).write_text(json.dumps([dict(vars(r)) for r in rows], indent=1, default=str))
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
