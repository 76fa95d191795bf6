"""The benchmark suite of issue 6 in one command: every figure as the median of several runs
with [min-max], ratios measured in the same run, and the goal beside each figure.

    python bench/run.py            # full run (about 10-20 minutes on 2 cores)
    python bench/run.py --quick    # fewer runs, smaller counts (a few minutes)
    python bench/run.py --only rest startup   # some benchmarks only

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
from benchutil import summary  # noqa: E402
from hubproc import cores, percentile  # noqa: E402

FULL = {
    "fanout": {"counts": [1000, 5000], "runs": 3, "deliveries": 200_000},
    "latency": {"cases": [(1000, 20, 200, 10, 25), (5000, 5, 100, 60, 150)], "runs": 3},
    "idle": {"connections": 10_000, "runs": 3},
    "rest": {"requests": 5000, "runs": 3},
    "resume": {"events": 10_000, "runs": 3},
    "startup": {"runs": 7},
    "slow": {"subscribers": 1000, "rate": 20, "posts": 200, "runs": 3},
    "restref": {"runs": 3, "seconds": 5, "big": 100_000},
}
QUICK = {
    "fanout": {"counts": [1000, 5000], "runs": 1, "deliveries": 50_000},
    "latency": {"cases": [(1000, 20, 60, 10, 25), (5000, 5, 30, 60, 150)], "runs": 1},
    "idle": {"connections": 10_000, "runs": 1},
    "rest": {"requests": 2000, "runs": 1},
    "resume": {"events": 10_000, "runs": 1},
    "startup": {"runs": 3},
    "slow": {"subscribers": 1000, "rate": 20, "posts": 60, "runs": 1},
    "restref": {"runs": 3, "seconds": 2, "big": 100_000},
}
TINY = {  # for the smoke test: proves the scripts run, measures nothing
    "fanout": {"counts": [20], "runs": 1, "deliveries": 200},
    "latency": {"cases": [(20, 50, 10, 10, 25)], "runs": 1},
    "idle": {"connections": 50, "runs": 1},
    "rest": {"requests": 100, "runs": 1},
    "resume": {"events": 100, "runs": 1},
    "startup": {"runs": 1},
    "slow": {"subscribers": 20, "rate": 50, "posts": 10, "runs": 1},
    "restref": {"runs": 1, "seconds": 1, "big": 200},
}
ORDER = ["fanout", "latency", "idle", "rest", "restref", "resume", "startup", "slow"]


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


def bench_fanout(config):
    rows = []
    table = fanout_throughput.measure(config["counts"], config["runs"], deliveries=config["deliveries"])
    for count, results in table.items():
        hub = [r["rate"] for r in results["hub"]]
        node = [r["rate"] for r in results["node"]]
        ratios = [h / n for h, n in zip(hub, node)]
        hub_gen = [r["generator_cpu"] / r["seconds"] for r in results["hub"]]
        node_gen = [r["generator_cpu"] / r["seconds"] for r in results["node"]]
        name = f"fan-out, {count:,} subscribers"
        rows.append(Row(name, "hub deliveries/s", hub, "/s",
                        note=f"generator CPU {statistics.median(hub_gen):.0%} [{min(hub_gen):.0%}–{max(hub_gen):.0%}]"))
        rows.append(Row(name, "Node ws deliveries/s", node, "/s",
                        note=f"generator CPU {statistics.median(node_gen):.0%} [{min(node_gen):.0%}–{max(node_gen):.0%}]"))
        rows.append(Row(name, "hub / Node (same run)", ratios, "×", goal="≥ 1.0×", at_least=1.0, fmt="{:.2f}",
                        note="ratio of each interleaved hub/Node pair"))
    return rows


def bench_latency(config):
    rows = []
    for count, rate, posts, p50_goal, p99_goal in config["cases"]:
        p50s, p99s, lost = [], [], 0
        for _ in range(config["runs"]):
            latencies = fanout_latency.run(count, rate, posts)
            lost += count * posts - len(latencies)
            p50s.append(statistics.median(latencies) * 1000)
            p99s.append(percentile(latencies, 0.99) * 1000)
        name = f"post → WS latency, {count:,} subs @ {rate:g}/s"
        note = f"{posts} posts/run" + (f", {lost} deliveries missing" if lost else "")
        rows.append(Row(name, "p50", p50s, "ms", goal=f"< {p50_goal} ms", at_most=p50_goal, fmt="{:.1f}", note=note))
        rows.append(Row(name, "p99", p99s, "ms", goal=f"< {p99_goal} ms", at_most=p99_goal, fmt="{:.1f}"))
    return rows


def bench_idle(config):
    results = [idle.measure(config["connections"]) for _ in range(config["runs"])]
    held = [r["held"] for r in results]
    alive = [r["alive"] for r in results]
    name = f"idle connections ({config['connections']:,})"
    rss = [r["rss_after_kb"] / 1024 for r in results]
    return [
        Row(name, "held (still open after 2 s)", alive, "", goal=f"{config['connections']:,} held",
            at_least=config["connections"], note=f"connected {min(held):,}; hub RSS {statistics.median(rss):.0f} MiB "
            f"with them; connect time {statistics.median(r['connect_seconds'] for r in results):.1f} s"),
        Row(name, "hub RSS per connection", [r["kb_per_connection"] for r in results], "KB", goal="≤ 16 KB",
            at_least=None, at_most=16.0 + 1e-9, fmt="{:.1f}", note="(RSS with − RSS before) / connections"),
    ]


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


BENCHES = {"fanout": bench_fanout, "latency": bench_latency, "idle": bench_idle, "rest": bench_rest,
           "restref": bench_restref,
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
