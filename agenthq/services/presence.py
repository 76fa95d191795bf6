"""Agent presence driven by sockets and heartbeats: online while an agent has an open
connection or a fresh heartbeat; agent.online / agent.offline fire once per transition."""

from ..clock import iso_ago
from ..models import Agent
from .agents import set_status


def connected(agent_id):
    """An agent opened a socket: it is online (busy stays busy) and its heartbeat is fresh."""
    agent = Agent.get_or_none(Agent.id == agent_id)
    if agent is None:
        return None, []
    return None, set_status(agent, "online" if agent.status == "offline" else agent.status, beat=True)


def beat(agent_id):
    return connected(agent_id)


def disconnected(agent_id):
    """The agent's last socket closed. Closing is an explicit goodbye, so it goes offline now
    rather than when its last heartbeat expires."""
    agent = Agent.get_or_none(Agent.id == agent_id)
    if agent is None or agent.status == "offline":
        return None, []
    return None, set_status(agent, "offline")


def sweep(timeout_seconds, connected_agent_ids):
    """Agents that went quiet without closing: no socket here and no heartbeat within the
    timeout. Each goes offline once."""
    cutoff = iso_ago(timeout_seconds)
    quiet = Agent.select().where(
        (Agent.status != "offline")
        & ((Agent.last_heartbeat.is_null()) | (Agent.last_heartbeat < cutoff))
        & Agent.id.not_in(list(connected_agent_ids))
    )
    events = []
    for agent in quiet:
        events.extend(set_status(agent, "offline"))
    return None, events

