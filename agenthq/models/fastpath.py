"""Fast-path SQL for the hot reads and writes: statement text made once per shape and reused,
where Peewee would compose it anew on every call; and the per-organization event seq."""

from .db import database

_insert_shapes = {}


def insert_row(model, **values):
    """Insert one row and return the values it was written with (defaults filled in).

    The hot writes (a post, its activity entry, its event) come here rather than through
    Model.create: Peewee composes the SQL text anew on every call, which cost three times
    SQLite's own work per POST /posts. The text, the defaults to fill and each column's
    db_value are worked out once per model and column set (_insert_shape) and reused."""
    key = (model, tuple(values), database.obj.param)
    shape = _insert_shapes.get(key)
    if shape is None:
        shape = _insert_shapes[key] = _insert_shape(model, key[1])
    sql, constants, made, converters = shape
    if constants:
        values.update(constants)
    for names, default in made:  # one call per default function, so created_at and updated_at agree
        value = default()
        for name in names:
            values[name] = value
    database.execute_sql(sql, [convert(value) for convert, value in zip(converters, values.values())])
    return values


def _insert_shape(model, given):
    """(SQL, constant defaults, [(names, default function)], db_value per column in the order
    the filled values dict will have: the given names, then the constants, then the made)."""
    fields = model._meta.fields
    constants, made = {}, {}
    for name, field in fields.items():
        if name not in given and field.default is not None:
            if callable(field.default):
                made.setdefault(field.default, []).append(name)
            else:
                constants[name] = field.default
    names = (*given, *constants, *(name for group in made.values() for name in group))
    param = database.obj.param
    columns = ", ".join(f'"{fields[name].column_name}"' for name in names)
    sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({", ".join([param] * len(names))})'
    return sql, constants, [(tuple(group), default) for default, group in made.items()], \
        [fields[name].db_value for name in names]


def model_from_row(model, row):
    """A model instance holding row (Python values, as select_rows gives), as a SELECT through
    Peewee would give it, without Model.__init__: that computes every default first (a new
    ULID and two timestamps for a channel) only for the row to replace them."""
    instance = model.__new__(model)
    instance.__data__ = row
    instance._dirty = set()
    instance.__rel__ = {}
    return instance


_select_sql = {}


def select_rows(model, columns=None, tail="", tail_params=(), **where):
    """Rows of model matching column = value for each keyword, as dicts of Python values.
    Like insert_row, for the hot reads (token lookup, channel access, a channel's page of
    posts): the SQL text is made once per shape instead of by Peewee on every call. `tail`
    is a fixed suffix such as an ORDER BY / LIMIT clause, with its own parameters."""
    fields = model._meta.fields
    names = tuple(columns or fields)
    key = (model, names, tuple(where), tail, database.obj.param)
    sql = _select_sql.get(key)
    if sql is None:
        param = database.obj.param
        selected = ", ".join(f'"{fields[name].column_name}"' for name in names)
        conditions = " AND ".join(f'"{fields[name].column_name}" = {param}' for name in where) or "1 = 1"
        suffix = tail.replace("?", param)
        sql = _select_sql[key] = f'SELECT {selected} FROM "{model._meta.table_name}" WHERE {conditions} {suffix}'
    cursor = database.execute_sql(sql, [*where.values(), *tail_params])
    converters = [fields[name].python_value for name in names]
    return [
        {name: convert(value) for name, convert, value in zip(names, converters, row)} for row in cursor.fetchall()
    ]


def insert_many(model, names, rows):
    """Insert rows (tuples of db values in the order of names) with one executemany in the
    caller's transaction: an @channel post writes a mention, a notification and an event per
    member, and a thousand single inserts cost ten times this."""
    if not rows:
        return
    fields = model._meta.fields
    columns = ", ".join(f'"{fields[name].column_name}"' for name in names)
    marks = ", ".join([database.obj.param] * len(names))
    cursor = database.cursor()
    cursor.executemany(f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({marks})', rows)


def update_many(model, names, constants, rows):
    """UPDATE rows by primary key with one executemany: each row is the values of `names`
    then the key; `constants` (name: value) are the same for every row. A webhook records a
    block of fifty deliveries in one statement instead of fifty."""
    if not rows:
        return
    fields = model._meta.fields
    param = database.obj.param
    sets = [f'"{fields[name].column_name}" = {param}' for name in (*constants, *names)]
    key = model._meta.primary_key.column_name
    fixed = tuple(fields[name].db_value(value) for name, value in constants.items())
    cursor = database.cursor()
    cursor.executemany(f'UPDATE "{model._meta.table_name}" SET {", ".join(sets)} WHERE "{key}" = {param}',
                       [fixed + tuple(row) for row in rows])


def next_seq(org_id, count=1):
    """Reserve the next event seq of an organization; must run inside the write transaction."""
    # One statement that increments and reads: on PostgreSQL its row lock is held until the
    # transaction ends, so concurrent writers of one org, in any process, take seqs one after
    # another and commit them in that order (a rolled-back seq is taken again by the next).
    # count > 1 reserves a block and returns its last seq.
    param = database.obj.param
    sql = f'UPDATE "organization" SET "last_seq" = "last_seq" + {param} WHERE "id" = {param} RETURNING "last_seq"'
    return database.execute_sql(sql, (count, org_id)).fetchone()[0]
