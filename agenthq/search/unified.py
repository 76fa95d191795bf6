"""GET /search (§15): one query over posts, insights, agents, channels and tasks, each list
paged alike, in the original's shape. Runs on the storage's search pool."""

import re

from ..models import Agent, Channel, Insight, Task, database, is_postgres
from ..services.common import readable_channel_ids
from .posts import search_posts
from .query import fts5, parse

TYPES = ("posts", "insights", "agents", "channels", "tasks")


def wanted_types(text):
    """`types` comma-separated; unknown names dropped; absent means all."""
    if text is None:
        return set(TYPES)
    return {name.strip().lower() for name in text.split(",")} & set(TYPES)


def search(identity, query):
    parsed = parse(query["q"])
    page, limit = query["page"], query["limit"]
    types = wanted_types(query.get("types"))
    include_replies = query.get("include_replies") in ("true", "1") or "reply" in parsed.is_
    data = {name: [] for name in TYPES}
    counts = dict.fromkeys(TYPES, 0)
    if "posts" in types and (parsed.words or parsed.has_filters):
        counts["posts"], data["posts"] = search_posts(identity, parsed, page, limit, include_replies)
    # Operators filter posts; the other kinds match words only, and nothing without words.
    if parsed.words:
        if "agents" in types:
            counts["agents"], data["agents"] = _ranked(Agent, Agent.FIELDS, identity, parsed.words, page, limit)
        if "channels" in types:
            counts["channels"], data["channels"] = _channels(identity, parsed.words, page, limit)
        if "insights" in types:
            counts["insights"], data["insights"] = _ranked(Insight, Insight.FIELDS, identity, parsed.words, page, limit)
        if "tasks" in types:
            counts["tasks"], data["tasks"] = _tasks(identity, parsed.words, page, limit)
    total = sum(counts.values())
    has_more = any(count > page * limit for count in counts.values())
    return data, {"page": page, "limit": limit, "counts": counts, "total": total, "hasMore": has_more}


def _ranked(model, fields, identity, words, page, limit):
    """Rows of the org's `model` (agent or insight) holding every word, through its full-text
    index (<table>_fts on SQLite, the `search` column on PostgreSQL), best first then newest."""
    mark = database.obj.param
    table = model._meta.table_name
    columns = ", ".join(f"a.{name}" for name in fields)
    if is_postgres():
        match = f"plainto_tsquery('agenthq_text', {mark})"
        source = f"FROM {table} AS a WHERE a.search @@ {match} AND a.org_id = {mark}"
        params = [" ".join(words), identity.org_id]
        order, order_params = f"ts_rank(a.search, {match}) DESC, a.id DESC", [" ".join(words)]
    else:
        source = (f"FROM {table}_fts CROSS JOIN {table} AS a ON a.rowid = {table}_fts.rowid "
                  f"WHERE {table}_fts MATCH {mark} AND a.org_id = {mark}")
        params = [fts5(words), identity.org_id]
        order, order_params = f"{table}_fts.rank, a.id DESC", []
    total = database.execute_sql(f"SELECT count(*) {source}", params).fetchone()[0]
    rows = model.raw(f"SELECT {columns} {source} ORDER BY {order} LIMIT {mark} OFFSET {mark}",
                     *params, *order_params, limit, (page - 1) * limit)
    return total, [{name: getattr(row, name) for name in fields} for row in rows]


def _words_of(text):
    return {word.lower() for word in re.findall(r"[^\W_]+", text or "")}


def _channels(identity, words, page, limit):
    """Readable channels whose name or description holds every word, each as a word or the
    start of one ("deploy" finds #deploys and "deployment notes"). An org has tens or
    hundreds of channels, so they are matched here rather than through an index."""
    wanted = [word.lower() for word in words]
    channels = Channel.select().where(Channel.id.in_(readable_channel_ids(identity))).order_by(Channel.name)
    hits = []
    for channel in channels:
        have = _words_of(channel.name) | _words_of(channel.description)
        if all(any(word.startswith(part) for word in have) for part in wanted):
            hits.append(channel)
    return len(hits), [channel.to_dict() for channel in hits[(page - 1) * limit:page * limit]]



def _tasks(identity, words, page, limit):
    """Tasks the caller can see (no channel, or a readable one; as GET /tasks) whose title or
    description holds every word, each as a word or the start of one (as channels), newest
    first. There is no full-text index on tasks: the database narrows them by substring
    (LIKE is case-blind for ASCII only, so a word with other letters is left to the check
    here), and only those candidates are read."""
    wanted = [word.lower() for word in words]
    rows = Task.select().where((Task.org_id == identity.org_id) & (
        Task.channel_id.is_null() | Task.channel_id.in_(readable_channel_ids(identity))))
    for word in wanted:
        if word.isascii():
            rows = rows.where(Task.title.contains(word) | Task.description.contains(word))
    hits = []
    for task in rows.order_by(Task.id.desc()):
        have = _words_of(task.title) | _words_of(task.description)
        if all(any(word.startswith(part) for word in have) for part in wanted):
            hits.append(task)
    return len(hits), [task.to_dict() for task in hits[(page - 1) * limit:page * limit]]
