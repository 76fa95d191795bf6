"""Request bodies as JSON objects: the checks that keep hostile JSON out of storage, run off the
event loop on a small bounded pool. A 1 MiB body costs up to a second to parse (a few hundred
thousand small arrays); on the loop, a flood of them stalls every other request. So first a
bound that costs a fraction of a millisecond (how many values the body can hold at most), then
json.loads, whose C code holds the interpreter for as long as it runs: the bound keeps that
short; then the checks in Python, which let the loop's thread in every few milliseconds."""

import asyncio
import json
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from .errors import InvalidJson, Unavailable

# Deeper than this is no one's real data, and far below where json's recursion would fail.
MAX_JSON_DEPTH = 64
# Objects and arrays, and values of any kind, in one body (outside its strings): a post with
# large metadata fits; 1 MiB of "[[],[],...]" does not.
MAX_JSON_CONTAINERS = 10_000
MAX_JSON_VALUES = 100_000

# Below this a parse costs less than the hop to a thread and back.
INLINE_BYTES = 4096


class JsonParser:
    """workers threads parse; at most `queue` bodies wait for them, beyond which the request
    gets 503 (each waiting body is memory an attacker chose to spend)."""

    def __init__(self, workers, queue):
        self.executor = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="agenthq-json",
                                           initializer=_yield_to_the_loop)
        self.limit = max(1, workers) + max(0, queue)
        self.pending = 0

    async def parse(self, raw):
        if len(raw) <= INLINE_BYTES and not _too_many(raw):
            return parse_json_object(raw)
        if self.pending >= self.limit:
            raise Unavailable("Too many request bodies waiting to be read; retry shortly",
                              headers={"Retry-After": "1"})
        self.pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self.executor, parse_json_object, raw)
        finally:
            self.pending -= 1


def bound(raw):
    """Refuse, before parsing, a body that holds too many values. The first count is over the
    raw bytes (bytes.count is C: well under a millisecond for 1 MiB) and includes characters
    inside strings, so it can only overestimate; only a body over it is counted again, without
    its strings (a post of 20,000 "[" is one value)."""
    if _too_many(raw):
        problem = _too_many(_outside_strings(raw))
        if problem:
            raise InvalidJson(problem)


def _too_many(raw):
    containers = raw.count(b"[") + raw.count(b"{")
    if containers > MAX_JSON_CONTAINERS:
        return f"Request body holds more than {MAX_JSON_CONTAINERS} objects and arrays"
    if containers + raw.count(b",") + raw.count(b":") > MAX_JSON_VALUES:
        return f"Request body holds more than {MAX_JSON_VALUES} values"
    return None


def _outside_strings(raw):
    """The bytes between JSON strings. Escaped backslashes, then escaped quotes, are removed
    first, so every quote left opens or closes a string (in valid JSON). Replace and split only:
    no regular expression, whose retries on an unterminated string would be quadratic."""
    return b"".join(raw.replace(b"\\\\", b"").replace(b'\\"', b"").split(b'"')[0::2])


def _yield_to_the_loop():
    """Parsing threads run at a lower priority than the event loop's: when both want the CPU
    (one core, a flood of bodies), the kernel gives it to the loop, which answers everyone."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except OSError:
        pass


def parse_json_object(raw):
    """A request body as a dict, or InvalidJson. Also refused, because once stored they would
    break every later answer that includes them: NaN and Infinity (not JSON; a browser's
    JSON.parse rejects them; 1e999 parses as infinity), lone surrogates such as "\\ud800" (valid
    JSON escapes, but not UTF-8) and absurd nesting."""
    bound(raw)
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise InvalidJson() from None
    if not isinstance(data, dict):
        raise InvalidJson()
    try:
        _check(data)
    except UnicodeEncodeError:
        raise InvalidJson("Request body must be valid UTF-8 (no lone surrogates)") from None
    return data


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def _check(data):
    """Depth, finite numbers and encodable strings in one walk, without recursion."""
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise InvalidJson(f"Request body is nested more than {MAX_JSON_DEPTH} levels deep")
        if type(item) is dict:
            for key in item:
                key.encode("utf-8")
            children = item.values()
        else:
            children = item
        for child in children:
            kind = type(child)
            if kind is dict or kind is list:
                stack.append((child, depth + 1))
            elif kind is str:
                child.encode("utf-8")
            elif kind is float and not math.isfinite(child):
                raise InvalidJson("Request body holds a number out of range")
