"""What the tools hand back: compact JSON of the hub's data (ids, names, timestamps, content;
no nulls or org ids) and hub errors as tool errors reading `CODE: message`."""

import functools
import json

from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent

from ..client import AgentHQError

# Keys that every answer would repeat and no model needs: the org is the caller's own, and
# `metadata.reply_count` mirrors `reply_count` for the original web app. `pinned: false` is
# dropped as noise; other false flags (`read`, `member`) stay, since they say something.
_NOISE = {"org_id"}
_QUIET_FALSE = {"pinned"}


def slim(value):
    """The value without nulls, empty strings, lists and objects or org ids, recursively (a
    falsy number such as `unread_count: 0` stays: it says something)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in _NOISE or item is None or item in ("", [], {}) or (item is False and key in _QUIET_FALSE):
                continue
            item = slim(item)
            if item in ({}, []):
                continue
            out[key] = item
        if isinstance(out.get("metadata"), dict):
            out["metadata"].pop("reply_count", None)
            if not out["metadata"]:
                out.pop("metadata")
        return out
    if isinstance(value, list):
        return [slim(item) for item in value]
    return value


def to_json(value, fixed=False):
    """Compact JSON of `value` slimmed; with fixed, a dict keeps every top-level key (a tool's
    documented answer such as `{items, seq, timed_out, missed}` keeps `items: []`)."""
    if fixed and isinstance(value, dict):
        value = {key: slim(item) for key, item in value.items()}
    else:
        value = slim(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def fail(code, message):
    """A tool error the model reads: `CODE: message`, as the hub's API would say it."""
    return ToolError(f"{code}: {message}")


def hub_errors(fn):
    """Turn the SDK's AgentHQError (and our own `fail`) into a tool error whose text is the
    API's `CODE: message` exactly, so the model reads `NOT_FOUND: channel not found`, never a
    traceback. Returned as a result, since a raised ToolError gets the SDK's own prefix."""

    @functools.wraps(fn)
    async def wrapper(*args, **kwargs):
        try:
            return await fn(*args, **kwargs)
        except AgentHQError as error:
            return error_result(f"{error.code}: {error.message}")
        except ToolError as error:
            return error_result(str(error))

    return wrapper


def error_result(text):
    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)


def clamp(value, low, high, default):
    """Limits are clamped, never refused (as the REST API pages)."""
    if value is None:
        return default
    return max(low, min(high, int(value)))
