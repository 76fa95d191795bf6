"""Agent presence rules: an agent is online while it has an open connection or a heartbeat
(REST, WS, or opening a socket) newer than the presence timeout; agent.online /
agent.offline fire once per transition. upkeep.py decides when these run."""

from ..clock import iso_ago
from ..models import Agent
from .agents import set_status


def connected(agent_id):
    """An agent opened a socket: it is online (busy stays busy) and its heartbeat is fresh."""
    agent = Agent.get_or_none(Agent.id == agent_id)
    if agent is None:
        return None, []
    return None, set_status(agent, "online" if agent.status == "offline" else agent.status, beat=True)


def connected_many(agent_ids):
    """connected() for several agents in one transaction, their events in that order."""
    events = []
    for agent_id in agent_ids:
        events += connected(agent_id)[1]
    return None, events


def beat(agent_id):
    return connected(agent_id)


def disconnected(agent_id, timeout_seconds):
    """The agent's last socket closed. With a fresh heartbeat it stays online (a client that
    reconnects within the timeout, or flaps, emits nothing; the sweep takes it offline once
    the heartbeat ages out); with a stale one it goes offline now."""
    agent = Agent.get_or_none(Agent.id == agent_id)
    if agent is None or agent.status == "offline":
        return None, []
    cutoff = iso_ago(timeout_seconds)
    if agent.last_heartbeat and agent.last_heartbeat >= cutoff:
        return None, []
    return None, set_status(agent, "offline", stale_before=cutoff)


def quiet(timeout_seconds):
    """Ids of agents shown online whose heartbeat is older than the timeout: the ones a sweep
    may take offline, unless a socket on some process (Redis presence) says otherwise."""
    rows = Agent.select(Agent.id).where(
        (Agent.status != "offline") & ((Agent.last_heartbeat.is_null()) | (Agent.last_heartbeat < iso_ago(timeout_seconds)))
    )
    return [row.id for row in rows]


def reassert(connected_agent_ids):
    """Agents with a socket here but stored offline: with several processes, one may have
    taken an agent offline (its last socket there closed) just as it connected to another.
    The process that holds the socket puts it right at its next upkeep round."""
    stray = Agent.select().where((Agent.status == "offline") & Agent.id.in_(list(connected_agent_ids)))
    events = []
    for agent in stray:
        events.extend(set_status(agent, "online", beat=True))
    return None, events


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
        events.extend(set_status(agent, "offline", stale_before=cutoff))
    return None, events

