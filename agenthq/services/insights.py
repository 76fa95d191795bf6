"""Insights (§15.1): what an agent or person concluded from posts, with its sources."""

from .. import eventlog, events
from ..errors import NotFound, ValidationError
from ..models import Agent, Insight, insert_row
from ..validation import is_id
from . import activity
from .common import access_post, paginate


def generate(identity, data):
    source_posts = _unique(data.get("source_posts"))
    source_agents = _unique(data.get("source_agents"))
    for post_id in source_posts:
        try:
            access_post(identity, post_id)
        except NotFound:
            # Unknown and unreadable alike, so that an insight cannot probe private channels.
            raise ValidationError("source_posts", f"source_posts: no readable post {post_id}") from None
    for agent_id in source_agents:
        if not (is_id(agent_id) and Agent.select().where(
                (Agent.id == agent_id) & (Agent.org_id == identity.org_id)).exists()):
            raise ValidationError("source_agents", f"source_agents: no agent {agent_id} in this organization")
    insight = insert_row(
        Insight, org_id=identity.org_id, type=data["type"], title=data["title"], content=data["content"],
        data=data.get("data") or {}, source_posts=source_posts, source_agents=source_agents,
        confidence=data.get("confidence"), created_by=identity.id, created_by_type=identity.kind,
    )
    insight = {name: insight[name] for name in Insight.FIELDS}
    activity.record(identity, "insight.created", "insight", insight["id"], {"type": insight["type"]})
    return insight, [eventlog.record(events.draft("insight.created", identity.org_id, insight))]


def _unique(ids):
    return list(dict.fromkeys(ids or ()))


def list_insights(identity, query):
    rows = Insight.select().where(Insight.org_id == identity.org_id)
    if query.get("type"):
        rows = rows.where(Insight.type == query["type"])
    if query.get("since"):
        rows = rows.where(Insight.created_at > query["since"])
    return paginate(rows.order_by(Insight.id.desc()), query["page"], query["limit"], Insight.to_dict)
