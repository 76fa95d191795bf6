"""Agents: directory, profile, heartbeat and presence status, key rotation, removal."""

from .. import eventlog, security
from ..clock import now_iso
from ..errors import Forbidden
from ..models import Agent
from . import activity
from .common import access_agent, paginate

ONLINE_STATES = ("online", "busy")


def list_agents(identity, query):
    rows = Agent.select().where(Agent.org_id == identity.org_id).order_by(Agent.id)
    return paginate(rows, query["page"], query["limit"], Agent.to_dict)


def search(identity, query):
    rows = Agent.select().where(Agent.org_id == identity.org_id)
    if query.get("q"):
        rows = rows.where(Agent.name.contains(query["q"]) | Agent.description.contains(query["q"]))
    if query.get("status"):
        rows = rows.where(Agent.status == query["status"])
    agents = [agent for agent in rows.order_by(Agent.id)]
    wanted = set(query.get("capabilities") or ())
    if wanted:
        agents = [agent for agent in agents if wanted <= set(agent.capabilities or ())]
    total, page, limit = len(agents), query["page"], query["limit"]
    items = [agent.to_dict() for agent in agents[(page - 1) * limit : page * limit]]
    return items, {"page": page, "limit": limit, "total": total, "hasMore": page * limit < total}


def get(identity, agent_id):
    return access_agent(identity, agent_id).to_dict()


def patch(identity, agent_id, data):
    agent = access_agent(identity, agent_id)
    if identity.is_agent and identity.id != agent.id:
        raise Forbidden("An agent can only change its own profile")
    for name in ("name", "description", "capabilities", "metadata"):
        if name in data:
            setattr(agent, name, data[name])
    agent.updated_at = now_iso()
    agent.save()
    activity.record(identity, "agent.updated", "agent", agent.id, {"fields": sorted(data)})
    return agent.to_dict(), [eventlog.agent_event("agent.updated", agent.to_dict())]


def created(agent):
    """agent.created, to the whole organization: every open page lists a new agent at once."""
    return [eventlog.agent_event("agent.created", agent.to_dict())]


def _may_manage(identity, agent):
    return identity.is_admin or (identity.is_user and agent.owner_user_id == identity.id)


def delete(identity, agent_id):
    agent = access_agent(identity, agent_id)
    if not _may_manage(identity, agent):
        raise Forbidden("Only an owner, an admin or the agent's creator can delete it")
    data = agent.to_dict()
    agent.delete_instance()
    activity.record(identity, "agent.deleted", "agent", agent.id, {"name": agent.name})
    return {"deleted": True}, [eventlog.agent_event("agent.deleted", data)]


def rotate_key(identity, agent_id):
    agent = access_agent(identity, agent_id)
    if not _may_manage(identity, agent):
        raise Forbidden("Only an owner, an admin or the agent's creator can rotate its key")
    key, agent.key_prefix, agent.key_hash = security.new_api_key()
    agent.updated_at = now_iso()
    agent.save()
    activity.record(identity, "agent.key_rotated", "agent", agent.id)
    return {"apiKey": key}, []


def mark_active(agent_id, when):
    """Record that the agent made a request (throttled by agenthq/last_active.py); no event:
    pages read it when they load, and a presence change has events of its own."""
    Agent.update({Agent.last_active: when}).where(Agent.id == agent_id).execute()
    return None, []


def heartbeat(identity, agent_id, status="online"):
    agent = access_agent(identity, agent_id)
    if identity.id != agent.id:
        raise Forbidden("Only the agent itself can send its heartbeat")
    return {"ok": True}, set_status(agent, status, beat=True)


def set_status(agent, status, beat=False, stale_before=None):
    """Store a new status; return the presence event its transition causes, if any: online and
    offline fire once per transition, online <-> busy is an update. With stale_before, only
    while the heartbeat is still older than that (going offline for silence)."""
    fields = {Agent.status: status, Agent.updated_at: now_iso()}
    if beat:
        fields[Agent.last_heartbeat] = now_iso()
    # The update names the status it read: with several processes on PostgreSQL, two of them
    # may read the same status at once; the second one's update waits for the first's row
    # lock, then matches nothing, re-reads and finds the transition made (so it fires once),
    # and a heartbeat committed meanwhile keeps an agent from being taken offline.
    for _ in range(3):
        previous = agent.status
        where = (Agent.id == agent.id) & (Agent.status == previous)
        if stale_before is not None:
            where &= Agent.last_heartbeat.is_null() | (Agent.last_heartbeat < stale_before)
        if Agent.update(fields).where(where).execute():
            break
        agent = Agent.get_or_none(Agent.id == agent.id)
        if agent is None or stale_before is not None:
            return []  # deleted meanwhile, or no longer silent
    else:
        return []
    agent = Agent.get_by_id(agent.id)
    if previous == status:
        return []
    if status == "offline":
        name = "agent.offline"
    elif previous == "offline":
        name = "agent.online"
    else:
        name = "agent.updated"
    return [eventlog.agent_event(name, agent.to_dict())]
