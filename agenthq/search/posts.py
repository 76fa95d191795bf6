"""Posts found by a parsed query (agenthq.search.query): words through the engine's full-text
index (FTS5 or a tsvector), operators as plain SQL filters, readable channels only."""

from peewee import fn

from ..errors import NotFound
from ..models import Agent, Post, User, database, is_postgres
from ..services import reactions
from ..services.common import access_channel, readable_channel_ids
from ..validation import is_id
from .query import fts5

POST_TYPES = ("update", "insight", "question", "answer", "alert", "metric")

# Ranked by ts_rank over the weighted vector (title above content), divided by document length
# (flag 2), as bm25 favours a short dense post over one mention in a long one. plainto_tsquery
# reads no operators at all: every word required, as the quoted FTS5 terms are.
POSTGRES_MATCH = "plainto_tsquery('agenthq_text', {mark})"


def search_posts(identity, query, page, limit, include_replies=True):
    """(total, [post dict]) for a parsed Query; words rank by relevance then newest, operators
    alone list newest first. A filter nothing can satisfy (an unknown name, an unreadable
    channel) gives nothing, never an error."""
    mark = database.obj.param
    filters = _filters(identity, query, mark, include_replies)
    if filters is None:
        return 0, []
    where, params = filters
    readable_sql, readable_params = readable_channel_ids(identity).sql()
    where = [f"p.org_id = {mark}", f"p.channel_id IN ({readable_sql})", *where]
    params = [identity.org_id, *readable_params, *params]
    columns = ", ".join(f"p.{name}" for name in Post.FIELDS)
    offset = (page - 1) * limit
    words = " ".join(query.words)
    if not query.words:
        source, order, order_params = "FROM post AS p", "p.id DESC", []
    elif is_postgres():
        match = POSTGRES_MATCH.format(mark=mark)
        source = "FROM post AS p"
        where.insert(0, f"p.search @@ {match}")
        params.insert(0, words)
        order, order_params = f"ts_rank(p.search, {match}, 2) DESC, p.id DESC", [words]
    else:
        # CROSS JOIN makes SQLite run the MATCH once and look each hit's post up by rowid; a
        # plain JOIN may walk the org's posts and re-run the MATCH for every one of them.
        source = "FROM post_fts CROSS JOIN post AS p ON p.rowid = post_fts.rowid"
        where.insert(0, f"post_fts MATCH {mark}")
        params.insert(0, fts5(query.words))
        order, order_params = "post_fts.rank, p.id DESC", []
    clause = " AND ".join(where)
    total = database.execute_sql(f"SELECT count(*) {source} WHERE {clause}", params).fetchone()[0]
    rows = Post.raw(
        f"SELECT {columns} {source} WHERE {clause} ORDER BY {order} LIMIT {mark} OFFSET {mark}",
        *params, *order_params, limit, offset,
    )
    # The same post object as every other post list (SPEC §10): its reactions attached.
    return total, reactions.attach([post.to_dict() for post in rows])


def _filters(identity, query, mark, include_replies):
    """([SQL condition], [param]) for the operators, or None when nothing can match."""
    if query.unknown:
        return None
    where, params = [], []

    def any_of(column, values):
        where.append(f"{column} IN ({', '.join([mark] * len(values))})")
        params.extend(values)

    if query.authors:
        authors = author_ids(identity, query.authors)
        if not authors:
            return None
        any_of("p.author_id", sorted(authors))
    if query.channels:
        channels = set()
        for ref in query.channels:
            try:
                channels.add(access_channel(identity, ref).id)
            except NotFound:
                continue
        if not channels:
            return None
        any_of("p.channel_id", sorted(channels))
    if query.types:
        types = [kind for kind in query.types if kind in POST_TYPES]
        if not types:
            return None
        any_of("p.type", sorted(set(types)))
    if query.before:
        where.append(f"p.created_at < {mark}")
        params.append(query.before)
    if query.after:
        where.append(f"p.created_at > {mark}")
        params.append(query.after)
    if "reply" in query.is_:
        where.append("p.parent_id IS NOT NULL")
    elif not include_replies:
        where.append("p.parent_id IS NULL")
    if "pinned" in query.is_:
        where.append(f"p.pinned = {mark}")
        params.append(True)
    if "reply" in query.has:
        where.append("p.parent_id IS NULL AND EXISTS (SELECT 1 FROM post AS r WHERE r.parent_id = p.id)")
    if "reaction" in query.has:
        where.append("EXISTS (SELECT 1 FROM reaction AS x WHERE x.post_id = p.id)")
    return where, params


def author_ids(identity, values):
    """from: values as identity ids: `me`, an id, or the name of an agent or user of the org
    (case-insensitive). Several are OR-ed; unknown names add nothing."""
    ids, names = set(), set()
    for value in values:
        if value.lower() == "me":
            ids.add(identity.id)
        elif is_id(value):
            ids.add(value)
        elif value and "\x00" not in value:
            names.add(value.lower())
    if names:
        for model in (Agent, User):
            rows = model.select(model.id).where(
                (model.org_id == identity.org_id) & fn.LOWER(model.name).in_(sorted(names))
            ).tuples()
            ids.update(row[0] for row in rows)
    return ids
