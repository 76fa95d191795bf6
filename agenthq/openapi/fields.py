"""Request schemas in OpenAPI form: each validation Field (agenthq/validation.py) as the JSON
Schema of exactly what it accepts, so what the server validates is what it documents."""

from ..validation import Choice, Email, Flag, Id, Int, Number, Object, Paging, Str, StrList, Timestamp, ULID_RE

# Python's whitespace (str.isspace, what str.strip() removes and re's \s matches), spelled
# out because JSON Schema patterns are ECMA regexes whose \s is a different set.
_WS = "\\t-\\r\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
NO_NUL = "^[^\\u0000]*$"
NOT_BLANK_NO_NUL = f"^[^\\u0000]*[^\\u0000{_WS}][^\\u0000]*$"
NOT_BLANK = f"^[\\s\\S]*[^{_WS}][\\s\\S]*$"
EMAIL = f"^[{_WS}]*[^@\\u0000{_WS}]+@[^@\\u0000{_WS}]+\\.[^@\\u0000{_WS}]+[{_WS}]*$"
TIMESTAMP = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"
ID = {"type": "string", "pattern": ULID_RE.pattern}


def field_schema(field, in_query=False):
    """The JSON Schema of one validation Field: exactly what Field.clean() accepts, or (where
    the server trims first) a little more, never less."""
    schema = _field_schema(field, in_query)
    if field.description:
        schema["description"] = field.description
    if not in_query and not field.required:
        # Schema._clean treats null in an optional field as absent.
        schema["nullable"] = True
        if "enum" in schema:  # OpenAPI 3.0.3: a nullable enum must list null itself
            schema["enum"] = [*schema["enum"], None]
    return schema


def _field_schema(field, in_query):
    if isinstance(field, Paging):  # any text: read as parseInt reads it, then clamped (§6.2)
        return {"type": "string", "description": f"an integer (default {field.fallback}), clamped to "
                f"{field.minimum}..{field.maximum}; anything else means the default"}
    if isinstance(field, Flag):
        return {"type": "string", "enum": ["true", "false", "1", "0"]} if in_query else {"type": "boolean"}
    if isinstance(field, Id):
        return dict(ID)
    if isinstance(field, Choice):
        return {"type": "string", "enum": list(field.choices)}
    if isinstance(field, Email):
        return {"type": "string", "pattern": EMAIL, "description": "an email address (trimmed, lower-cased)"}
    if isinstance(field, Timestamp) and getattr(field, "four_digit_year", False):
        return {"type": "string", "format": "date-time", "pattern": r"^[1-9]", "description":
                "an ISO 8601 timestamp or date, years 1000 to 9999; without a zone it is UTC"}
    if isinstance(field, Timestamp):
        return {"type": "string", "format": "date-time",
                "description": "an ISO 8601 timestamp (any form Python reads); without a zone it is UTC"}
    if isinstance(field, Str):
        return _str_schema(field)
    if isinstance(field, Int):
        schema = {"type": "integer"}
        if field.minimum is not None:
            schema["minimum"] = field.minimum
        if field.maximum is not None:
            schema["maximum"] = field.maximum
        return schema
    if isinstance(field, Number):
        return {"type": "number", "minimum": field.minimum, "maximum": field.maximum}
    if isinstance(field, Object):
        return {"type": "object", "description": f"a JSON object of at most {field.max_bytes} bytes"}
    if isinstance(field, StrList):
        if in_query:
            return {"type": "string", "description": f"comma-separated, at most {field.max_items} items"}
        items = {"type": "string", "maxLength": field.max_len, "pattern": NOT_BLANK}
        if field.choices is not None:
            items = {"type": "string", "enum": list(field.choices)}
        schema = {"type": "array", "maxItems": field.max_items, "items": items}
        if field.min_items:
            schema["minItems"] = field.min_items
        return schema
    raise TypeError(f"no OpenAPI form for {type(field).__name__}")


def _str_schema(field):
    schema = {"type": "string"}
    if field.pattern is not None:
        # Every pattern used here admits neither NUL nor whitespace, so it says it all.
        schema["pattern"] = field.pattern.pattern
    elif not field.blank or (field.strip and field.min_len >= 1):
        schema["pattern"] = NOT_BLANK_NO_NUL
    else:
        schema["pattern"] = NO_NUL
    if field.min_len:
        schema["minLength"] = field.min_len
    # A trimmed field is measured after trimming, so padding may take it past max_len.
    if field.max_len is not None and not field.strip:
        schema["maxLength"] = field.max_len
    elif field.max_len is not None:
        schema["description"] = f"trimmed; at most {field.max_len} characters after trimming"
    return schema


def body_schema(schema):
    properties = {name: field_schema(field) for name, field in schema.fields.items()}
    required = [name for name, field in schema.fields.items() if field.required]
    result = {"type": "object", "properties": properties}
    if required:
        result["required"] = required
    if schema.require_any:  # at least one of them, and not null
        result["anyOf"] = [{"required": [name], "properties": {name: _field_schema(schema.fields[name], False)}}
                           for name in schema.require_any]
    return result


def query_parameters(schema):
    return [
        {"name": name, "in": "query", "required": field.required, "schema": field_schema(field, in_query=True)}
        for name, field in schema.fields.items()
    ]
