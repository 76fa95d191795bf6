"""The search box's language, parsed without touching the database: `key:value` and
`key:"quoted value"` operators (from, in, type, before, after, has, is) and words. Every word
is later quoted for the engine, so nothing a person types can be FTS syntax."""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from ..errors import ValidationError

OPERATORS = ("from", "in", "type", "before", "after", "has", "is")

# One token: key:"quoted value" (the closing quote optional, so an unbalanced quote just runs
# to the end), key:value, a "quoted phrase" or a bare run of non-space characters.
_TOKEN = re.compile(r'(\w+):"([^"]*)"?|(\w+):(\S+)|"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})")


@dataclass
class Query:
    words: list = field(default_factory=list)
    authors: list = field(default_factory=list)  # from: values, OR-ed
    channels: list = field(default_factory=list)  # in: values, each must hold (AND)
    types: list = field(default_factory=list)  # type: values, AND-ed (two differ: nothing)
    before: str = None  # ISO instant, exclusive
    after: str = None  # ISO instant, exclusive
    has: set = field(default_factory=set)  # reply, reaction
    is_: set = field(default_factory=set)  # pinned, reply
    unknown: bool = False  # a has:/is: value we do not know: nothing can match

    @property
    def has_filters(self):
        return bool(self.authors or self.channels or self.types or self.before or self.after
                    or self.has or self.is_ or self.unknown)


def parse(text):
    query = Query()
    for match in _TOKEN.finditer(text):
        key, value = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        if key is not None and key.lower() in OPERATORS:
            _apply(query, key.lower(), value)
            continue
        # Unknown keys, phrases and plain words are all just words.
        query.words.extend(_WORD.findall(match.group(0)))
    return query


def _apply(query, key, value):
    value = value.strip()
    if key == "from":
        query.authors.append(value)
    elif key == "in":
        query.channels.append(value)
    elif key == "type":
        query.types.append(value.lower())
    elif key in ("before", "after"):
        bound = instant(value, end_of_day=(key == "after"))
        if key == "before":
            query.before = min(filter(None, (query.before, bound)))
        else:
            query.after = max(filter(None, (query.after, bound)))
    elif key in ("has", "is"):
        known = {"has": ("reply", "reaction"), "is": ("pinned", "reply")}[key]
        value = value.lower()
        if value in known:
            (query.has if key == "has" else query.is_).add(value)
        else:
            query.unknown = True


def instant(value, end_of_day=False):
    """`YYYY-MM-DD` as a UTC day (its start for before:, its end for after:) or a strict ISO
    timestamp, as our ISO form (milliseconds, Z), comparable as text with created_at."""
    try:
        if _DAY.fullmatch(value):
            moment = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=timezone.utc)
            if end_of_day:
                moment += timedelta(days=1) - timedelta(milliseconds=1)
        elif _INSTANT.fullmatch(value):
            moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)
        else:
            raise ValueError(value)
    except ValueError:
        raise ValidationError("q", "q: before: and after: take a date (YYYY-MM-DD) or an ISO timestamp") from None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def fts5(words):
    """The words as an FTS5 query: each a quoted term, all required."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)
