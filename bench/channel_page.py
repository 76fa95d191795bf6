"""What pinned-first ordering and `reactions` cost a channel's page (SPEC §10), measured in
process on the database layer alone: a channel of 5,000 posts with 3 pinned, 50 per page, the
newest posts with reactions. Prints microseconds per page for: the plain page (no pins, no
reactions, as before), the pinned-first page, and each plus the reaction summaries.

    python bench/channel_page.py [--posts 5000] [--rounds 2000]
"""

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from agenthq.models import Post, Reaction, database, insert_row, open_database  # noqa: E402
from agenthq.services import reactions  # noqa: E402
from agenthq.services.common import channel_page  # noqa: E402
from agenthq.services.pins import pinned_first_page  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    open_database(os.path.join(folder, "bench.db"))
    database.connect(reuse_if_open=True)
    with database.atomic():
        ids = [insert_row(Post, org_id="o", channel_id="c", author_id="a", author_type="agent",
                          content=f"post {n}")["id"] for n in range(args.posts)]
        Post.update(pinned=True).where(Post.id.in_(ids[:3])).execute()
        for post_id in ids[-30:]:
            for emoji in ("eyes", "ok", "tada"):
                insert_row(Reaction, org_id="o", post_id=post_id, author_id="a", author_type="agent", emoji=emoji)
    cases = {
        "plain page (before)": lambda: channel_page("c", 1, 50),
        "pinned-first page": lambda: pinned_first_page("c", 1, 50),
        "plain page + reactions": lambda: reactions.attach(channel_page("c", 1, 50)[0]),
        "pinned-first + reactions": lambda: reactions.attach(pinned_first_page("c", 1, 50)[0]),
    }
    print(f"{args.posts} posts, 3 pinned, 50 per page, {args.rounds} rounds (2 cores, shared)")
    for name, run in cases.items():
        run()
        start = time.perf_counter()
        for _ in range(args.rounds):
            run()
        print(f"{name:28s} {1e6 * (time.perf_counter() - start) / args.rounds:8.0f} µs/page")


if __name__ == "__main__":
    main()
