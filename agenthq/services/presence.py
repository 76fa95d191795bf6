"""Agent presence rules: an agent is online while it has an open connection or a heartbeat
(REST, WS, or opening a socket) newer than the presence timeout; agent.online /
agent.offline fire once per transition. upkeep.py decides when these run."""

from .. import eventlog, events as event_data
from ..clock import iso_ago, now_iso
from ..models import Agent, next_seq
from .agents import set_status

# Ids per statement: far below any database's limit on parameters.
CHUNK = 500


def connected(agent_id):
    """An agent opened a socket: it is online (busy stays busy) and its heartbeat is fresh."""
    agent = Agent.get_or_none(Agent.id == agent_id)
    if agent is None:
        return None, []
    return None, set_status(agent, "online" if agent.status == "offline" else agent.status, beat=True)


def connected_many(agent_ids):
    """connected() for several agents in one transaction (the sockets a reconnecting fleet
    opened meanwhile), in a few statements instead of three per agent: one heartbeat for those
    online or busy already, one move to online for those offline (which returns them, for
    their agent.online events, in the order given, their seqs in one block per organization).
    Each update names the status it expects, as set_status does; an agent neither matched
    (deleted, or moved by another process between the two) takes connected()'s own path."""
    ordered = list(dict.fromkeys(agent_ids))
    went_online = {}
    left = []
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start:start + CHUNK]
        stamp = now_iso()
        beat = {Agent.last_heartbeat: stamp, Agent.updated_at: stamp}
        live = {row.id for row in Agent.update(beat).where(Agent.id.in_(chunk) & (Agent.status != "offline"))
                .returning(Agent.id)}
        rest = [agent_id for agent_id in chunk if agent_id not in live]
        if rest:
            query = (Agent.update({**beat, Agent.status: "online"})
                     .where(Agent.id.in_(rest) & (Agent.status == "offline")).returning(Agent))
            went_online.update((agent.id, agent) for agent in query)
            left += [agent_id for agent_id in rest if agent_id not in went_online]
    by_org = {}
    for agent_id in ordered:
        agent = went_online.get(agent_id)
        if agent is not None:
            by_org.setdefault(agent.org_id, []).append(event_data.agent_event("agent.online", agent.to_dict()))
    found = []
    for org_id, drafts in by_org.items():
        last = next_seq(org_id, len(drafts))  # one block of seqs per organization
        found += [eventlog.record(draft, last - len(drafts) + 1 + i) for i, draft in enumerate(drafts)]
    for agent_id in left:
        found += connected(agent_id)[1]
    return None, found


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

