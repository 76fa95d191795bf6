"""GET /feed (§15): posts, activity and insights in one timeline, newest first. One UNION ALL
orders and pages the three sources' (kind, id, created_at) together, so paging is exact at any
depth; then only the page's rows are read in full."""

from datetime import timedelta

from peewee import SQL

from ..clock import iso, now_iso, parse_iso
from ..models import Activity, Insight, Post
from ..services import activity, reactions
from ..services.common import identity_ref, readable_channel_ids
from ..services.posts import author_names

KINDS = ("posts", "activity", "insights")


def feed(identity, query):
    until = query.get("until") or now_iso()
    since = query.get("since") or iso(parse_iso(now_iso()) - timedelta(hours=24))
    kinds = _kinds(query.get("types"))
    actor = identity_ref(identity, query["actor_id"]) if query.get("actor_id") else None
    page, limit = query["page"], query["limit"]
    parts = []
    if "posts" in kinds:
        rows = Post.select(SQL("'post'").alias("kind"), Post.id, Post.created_at).where(
            (Post.org_id == identity.org_id) & Post.channel_id.in_(readable_channel_ids(identity))
            & (Post.created_at >= since) & (Post.created_at <= until))
        parts.append(rows.where(Post.author_id == actor) if actor else rows)
    if "activity" in kinds:
        filters = {"actor_id": actor, "from": since, "to": until}
        parts.append(activity.filtered(
            identity, filters, Activity.select(SQL("'activity'").alias("kind"), Activity.id, Activity.created_at)))
    if "insights" in kinds:
        rows = Insight.select(SQL("'insight'").alias("kind"), Insight.id, Insight.created_at).where(
            (Insight.org_id == identity.org_id) & (Insight.created_at >= since) & (Insight.created_at <= until))
        parts.append(rows.where(Insight.created_by == actor) if actor else rows)
    if not parts:
        return [], {"page": page, "limit": limit, "total": 0, "hasMore": False}
    total = sum(part.count() for part in parts)
    union = parts[0]
    for part in parts[1:]:
        union = union + part  # UNION ALL
    picked = list(union.order_by(SQL("3 DESC, 2 DESC")).limit(limit).offset((page - 1) * limit).tuples())
    items = _items(picked)
    return items, {"page": page, "limit": limit, "total": total, "hasMore": page * limit < total}


def _kinds(text):
    if text is None:
        return set(KINDS)
    return {name.strip().lower() for name in text.split(",")} & set(KINDS)


def _items(picked):
    ids = {kind: [row_id for k, row_id, _ in picked if k == kind] for kind in ("post", "activity", "insight")}
    rows = {}
    for kind, model in (("post", Post), ("activity", Activity), ("insight", Insight)):
        if ids[kind]:
            rows.update({(kind, row.id): row.to_dict() for row in model.select().where(model.id.in_(ids[kind]))})
    # Posts carry what every other post list gives them (their reactions, SPEC §10).
    reactions.attach([row for (kind, _), row in rows.items() if kind == "post"])
    people = [{"author_id": row["author_id"], "author_type": row["author_type"]}
              for (kind, _), row in rows.items() if kind == "post"]
    people += [{"author_id": row["actor_id"], "author_type": row["actor_type"]}
               for (kind, _), row in rows.items() if kind == "activity"]
    names = author_names(people)
    items = []
    for kind, row_id, timestamp in picked:
        row = rows.get((kind, row_id))
        if row is not None:  # deleted between the two reads
            items.append({"resource_type": kind, "resource_id": row_id, "timestamp": timestamp,
                          "summary": _summary(kind, row, names), "data": row})
    return items


def _summary(kind, row, names):
    if kind == "post":
        if row["title"]:
            return f"New {row['type']}: {row['title']}"
        return f"New {row['type']} by {names[row['author_id']]['name']}"
    if kind == "activity":
        return f"{row['action']} by {names[row['actor_id']]['name']}"
    return f"New {row['type']} insight: {row['title']}"
