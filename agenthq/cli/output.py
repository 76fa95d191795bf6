"""How the CLI prints: aligned tables and colored one-line events for people, JSON for scripts."""

import json
import os
import re
import sys

COLORS = {"red": 31, "green": 32, "yellow": 33, "blue": 34, "magenta": 35, "cyan": 36, "dim": 2, "bold": 1}
POST_COLORS = {"alert": "red", "insight": "magenta", "question": "yellow", "answer": "green", "metric": "blue",
               "update": "cyan"}


def use_color(stream=sys.stdout):
    """Color only for a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    return bool(os.environ.get("FORCE_COLOR")) or stream.isatty()


# Every control character (output is one line per item, so a newline would forge a row): ESC starts the sequences that set a window title,
# write the clipboard (OSC 52) or erase a line to forge rows; C1 (0x80-0x9f) holds their
# one-byte forms, which some terminals obey too. Names, titles and posts come from anyone in
# the organization, so they are shown, never obeyed.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean(text):
    """text with its control characters made visible (ESC -> \\x1b) and harmless."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def clean_json(value):
    """JSON text safe for a terminal: json.dumps escapes C0 itself, not DEL or C1."""
    text = json.dumps(value, ensure_ascii=False)
    return re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", text)


class Printer:
    def __init__(self, as_json=False, color=None):
        self.as_json = as_json
        self.color = use_color() if color is None else color

    def paint(self, text, color):
        if not self.color or color not in COLORS:
            return text
        return f"\033[{COLORS[color]}m{text}\033[0m"

    def json(self, value):
        print(clean_json(value), flush=True)

    def table(self, rows, columns):
        """rows: dicts; columns: (header, function of a row). Plain text, aligned."""
        cells = [[clean(fn(row) if fn(row) is not None else "") for _, fn in columns] for row in rows]
        widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, (h, _) in enumerate(columns)]
        print(self.paint("  ".join(h.upper().ljust(w) for (h, _), w in zip(columns, widths)).rstrip(), "bold"))
        for row in cells:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())

    def note(self, text):
        """Status lines go to stderr, so stdout stays pure data for pipes."""
        print(self.paint(clean(text), "dim"), file=sys.stderr, flush=True)


def clock(timestamp):
    """'2026-02-17T12:00:01.000Z' -> '12:00:01' (the day is rarely news in a live tail)."""
    return (timestamp or "")[11:19]


def short(text, width=100):
    text = clean(" ".join((text or "").split()))
    return text if len(text) <= width else text[: width - 1] + "…"
