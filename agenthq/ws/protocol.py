"""The /ws wire protocol: what a client may send (checked here, so the session only sees
well-formed requests) and every frame the server sends. Pure functions; no Tornado, no database.
A malformed input is BadMessage (answered BAD_MESSAGE, the connection stays open) or, for a
token, an ApiError that refuses the connection; never an exception that escapes."""

import json
from dataclasses import dataclass

from ..errors import ApiError, InvalidApiKey, InvalidToken, Unauthorized

# A seq is a signed 64-bit integer in the database: a larger `since` is no position in any log.
MAX_SEQ = 2**63 - 1
# Real tokens are short (a JWT a few hundred characters, a key 47): anything longer is junk.
MAX_TOKEN = 4096
MAX_CHANNEL = 4096


class BadMessage(Exception):
    pass


@dataclass(frozen=True)
class ClientMessage:
    kind: str
    fields: dict
    # The original SDK's form, {"event": ..., "data": {...}} with no "type" (spec 6.4).
    original_form: bool


@dataclass(frozen=True)
class ConnectArgs:
    """The query of `GET /ws?...`, read from raw bytes: Tornado's own decoding raises on bad
    UTF-8 with the first 40 bytes of the value in the message, i.e. most of a token."""

    token: str | None = None
    token_error: ApiError | None = None
    since: int | None = None
    since_error: str | None = None
    aliases: bool = False


def connect_args(query_arguments):
    """ConnectArgs from Tornado's request.query_arguments ({name: [bytes, ...]}, last wins)."""

    def last(name):
        values = query_arguments.get(name)
        return values[-1] if values else None

    token, token_error = None, None
    raw_token = last("token")
    if raw_token:  # an empty token=, like no token, waits for the auth message
        try:
            token = raw_token.decode("utf-8")
        except UnicodeDecodeError:
            token_error = malformed_token(raw_token.startswith(b"ahq_"))
        else:
            token_error = token_problem(token)
            if token_error:
                token = None
    since, since_error = None, None
    raw_since = last("since")
    if raw_since is not None:
        # bytes.isdigit() is ASCII only ("²" is no digit), and the length check comes before
        # int(), which refuses (raises) past 4,300 digits.
        if raw_since.isdigit() and len(raw_since) <= 19 and int(raw_since) <= MAX_SEQ:
            since = int(raw_since)
        else:
            since_error = "since must be an integer from 0 to 2^63-1"
    aliases = last("aliases") in (b"1", b"true")
    return ConnectArgs(token, token_error, since, since_error, aliases)


def malformed_token(looks_like_key):
    """What REST answers for a token of that kind that matches nothing (an INVALID_API_KEY or
    INVALID_TOKEN reason under /ws's UNAUTHORIZED)."""
    return InvalidApiKey() if looks_like_key else InvalidToken()


def token_problem(token):
    """None if the token is worth a lookup; else the error to refuse it with. A token is
    printable ASCII: anything else (a lone surrogate, a control character, a space) can match
    no key or JWT, and must not reach code that hashes or logs it."""
    if not isinstance(token, str) or not token:
        return Unauthorized("The auth message needs a token")
    if len(token) > MAX_TOKEN or not all("!" <= c <= "~" for c in token):
        return malformed_token(token.startswith("ahq_"))
    return None


def parse(raw):
    """A client frame as a ClientMessage; BadMessage for anything else. In the original SDK's
    form the fields live under `data`; they are lifted beside `event`."""
    if isinstance(raw, bytes):
        raise BadMessage("Messages must be JSON text")
    try:
        message = json.loads(raw)
    except (ValueError, RecursionError):
        # RecursionError: thousands of nested brackets; ValueError also covers integers of
        # more than 4,300 digits, which Python refuses to parse.
        raise BadMessage("Message is not valid JSON") from None
    if not isinstance(message, dict):
        raise BadMessage("Message must be a JSON object")
    original_form = "type" not in message and "event" in message
    kind = message.get("type") or message.get("event")
    if not isinstance(kind, str):
        raise BadMessage("Message needs a string 'type'")
    if isinstance(message.get("data"), dict):
        message = {**message["data"], **{k: v for k, v in message.items() if k != "data"}}
    return ClientMessage(kind, message, original_form)


def string(fields, name):
    value = fields.get(name)
    if not isinstance(value, str) or not value or len(value) > MAX_CHANNEL:
        raise BadMessage(f"'{name}' must be a non-empty string")
    return value


def channel(fields):
    """The channel of a subscribe/unsubscribe: `channel`, or `channelId` (the original web
    client's field); an id or a name, resolved by the session."""
    if "channel" not in fields and "channelId" in fields:
        return string(fields, "channelId")
    return string(fields, "channel")


def since(fields):
    value = fields.get("since")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEQ:
        raise BadMessage("'since' must be an integer from 0 to 2^63-1")
    return value


# -- server frames --------------------------------------------------------------------------------


def frame(type_, data=None, **extra):
    """Every server frame carries `event` (a copy of `type`) and a `data` object, so clients of
    the original SDK, which read msg.event and msg.data, work unchanged."""
    return json.dumps({"type": type_, "event": type_, "data": data or {}, **extra}, separators=(",", ":"))


def error_frame(code, message, **extra):
    return frame("error", {"code": code, "message": message, **extra}, code=code, message=message, **extra)


def refusal_frame(error):
    """The spec's UNAUTHORIZED for every refused token, with REST's own code for the same token
    as `data.reason` and REST's message, so a client can tell a bad key from an expired JWT."""
    data = {"code": "UNAUTHORIZED", "message": error.message, "reason": error.code}
    return frame("error", data, code="UNAUTHORIZED", message=error.message)


def connected_frame(connection_id, identity, seq, heartbeat_interval):
    return frame("connected", {
        "connection_id": connection_id,
        "identity": identity.wire(),
        "org_id": identity.org_id,
        "seq": seq,
        "heartbeat_interval": heartbeat_interval,
    })


def subscribed_frame(channel_id):
    return frame("subscribed", {"channel": channel_id}, channel=channel_id)


def unsubscribed_frame(channel_id):
    return frame("unsubscribed", {"channel": channel_id}, channel=channel_id)


def heartbeat_ack_frame(timestamp):
    return frame("heartbeat_ack", {"timestamp": timestamp}, timestamp=timestamp)


def resync_frame(seq, channel_id=None):
    extra = {"channel": channel_id} if channel_id else {}
    return frame("resync_required", {"seq": seq, **extra}, **extra)
