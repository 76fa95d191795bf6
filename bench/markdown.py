"""Render time of hostile post Markdown: every pathological pattern we know (cmark's own
pathological tests, the Python-Markdown and markdown-it slow cases, entity and reference
floods), each at 20 KB and at 80 KB. Linear means the 80 KB figure is about 4x the 20 KB one.

    python bench/markdown.py          # prints a Markdown table; the worst case last

The figure is the whole write-time path (agenthq.web.markdown.to_html: cmark-gfm, image and
depth passes, nh3) as CPU time of the rendering thread, the best of 5 runs: on a machine
shared with other work, wall time mostly measures the neighbours."""

import itertools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from agenthq.web.markdown import to_html  # noqa: E402


def _colliding_references(size):
    """cmark's refmap hash-collision case, cut to size."""
    def bad(ref):
        h = 0
        for c in ref:
            h = (ord(c) + ((h << 6) & 0xFFFFFFFF) + ((h << 16) & 0xFFFFFFFF) - h) & 0xFFFFFFFF
        return h % 16 == 0

    keys = (k for k in (f"x{i}" for i in itertools.count()) if bad(k))
    first = next(keys)
    out, total = [], 0
    for key in keys:
        piece = f"[{key}]: /url\n\n[{first}]\n\n"
        if total + len(piece) > size:
            break
        out.append(piece)
        total += len(piece)
    return "".join(out)


def patterns(size):
    """name → text of about `size` characters."""
    rep = lambda unit: (unit * (size // len(unit) + 1))[:size]  # noqa: E731
    half = size // 2
    texts = {
        "[": rep("["), "*": rep("*"), "_": rep("_"), "`": rep("`"), "<": rep("<"), ">": rep(">"),
        "![": rep("!["), "](": rep("]("), "[](": rep("[]("), "[ (](": rep("[ (]("),
        "[a": rep("[a"), "a]": rep("a]"), "[a](": rep("[a]("), "[a](<b": rep("[a](<b"), "[a](b": rep("[a](b"),
        "nested brackets": "[" * half + "a" + "]" * half,
        "[^ footnote": rep("[^"), "![[": rep("![["), "[`": rep("[`"), "*[": rep("*["),
        "a* emph run": rep("a*"), "*a": rep("*a"), "**a": rep("**a"), "_a ": rep("_a "), "a_ ": rep("a_ "),
        "*a_ mismatched": rep("*a_ "), "[ a_": rep("[ a_"), "c* (multiple of 3)": "a**b" + rep("c* ")[: size - 4],
        "nested strong emph": rep("*a **a ")[:half] + "b" + rep(" a** a*")[:half],
        "*_ mixed": rep("*_"), "~~a": rep("~~a"), "~": rep("~"),
        "backticks e`..": "".join("e" + "`" * n for n in range(1, 200))[:size], "`a": rep("`a"), "``a`": rep("``a`"),
        "&amp; entities": rep("&amp;"), "&#": rep("&#"), "&#x1;": rep("&#x1;"), "&#99999999": rep("&#99999999"),
        "\\ escapes": rep("\\"), "<a": rep("<a"), "<http://": rep("<http://"), "<!--": rep("<!--"),
        "<?": rep("<?"), "<![CDATA[": rep("<![CDATA["), "<div>": rep("<div>"), "</": rep("</"),
        "> nesting": rep("> ") + "a", ">>>": rep(">") + " a", "> - mixed": rep("> - "),
        "list nesting": "".join("  " * i + "* a\n" for i in range(size))[:size],
        "- - - inline list": rep("- "), "1. 1. ordered": rep("1. "),
        "link reference flood": "".join(f"[r{i}]: /u{i}\n" for i in range(size // 10)) + rep("[r1]")[: size // 2],
        "reference collisions": _colliding_references(size),
        "table rows": "|a|b|\n|-|-|\n" + rep("|x|y|\n"), "table columns": rep("|") + "\n" + rep("|-") + "\n" + rep("|x"),
        "cmark tables case": rep("aaa\rbbb\n-\v\n"),
        "www. autolinks": rep("www.a.b "), "www.a_b_": rep("www.a_b_"), "emails": rep("a@b.c "),
        "### headings": rep("#"), "``` fences": rep("```\n"), "    indented": rep("    a\n"),
        "lines": rep("a line of text\n"), "[a]: broken defs": rep("[a]:\n"), '[a]: /b " titles': rep('[a]: /b "'),
        "NUL": rep("a\x00"), "U+E000 placeholder": rep("\ue000<"),
    }
    return {name: text[:size] for name, text in texts.items()}  # the largest post the API takes


def best_of(text, runs=5):
    best = float("inf")
    for _ in range(runs):
        start = time.thread_time()
        to_html(text)
        best = min(best, time.thread_time() - start)
    return best * 1000


def main():
    rows = []
    small, large = patterns(20_000), patterns(80_000)
    for name in small:
        rows.append((name, best_of(small[name]), best_of(large[name])))
    print("| pattern | 20 KB (CPU ms) | 80 KB (CPU ms) |\n|---|---:|---:|")
    for name, a, b in sorted(rows, key=lambda row: row[1]):
        print(f"| {name} | {a:.2f} | {b:.2f} |")
    worst = max(rows, key=lambda row: row[1])
    print(f"\nworst at 20 KB: {worst[0]!r} {worst[1]:.2f} ms; {len(rows)} patterns")


if __name__ == "__main__":
    main()
