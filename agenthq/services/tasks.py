"""Tasks (SPEC §12): create, list, read, edit, delete, and the events they send. Claims and
leases are agenthq/services/task_claims.py."""

from .. import eventlog, events
from ..clock import now_iso
from ..errors import Forbidden, NotFound, ValidationError
from ..models import Agent, Channel, Task, User
from ..validation import is_id
from . import activity, notifications
from .common import access_channel, identity_ref, is_member, paginate, readable_channel_ids

def task_event(name, task, channel_type=None, **extra):
    """Record a task event: to the org, or only to the members of the task's private or DM
    channel (the log reads them in this transaction)."""
    if task["channel_id"] and channel_type is None:
        channel_type = Channel.select(Channel.type).where(Channel.id == task["channel_id"]).scalar()
    private = bool(task["channel_id"]) and events.is_private(channel_type)
    return eventlog.record(events.draft(name, task["org_id"], {**task, **extra}, task["channel_id"], private))


def assignment_notifications(identity, task, previous_assignee_id):
    """The `task_assigned` notification (SPEC §8.2) when `task` was created with, or changed
    to, an assignee other than the actor; recorded in the write's transaction."""
    if task["assigned_to"] == previous_assignee_id:
        return []
    return notifications.for_task(task, identity)


def access_task(identity, task_id):
    """The task if the caller may see it: another org's, or one in a private channel the caller
    is not in, is NOT_FOUND."""
    task = Task.get_or_none((Task.id == task_id) & (Task.org_id == identity.org_id)) if is_id(task_id) else None
    if task is None:
        raise NotFound("task")
    if task.channel_id:
        access_channel(identity, task.channel_id, what="task")
    return task


def _assignee(identity, assigned_to, assigned_type, channel):
    """(id, type) of a valid assignee: someone of the org, and a member of a private channel."""
    found = None
    for kind, model in (("user", User), ("agent", Agent)):
        if assigned_type in (None, kind) and model.select().where(
                (model.id == assigned_to) & (model.org_id == identity.org_id)).exists():
            found = kind
            break
    if found is None:
        raise NotFound("assignee")
    if channel is not None and events.is_private(channel.type) and not is_member(channel.id, assigned_to):
        raise ValidationError("assigned_to", "assigned_to must be a member of the task's private channel")
    return assigned_to, found


def _channel_ref(data):
    """channel_id, or `channel` as the Go CLI sends it; absent: missing."""
    if "channel_id" in data:
        return data["channel_id"]
    return data.get("channel", ...)


def create(identity, data):
    ref = _channel_ref(data)
    channel = access_channel(identity, ref) if ref not in (None, ...) else None
    assigned_to = assigned_type = None
    if data.get("assigned_to"):
        assigned_to, assigned_type = _assignee(identity, data["assigned_to"], data.get("assigned_type"), channel)
    now = now_iso()
    status = data.get("status", "open")
    task = Task.create(
        org_id=identity.org_id, channel_id=channel.id if channel else None, title=data["title"],
        description=data.get("description"), status=status, priority=data.get("priority", "medium"),
        assigned_to=assigned_to, assigned_type=assigned_type, created_by=identity.id,
        created_by_type=identity.kind, due_date=data.get("due_date"), metadata=data.get("metadata") or {},
        completed_at=now if status == "completed" else None, created_at=now, updated_at=now,
    ).to_dict()
    activity.record(identity, "task.created", "task", task["id"], {"title": task["title"]})
    emitted = [task_event("task.created", task, channel.type if channel else None)]
    if assigned_to and assigned_to != identity.id:
        emitted += assignment_notifications(identity, task, None)
    return task, emitted


def list_tasks(identity, query):
    rows = Task.select().where(Task.org_id == identity.org_id)
    ref = query.get("channel_id") or query.get("channel")
    if ref:
        rows = rows.where(Task.channel_id == access_channel(identity, ref).id)
    else:
        rows = rows.where(Task.channel_id.is_null() | Task.channel_id.in_(readable_channel_ids(identity)))
    for name in ("status", "priority"):
        if query.get(name):
            rows = rows.where(getattr(Task, name) == query[name])
    if query.get("assigned_to") == "none":
        rows = rows.where(Task.assigned_to.is_null())
    elif query.get("assigned_to"):
        rows = rows.where(Task.assigned_to == identity_ref(identity, query["assigned_to"]))
    if query.get("created_by"):
        rows = rows.where(Task.created_by == identity_ref(identity, query["created_by"]))
    if query.get("claimable") == "true":
        rows = rows.where((Task.status == "open") & Task.assigned_to.is_null())
    return paginate(rows.order_by(Task.id.desc()), query["page"], query["limit"], Task.to_dict)


def get(identity, task_id):
    return access_task(identity, task_id).to_dict()


def lease_live(task, now=None):
    return task.lease_expires_at is not None and (now or now_iso()) < task.lease_expires_at


def may_manage(identity, task):
    return identity.is_admin or task.created_by == identity.id


def patch(identity, task_id, data):
    task = access_task(identity, task_id)
    now = now_iso()
    changes_holder = "status" in data or "assigned_to" in data
    if changes_holder and lease_live(task, now) and not (task.assigned_to == identity.id or may_manage(identity, task)):
        raise Forbidden("Only the lease holder, the task's creator or an admin can change its status or assignee")
    channel = None
    ref = _channel_ref(data)
    if ref is not ...:
        channel = access_channel(identity, ref) if ref is not None else None
        task.channel_id = channel.id if channel else None
    elif task.channel_id:
        channel = Channel.get_by_id(task.channel_id)
    previous_assignee = task.assigned_to
    if "assigned_to" in data:
        if data["assigned_to"] is None:
            task.assigned_to = task.assigned_type = None
        else:
            task.assigned_to, task.assigned_type = _assignee(
                identity, data["assigned_to"], data.get("assigned_type"), channel)
    elif channel is not None and events.is_private(channel.type) and task.assigned_to and not is_member(channel.id, task.assigned_to):
        raise ValidationError("channel_id", "the task's assignee must be a member of its private channel")
    for name in ("title", "description", "priority", "due_date", "metadata"):
        if name in data:
            setattr(task, name, data[name] if name != "metadata" else (data[name] or {}))
    if "status" in data and data["status"] != task.status:
        task.completed_at = now if data["status"] == "completed" else None
        task.status = data["status"]
    # Handing the task on, reopening or closing it ends the lease (SPEC §12.1).
    if task.assigned_to != previous_assignee or data.get("status") in ("open", "completed", "cancelled"):
        task.lease_expires_at = None
    task.updated_at = now
    task.save()
    result = task.to_dict()
    activity.record(identity, "task.updated", "task", task.id, {"fields": sorted(data)})
    emitted = [task_event("task.updated", result, channel.type if channel else None)]
    if task.assigned_to and task.assigned_to != previous_assignee and task.assigned_to != identity.id:
        emitted += assignment_notifications(identity, result, previous_assignee)
    return result, emitted


def delete(identity, task_id):
    task = access_task(identity, task_id)
    if not may_manage(identity, task):
        raise Forbidden("Only the task's creator or an owner or admin can delete it")
    data = task.to_dict()
    task.delete_instance()
    activity.record(identity, "task.deleted", "task", task.id, {"title": task.title})
    return {"deleted": True}, [task_event("task.deleted", data)]
