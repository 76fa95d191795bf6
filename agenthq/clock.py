"""Time in the one wire format of the spec: ISO 8601 UTC with milliseconds and Z."""

from datetime import datetime, timedelta, timezone


def iso(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now_iso():
    return iso(datetime.now(timezone.utc))


def iso_ago(seconds):
    return iso(datetime.now(timezone.utc) - timedelta(seconds=seconds))


def parse_iso(text):
    """Accept any ISO 8601 form a client may send; naive means UTC. Raises ValueError."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment
