"""Claims with leases (SPEC §12.1). Every state change is one conditional UPDATE ... WHERE
that states what must still hold: on SQLite the single writer runs them one at a time; on
PostgreSQL a concurrent UPDATE of the same row waits for the other's commit and re-checks its
WHERE, so of any number of claimers, in any number of processes, exactly one matches. The
claim's own SQL (the queue, the UPDATE ... RETURNING) is agenthq/services/task_sql.py."""

from datetime import datetime, timedelta, timezone

from ..clock import iso, now_iso
from ..errors import Forbidden, NotFound, LeaseExpired, NotClaimed, TaskAssigned, TaskClaimed, TaskClosed
from ..models import Task
from ..models.db import is_postgres
from . import task_sql
from .common import access_channel
from .tasks import access_task, lease_live, may_manage, task_event

CLOSED = ("completed", "cancelled")


def _later(seconds):
    return iso(datetime.now(timezone.utc) + timedelta(seconds=seconds))


def _take(identity, task, lease_seconds):
    """Try to claim `task` (as read); (task dict, events) on success, None if another won."""
    now = now_iso()
    renewing = task.assigned_to == identity.id and lease_live(task, now)
    # The UPDATE also requires the row to be still as read. Else, on PostgreSQL, a sweep in
    # another process that put the task back between our read and this UPDATE would leave it
    # claimable, and both would report its task.expired; the caller reads again instead.
    taken = task_sql.take(task, identity, now, _later(lease_seconds), renewing)
    if taken is None:
        return None
    emitted = []
    if not renewing and task.assigned_to and task.assigned_to != identity.id and task.lease_expires_at:
        # The lease had run out but the sweep had not reached it yet: say so before the claim.
        emitted.append(task_event("task.expired", _returned(task, now), previous_assignee=_holder(task)))
    claimed = taken.to_dict()
    if not renewing:
        emitted.append(task_event("task.claimed", claimed))
    return claimed, emitted


def claim(identity, task_id, lease_seconds):
    task = access_task(identity, task_id)
    for _ in range(3):
        outcome = _take(identity, task, lease_seconds)
        if outcome is not None:
            return outcome
        seen, task = task, Task.get_or_none(Task.id == task.id)  # what beat us
        if task is None:
            raise NotFound("task")
        if task.status in CLOSED:
            raise TaskClosed()
        theirs = task.assigned_to not in (None, identity.id)
        if theirs and lease_live(task):
            raise TaskClaimed()
        if theirs and task.lease_expires_at is None:
            raise TaskAssigned()
        if (task.assigned_to, task.lease_expires_at) == (seen.assigned_to, seen.lease_expires_at):
            break
        # Changed since we read it (a release, another process's sweep): claimable again.
    raise TaskClaimed()


def claim_next(identity, query, lease_seconds):
    """The next open, unassigned task the caller can see (filters: channel, priority), or None.
    A candidate another process took in between is skipped for the next one."""
    ref = query.get("channel_id") or query.get("channel")
    channel_id = access_channel(identity, ref).id if ref else None
    for _ in range(5):
        candidates = task_sql.candidates(identity.org_id, identity.id, channel_id, query.get("priority"))
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
    due = due.order_by(Task.lease_expires_at).limit(limit)
    if is_postgres():
        # Rows another process is sweeping (or claiming) now are skipped, not waited for: the
        # lock held to COMMIT makes this sweep the only one to report the rows it got.
        due = due.for_update("FOR UPDATE SKIP LOCKED")
    for task in due:
        if _put_back(task, now, expired_holder=task.assigned_to):
            emitted.append(task_event("task.expired", _returned(task, now), previous_assignee=_holder(task)))
    return len(emitted), emitted
