"""Time in the one wire format of the spec: ISO 8601 UTC with milliseconds and Z."""

import time
from datetime import datetime, timedelta, timezone


def iso(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


_second = (None, "")  # the last whole second formatted, and its text up to the dot


def now_iso():
    # iso(datetime.now()) without strftime each call: a POST stamps three rows, and strftime
    # cost more than the insert of one. The second's text is kept; only milliseconds change.
    # One tuple, read and replaced whole, so that threads never mix two seconds.
    global _second
    second, rest = divmod(time.time_ns() // 1_000_000, 1000)
    known = _second
    if known[0] != second:
        known = _second = (second, time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(second)))
    return f"{known[1]}{rest:03d}Z"


def iso_ago(seconds):
    return iso(datetime.now(timezone.utc) - timedelta(seconds=seconds))


def parse_iso(text):
    """Accept any ISO 8601 form a client may send; naive means UTC. Raises ValueError."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment
