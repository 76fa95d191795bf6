"""What marking the matched words costs the search page (agenthq.web.highlight): the shown
texts through an in-memory FTS5 table and highlight(), on the search pool, per request.

    python bench/search_highlight.py      # prints a Markdown table

Cases: the "All" view (five results of each kind, two texts each, ~2 KB), one kind's page
(twenty posts of 20,000 characters, the longest a post may be), and the worst (twenty such
posts in which every word matches). Times are the CPU time of the calling thread, p50 and p99
of 50 runs: on a shared machine wall time mostly measures the neighbours."""

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from agenthq.web.highlight import matched_words  # noqa: E402

WORDS = ("deploy billing invoice cache latency replica queue worker retry timeout shard index "
         "payment customer refund report metric alert page owner schedule").split()


def prose(size, rng, every=None):
    out, total = [], 0
    while total < size:
        word = every or rng.choice(WORDS) + rng.choice(("", "s", "ing", "ed"))
        out.append(word)
        total += len(word) + 1
    return " ".join(out)[:size]


def measure(texts, words, runs=50):
    times = []
    for _ in range(runs):
        start = time.thread_time()
        matched_words(words, texts)
        times.append((time.thread_time() - start) * 1000)
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))]


def main():
    rng = random.Random(7)
    cases = {
        "All view: 25 texts of 2 KB": [prose(2000, rng) for _ in range(25)],
        "one kind: 20 posts of 20,000 chars": [prose(20000, rng) for _ in range(20)],
        "worst: 20 posts, every word matches": [prose(20000, rng, every="billing") for _ in range(20)],
    }
    print("| case | p50 ms | p99 ms |\n|---|---|---|")
    for name, texts in cases.items():
        p50, p99 = measure(texts, ["billing", "deploy"])
        print(f"| {name} | {p50:.2f} | {p99:.2f} |")


if __name__ == "__main__":
    main()
