"""GET /channels without paging, answered as JSON text built from the org's channel rows kept
in the hub's PageCache (agenthq/pagecache.py, a lone SQLite hub only) and one query of the
caller's memberships with their unread and mention counts. Asked on every page load and
reconnect by people in a hundred channels: rows read and encoded once, per request only the
caller's own state."""

import json

from .. import eventlog
from ..models import database
from ..pagecache import Encoded
from . import dms
from .readstate import CHANNEL_COLUMNS

_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def readable_with_state(identity, pages, channel_type=None):
    """What readstate.readable_with_state answers, then dms.decorate, as Encoded JSON."""
    rows = _org_rows(identity.org_id, pages)
    state = _memberships(identity)
    parts, dm_rows = [], []
    for channel_id, kind, head, row in rows:
        if channel_type and kind != channel_type:
            continue
        mine = state.get(channel_id)
        if mine is None:
            if kind != "public":  # private channels and DMs only to their members
                continue
            parts.append(head + ',"member":false,"last_read_seq":null,"unread_count":0,"mention_count":0}')
            continue
        seq, unread, mentioned = mine
        seq = "null" if seq is None else int(seq)  # NOT NULL in the schema; never "None" in JSON
        tail = f',"member":true,"last_read_seq":{seq},"unread_count":{unread},"mention_count":{mentioned}'
        if kind == "dm":  # who the other member is, per caller: as dms.decorate says
            dm_rows.append((len(parts), dict(zip(CHANNEL_COLUMNS, row)), tail))
            parts.append(None)
        else:
            parts.append(head + tail + "}")
    if dm_rows:
        decorated = dms.decorate(identity, [channel for _, channel, _ in dm_rows])
        for (index, _, tail), channel in zip(dm_rows, decorated):
            extra = {name: channel[name] for name in ("member_id", "member_type", "member_name") if name in channel}
            parts[index] = rows_head(channel) + tail + (("," + _ENCODE(extra)[1:-1]) if extra else "") + "}"
    return Encoded("[" + ",".join(parts) + "]"), len(parts)


def rows_head(channel):
    """A channel row's JSON object without its closing brace (the caller's state follows)."""
    return _ENCODE({name: channel[name] for name in CHANNEL_COLUMNS})[:-1]


def _org_rows(org_id, pages):
    """((id, type, head, row), ...) of every channel of the org, by name then id."""
    rows = pages.channel_rows(org_id)
    if rows is not None:
        return rows
    param = database.obj.param
    # The seq this read's snapshot has reached, read in the same transaction as the rows.
    seq = eventlog.newest_seq(org_id)
    columns = ", ".join(f'"{name}"' for name in CHANNEL_COLUMNS)
    found = database.execute_sql(
        f'SELECT {columns} FROM "channel" WHERE "org_id" = {param} ORDER BY "name", "id"', [org_id]).fetchall()
    rows = tuple((row[0], row[4], rows_head(dict(zip(CHANNEL_COLUMNS, row))), tuple(row)) for row in found)
    pages.store_channel_rows(org_id, seq, rows)
    return rows


def _memberships(identity):
    """{channel_id: (last_read_seq, unread_count, mention_count)} of the caller's memberships,
    in one query (readstate._counts's three, as correlated counts off the same indexes)."""
    param = database.obj.param
    rows = database.execute_sql(
        f'SELECT m."channel_id", m."last_read_seq", '
        f'(SELECT count(*) FROM "post" AS p WHERE p."channel_id" = m."channel_id" AND p."seq" > m."last_read_seq" '
        f'AND p."parent_id" IS NULL AND p."author_id" != {param}), '
        f'(SELECT count(*) FROM "mention" AS n JOIN "post" AS p ON p."id" = n."post_id" '
        f'WHERE n."mentioned_id" = m."member_id" AND n."channel_id" = m."channel_id" AND p."seq" > m."last_read_seq") '
        f'FROM "channel_member" AS m WHERE m."member_id" = {param}', [identity.id, identity.id]).fetchall()
    return {row[0]: (row[1], row[2], row[3]) for row in rows}
