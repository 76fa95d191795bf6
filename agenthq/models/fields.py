"""The column types every table uses, and the base model: StringField (text without a length),
IdField (a ULID) and TimeField (an ISO timestamp), typed so that agenthq/openapi/resources.py
can describe each field, JSONField, and BaseModel with its FIELDS and to_dict()."""

import json

from peewee import CharField, Model, TextField

from .db import database


class StringField(CharField):
    """Text without a length in the schema: the limits live in the request schemas, and
    PostgreSQL would enforce CharField's VARCHAR(255) (a 300-character title) where SQLite
    never did. In SQLite the column type is the same TEXT affinity either way."""

    def get_modifiers(self):
        return None


class IdField(StringField):
    """A ULID (or null): the same column as StringField, typed for the API's description."""


class TimeField(StringField):
    """An ISO 8601 UTC timestamp with milliseconds, stored as text (it sorts as time)."""


# json.dumps with separators builds an encoder per call; a post writes three JSON columns.
_encode_json = json.JSONEncoder(separators=(",", ":")).encode


class JSONField(TextField):
    def db_value(self, value):
        return None if value is None else _encode_json(value)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(Model):
    FIELDS = ()  # the public fields, in answer order

    class Meta:
        database = database
        legacy_table_names = False

    def to_dict(self):
        result = {}
        for name in self.FIELDS:
            value = getattr(self, name)
            field = self._meta.fields[name]
            if value is None and isinstance(field, JSONField) and callable(field.default):
                value = field.default()  # a JSON column stored as null answers as its empty form
            result[name] = value
        return result
