"""Fast-path SQL of claims (SPEC §12.1): the queue's next candidates and the conditional
UPDATE ... RETURNING of a claim, as statement text made once per shape and reused. Peewee
composed these anew on every claim, which cost several times SQLite's own work (a py-spy
profile of bench/tasks.py); the conditions are the same, written once here."""

from ..models import Task, database, is_postgres
from ..models.schema import TASK_QUEUE_ORDER
CANDIDATES = 5  # more only matter when other processes take the first ones meanwhile

_COLUMNS = tuple(field.column_name for field in Task._meta.sorted_fields)
_FIELDS = tuple(Task._meta.sorted_fields)
_sql = {}


def _task(row):
    return Task(**{field.name: field.python_value(value) for field, value in zip(_FIELDS, row)})


def _same(param):
    # NULL-safe equality: the holder and lease may be none.
    return f"IS NOT DISTINCT FROM {param}" if is_postgres() else f"IS {param}"


def candidates(org_id, reader_id, channel_id=None, priority=None):
    """The first open, unassigned tasks of the queue that reader_id can see (in one channel,
    of one priority, when given)."""
    param = database.obj.param
    key = ("queue", channel_id is not None, priority is not None, param)
    sql = _sql.get(key)
    if sql is None:
        where = [f'"org_id" = {param}', "\"status\" = 'open'", '"assigned_to" IS NULL']
        if channel_id is not None:
            where.append(f'"channel_id" = {param}')
        else:
            where.append(f'("channel_id" IS NULL OR "channel_id" IN (SELECT "id" FROM "channel" WHERE "org_id" = {param} '
                         f'AND ("type" = \'public\' OR "id" IN (SELECT "channel_id" FROM "channel_member" '
                         f'WHERE "member_id" = {param}))))')
        if priority is not None:
            where.append(f'"priority" = {param}')
        columns = ", ".join(f'"{name}"' for name in _COLUMNS)
        sql = _sql[key] = (f'SELECT {columns} FROM "task" WHERE {" AND ".join(where)} '
                           # The very expressions of the `task_queue` index: read in index order, no sort.
                           f"ORDER BY {TASK_QUEUE_ORDER} LIMIT {CANDIDATES}")
    params = [org_id, *((channel_id,) if channel_id is not None else (org_id, reader_id))]
    if priority is not None:
        params.append(priority)
    return [_task(row) for row in database.execute_sql(sql, params).fetchall()]


def take(task, identity, now, lease_expires_at, renewing):
    """The claim's UPDATE: only if the task is still claimable by identity and still as read
    (holder and lease), else None; the task as it is after, from RETURNING."""
    param = database.obj.param
    key = ("take", renewing, param)
    sql = _sql.get(key)
    if sql is None:
        sets = f'"lease_expires_at" = {param}, "updated_at" = {param}'
        if not renewing:
            sets += (f', "assigned_to" = {param}, "assigned_type" = {param}, "status" = \'in_progress\', '
                     f'"claimed_at" = {param}, "expired_holder" = NULL, "claim_count" = "claim_count" + 1')
        columns = ", ".join(f'"{name}"' for name in _COLUMNS)
        sql = _sql[key] = (
            f'UPDATE "task" SET {sets} WHERE "id" = {param} '
            "AND \"status\" IN ('open', 'in_progress') "
            f'AND ("assigned_to" IS NULL OR "assigned_to" = {param} '
            f'OR ("lease_expires_at" IS NOT NULL AND "lease_expires_at" <= {param})) '
            f'AND ("lease_expires_at" IS NULL OR "lease_expires_at" <= {param} OR "assigned_to" = {param}) '
            f'AND "assigned_to" {_same(param)} AND "lease_expires_at" {_same(param)} '
            f"RETURNING {columns}")
    params = [lease_expires_at, now]
    if not renewing:
        params += [identity.id, identity.kind, now]
    params += [task.id, identity.id, now, now, identity.id, task.assigned_to, task.lease_expires_at]
    row = database.execute_sql(sql, params).fetchone()
    return _task(row) if row is not None else None
