"""Claims with leases (SPEC §12.1). Every state change is one conditional UPDATE ... WHERE
that states what must still hold: on SQLite the single writer runs them one at a time; on
PostgreSQL a concurrent UPDATE of the same row waits for the other's commit and re-checks its
WHERE, so of any number of claimers, in any number of processes, exactly one matches."""

from datetime import datetime, timedelta, timezone

from ..clock import iso, now_iso
from ..errors import Forbidden, LeaseExpired, NotClaimed, TaskAssigned, TaskClaimed, TaskClosed
from ..models import Task
from .common import access_channel, readable_channel_ids
from .tasks import access_task, lease_live, may_manage, priority_order, task_event

CLOSED = ("completed", "cancelled")


def _later(seconds):
    return iso(datetime.now(timezone.utc) + timedelta(seconds=seconds))


def _claimable(now, identity):
    """What must hold at the moment of the UPDATE for `identity` to take the task."""
    return (Task.status.in_(("open", "in_progress"))
            & (Task.assigned_to.is_null() | (Task.assigned_to == identity.id)
               | (Task.lease_expires_at.is_null(False) & (Task.lease_expires_at <= now)))
            & (Task.lease_expires_at.is_null() | (Task.lease_expires_at <= now)
               | (Task.assigned_to == identity.id)))


def _take(identity, task, lease_seconds):
    """Try to claim `task` (as read); (task dict, events) on success, None if another won."""
    now = now_iso()
    renewing = task.assigned_to == identity.id and lease_live(task, now)
    fields = {Task.lease_expires_at: _later(lease_seconds), Task.updated_at: now}
    if not renewing:
        fields.update({Task.assigned_to: identity.id, Task.assigned_type: identity.kind,
                       Task.status: "in_progress", Task.claimed_at: now, Task.expired_holder: None,
                       Task.claim_count: Task.claim_count + 1})
    taken = Task.update(fields).where((Task.id == task.id) & _claimable(now, identity)).execute()
    if not taken:
        return None
    emitted = []
    if not renewing and task.assigned_to and task.assigned_to != identity.id and task.lease_expires_at:
        # The lease had run out but the sweep had not reached it yet: say so before the claim.
        emitted.append(task_event("task.expired", _returned(task, now), previous_assignee=_holder(task)))
    claimed = Task.get_by_id(task.id).to_dict()
    if not renewing:
        emitted.append(task_event("task.claimed", claimed))
    return claimed, emitted


def claim(identity, task_id, lease_seconds):
    task = access_task(identity, task_id)
    outcome = _take(identity, task, lease_seconds)
    if outcome is not None:
        return outcome
    task = Task.get_by_id(task.id)  # what beat us
    if task.status in CLOSED:
        raise TaskClosed()
    if lease_live(task):
        raise TaskClaimed()
    raise TaskAssigned()


def claim_next(identity, query, lease_seconds):
    """The next open, unassigned task the caller can see (filters: channel, priority), or None.
    A candidate another process took in between is skipped for the next one."""
    rows = Task.select().where((Task.org_id == identity.org_id) & (Task.status == "open") & Task.assigned_to.is_null())
    ref = query.get("channel_id") or query.get("channel")
    if ref:
        rows = rows.where(Task.channel_id == access_channel(identity, ref).id)
    else:
        rows = rows.where(Task.channel_id.is_null() | Task.channel_id.in_(readable_channel_ids(identity)))
    if query.get("priority"):
        rows = rows.where(Task.priority == query["priority"])
    for _ in range(5):
        candidates = list(rows.order_by(*priority_order()).limit(20))
        if not candidates:
            return None, []
        for task in candidates:
            outcome = _take(identity, task, lease_seconds)
            if outcome is not None:
                return outcome
    return None, []


def renew(identity, task_id, lease_seconds):
    task = access_task(identity, task_id)
    if task.lease_expires_at is None:
        if task.expired_holder == identity.id:
            raise LeaseExpired()
        raise NotClaimed()
    if task.assigned_to != identity.id:
        raise Forbidden("Only the lease holder can renew it")
    now = now_iso()
    renewed = Task.update({Task.lease_expires_at: _later(lease_seconds), Task.updated_at: now}).where(
        (Task.id == task.id) & (Task.assigned_to == identity.id) & (Task.lease_expires_at > now)).execute()
    if not renewed:
        raise LeaseExpired()
    return Task.get_by_id(task.id).to_dict(), []


def _holder(task):
    return {"id": task.assigned_to, "type": task.assigned_type}


def _returned(task, now):
    """The task as release leaves it: back in the pool."""
    data = task.to_dict()
    data.update(status="open", assigned_to=None, assigned_type=None, lease_expires_at=None, updated_at=now)
    return data


def _put_back(task, now, expired_holder=None):
    """Back in the pool, if the lease is still the one read (else another change won)."""
    return Task.update({
        Task.status: "open", Task.assigned_to: None, Task.assigned_type: None, Task.lease_expires_at: None,
        Task.updated_at: now, Task.expired_holder: expired_holder,
    }).where((Task.id == task.id) & (Task.lease_expires_at == task.lease_expires_at)
             & (Task.assigned_to == task.assigned_to)).execute()


def release(identity, task_id):
    task = access_task(identity, task_id)
    if task.lease_expires_at is None:
        raise NotClaimed()
    if task.assigned_to != identity.id and not may_manage(identity, task):
        raise Forbidden("Only the lease holder, the task's creator or an admin can release it")
    now = now_iso()
    if not _put_back(task, now):
        raise NotClaimed()
    return Task.get_by_id(task.id).to_dict(), [task_event("task.released", _returned(task, now),
                                                          previous_assignee=_holder(task))]


def release_all_of(identity_id):
    """Every lease `identity_id` holds, released (a deleted agent): the events to send."""
    now = now_iso()
    emitted = []
    for task in Task.select().where((Task.assigned_to == identity_id) & Task.lease_expires_at.is_null(False)):
        if _put_back(task, now):
            emitted.append(task_event("task.released", _returned(task, now), previous_assignee=_holder(task)))
    return emitted


def sweep(limit=500):
    """Put back every task whose lease has run out, with task.expired. The expiry is a column,
    so a restarted hub finds what ran out while it was down; with several processes each
    sweeps, and the conditional UPDATE lets exactly one of them report each task."""
    now = now_iso()
    emitted = []
    due = Task.select().where(Task.lease_expires_at.is_null(False) & (Task.lease_expires_at <= now))
    for task in due.order_by(Task.lease_expires_at).limit(limit):
        if _put_back(task, now, expired_holder=task.assigned_to):
            emitted.append(task_event("task.expired", _returned(task, now), previous_assignee=_holder(task)))
    return len(emitted), emitted
