"""Multi-row INSERTs for the fan-out writes (an @channel's mentions, notifications and their
events, a webhook's block of deliveries): one statement per chunk of rows. executemany runs
a statement per row: on PostgreSQL a round trip each; on SQLite each row's step lets go of
the GIL and takes it back, and with the hub on one core every such hand-over may give the
event loop the processor for a switch interval while the writer's transaction waits."""

import itertools

from .models import database

# Parameters per statement: under SQLite's 32,766 (3.32 and later) and PostgreSQL's 65,535.
CHUNK_PARAMS = 30_000
_statements = {}  # (table, columns, rows, mark) -> SQL text, for full chunks and small batches


def insert_rows(model, names, rows):
    """Insert rows (tuples of db values in the order of names) in the caller's transaction."""
    if not rows:
        return
    fields = model._meta.fields
    mark = database.obj.param
    per = max(1, CHUNK_PARAMS // len(names))
    for start in range(0, len(rows), per):
        chunk = rows[start:start + per]
        key = (model._meta.table_name, names, len(chunk), mark)
        sql = _statements.get(key)
        if sql is None:
            columns = ", ".join(f'"{fields[name].column_name}"' for name in names)
            one = "(" + ", ".join([mark] * len(names)) + ")"
            sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ' + ", ".join([one] * len(chunk))
            if len(chunk) == per or len(chunk) <= 64:  # bounded: other sizes are made each time
                _statements[key] = sql
        database.execute_sql(sql, list(itertools.chain.from_iterable(chunk)))


def select_tuples(model, names, **where):
    """Rows of model (column = value for each keyword) as tuples of the stored values, with the
    SQL written once per shape: an @channel reads its channel's thousand members so."""
    key = (model._meta.table_name, names, tuple(where), database.obj.param)
    sql = _statements.get(key)
    if sql is None:
        fields, mark = model._meta.fields, database.obj.param
        columns = ", ".join(f'"{fields[name].column_name}"' for name in names)
        conditions = " AND ".join(f'"{fields[name].column_name}" = {mark}' for name in where)
        sql = _statements[key] = f'SELECT {columns} FROM "{model._meta.table_name}" WHERE {conditions}'
    return database.execute_sql(sql, list(where.values())).fetchall()
