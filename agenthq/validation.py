"""Declarative request validation: each endpoint declares a Schema once; errors name the field.

Body fields check JSON types strictly; query fields (always strings) convert first. Past 300
lines on purpose: it is one small class per field kind and the Schema that runs them, kept in
one file because agenthq/openapi/fields.py mirrors each kind one for one, and a kind added here
must be added there; split, the pair would be three files to keep in step instead of two."""

import json
import re

from .clock import iso, parse_iso
from .errors import ValidationError

ULID_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
_MISSING = object()


def is_id(value):
    # fullmatch, not match: "$" would also accept a trailing newline.
    return isinstance(value, str) and bool(ULID_RE.fullmatch(value))


class Field:
    json_type = None  # for the OpenAPI document

    def __init__(self, required=True, default=_MISSING, nullable=False, description=""):
        self.required = required and default is _MISSING
        self.default = default
        self.nullable = nullable
        self.description = description

    def clean(self, name, value):
        return value

    def from_query(self, name, raw):
        return self.clean(name, raw)


class Str(Field):
    json_type = "string"

    def __init__(self, min_len=0, max_len=None, pattern=None, strip=False, blank=True, **kw):
        super().__init__(**kw)
        self.min_len, self.max_len, self.strip, self.blank = min_len, max_len, strip, blank
        self.pattern = re.compile(pattern) if pattern else None

    def clean(self, name, value):
        if not isinstance(value, str):
            raise ValidationError(name, f"{name} must be a string")
        if self.strip:
            value = value.strip()
        if "\x00" in value:
            raise ValidationError(name, f"{name} must not contain NUL characters")
        if len(value) < self.min_len:
            raise ValidationError(
                name, f"{name} is required" if self.min_len == 1 else f"{name} must be at least {self.min_len} characters"
            )
        if self.max_len is not None and len(value) > self.max_len:
            raise ValidationError(name, f"{name} must be at most {self.max_len} characters")
        if not self.blank and not value.strip():
            # Kept as sent (leading spaces may matter in Markdown), but never only whitespace.
            raise ValidationError(name, f"{name} must not be blank")
        if self.pattern and not self.pattern.fullmatch(value):  # "$" alone lets "name\n" through
            raise ValidationError(name, f"{name} has an invalid format")
        return value


class Email(Str):
    def __init__(self, **kw):
        super().__init__(min_len=3, max_len=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", strip=True, **kw)

    def clean(self, name, value):
        return super().clean(name, value).lower()


class Id(Str):
    def __init__(self, **kw):
        super().__init__(pattern=ULID_RE.pattern, **kw)

    def clean(self, name, value):
        if not is_id(value):
            raise ValidationError(name, f"{name} must be a valid id")
        return value


class Choice(Str):
    def __init__(self, choices, **kw):
        super().__init__(**kw)
        self.choices = tuple(choices)

    def clean(self, name, value):
        value = super().clean(name, value)
        if value not in self.choices:
            raise ValidationError(name, f"{name} must be one of: {', '.join(self.choices)}")
        return value


class Int(Field):
    json_type = "integer"

    def __init__(self, minimum=None, maximum=None, **kw):
        super().__init__(**kw)
        self.minimum, self.maximum = minimum, maximum

    def clean(self, name, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(name, f"{name} must be an integer")
        if self.minimum is not None and value < self.minimum:
            raise ValidationError(name, f"{name} must be at least {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            raise ValidationError(name, f"{name} must be at most {self.maximum}")
        return value

    def from_query(self, name, raw):
        if not re.fullmatch(r"-?\d{1,18}", raw):
            raise ValidationError(name, f"{name} must be an integer")
        return self.clean(name, int(raw))


class Number(Field):
    """A JSON number (not a boolean) within minimum..maximum."""

    json_type = "number"

    def __init__(self, minimum=None, maximum=None, **kw):
        super().__init__(**kw)
        self.minimum, self.maximum = minimum, maximum

    def clean(self, name, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise ValidationError(name, f"{name} must be a number")
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            raise ValidationError(name, f"{name} must be between {self.minimum} and {self.maximum}")
        return float(value)


class Timestamp(Str):
    def clean(self, name, value):
        value = super().clean(name, value)
        try:
            moment = parse_iso(value)
        except ValueError:
            raise ValidationError(name, f"{name} must be an ISO 8601 timestamp") from None
        return iso(moment)


class Object(Field):
    json_type = "object"

    def __init__(self, max_bytes=64 * 1024, **kw):
        super().__init__(**kw)
        self.max_bytes = max_bytes

    def clean(self, name, value):
        if not isinstance(value, dict):
            raise ValidationError(name, f"{name} must be an object")
        if len(json.dumps(value)) > self.max_bytes:
            raise ValidationError(name, f"{name} is too large (at most {self.max_bytes} bytes)")
        return value


class StrList(Field):
    json_type = "array"

    def __init__(self, max_items=100, max_len=100, min_items=0, choices=None, **kw):
        super().__init__(**kw)
        self.max_items, self.max_len = max_items, max_len
        self.min_items, self.choices = min_items, choices

    def clean(self, name, value):
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValidationError(name, f"{name} must be a list of strings")
        if len(value) > self.max_items:
            raise ValidationError(name, f"{name} must have at most {self.max_items} items")
        if any(len(item) > self.max_len or not item.strip() for item in value):
            raise ValidationError(name, f"{name} items must be 1 to {self.max_len} characters")
        if len(value) < self.min_items:
            raise ValidationError(name, f"{name} must have at least {self.min_items} item(s)")
        if self.choices is not None:
            for item in value:
                if item not in self.choices:
                    raise ValidationError(name, f"{name} cannot hold {item!r}; choose from {', '.join(self.choices)}")
        return value

    def from_query(self, name, raw):
        return self.clean(name, [part.strip() for part in raw.split(",") if part.strip()])


class Schema:
    def __init__(self, require_any=(), **fields):
        """require_any: optional fields of which at least one must be given (not null)."""
        self.fields = fields
        self.require_any = tuple(require_any)

    def validate(self, data):
        """Return the known fields, cleaned; unknown fields are ignored, as the Node server did."""
        if not isinstance(data, dict):
            raise ValidationError(None, "body must be a JSON object")
        cleaned = self._clean(data, lambda field, name, value: field.clean(name, value))
        if self.require_any and all(cleaned.get(name) is None for name in self.require_any):
            first, *others = self.require_any
            raise ValidationError(first, f"{first} is required (unless {' or '.join(others)} is given)")
        return cleaned

    def validate_query(self, arguments):
        """arguments: Tornado's query dict of name -> [bytes]. Repeated names: the last wins."""
        values = {}
        for name, raws in arguments.items():
            try:
                values[name] = raws[-1].decode("utf-8")
            except UnicodeDecodeError:
                raise ValidationError(name, f"{name} must be UTF-8") from None
        return self._clean(values, lambda field, name, value: field.from_query(name, value))

    def _clean(self, data, convert):
        cleaned = {}
        for name, field in self.fields.items():
            value = data.get(name, _MISSING)
            if value is _MISSING or (value is None and not field.nullable and not field.required):
                if field.required:
                    raise ValidationError(name, f"{name} is required")
                if field.default is not _MISSING:
                    cleaned[name] = field.default() if callable(field.default) else field.default
                continue
            if value is None and field.nullable:
                cleaned[name] = None
                continue
            if value is None:
                raise ValidationError(name, f"{name} is required")
            cleaned[name] = convert(field, name, value)
        return cleaned


class Flag(Field):
    """A boolean; in a query string "true"/"1" or "false"/"0"."""

    json_type = "boolean"

    def clean(self, name, value):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "1", "false", "0"):
            return value.lower() in ("true", "1")
        raise ValidationError(name, f"{name} must be true or false")


class Paging(Field):
    """page or limit, read as the original server read them (JavaScript's parseInt, then
    clamped): agents pass a model's `limit` straight through, so a bad one must never fail."""

    json_type = "string"

    def __init__(self, fallback, minimum=1, maximum=None, **kw):
        super().__init__(**kw)
        self.fallback, self.minimum, self.maximum = fallback, minimum, maximum

    def clean(self, name, value):
        number = value if isinstance(value, int) and not isinstance(value, bool) else js_parse_int(str(value))
        number = number or self.fallback  # parseInt's NaN and 0 both fall back, as `|| 20` did
        number = max(self.minimum, number)
        return number if self.maximum is None else min(self.maximum, number)


_JS_INT = re.compile(r"[\s\ufeff]*([+-]?)(?:(0[xX])([0-9a-fA-F]+)|([0-9]+))")


def js_parse_int(text):
    """JavaScript's parseInt(text) without a radix: leading whitespace, a sign, then the
    longest run of digits ("12abc" is 12; "0x1f" is 31); None where JavaScript gives NaN."""
    match = _JS_INT.match(text)
    if not match:
        return None
    sign, _, hex_digits, digits = match.groups()
    value = int(hex_digits, 16) if hex_digits else int(digits)
    return -value if sign == "-" else value


class ChannelRef(Str):
    """A channel's id or its name (one optional leading "#", any case); services resolve it
    with access_channel, so an unknown name is NOT_FOUND exactly as an unknown id is."""

    def __init__(self, **kw):
        super().__init__(min_len=1, max_len=200, **kw)


class IdentityRef(Str):
    """An identity id, or "me" for the caller (services resolve it with common.identity_ref)."""

    def __init__(self, **kw):
        super().__init__(pattern=r"^(?:me|[0-9A-HJKMNP-TV-Z]{26})$", **kw)

    def clean(self, name, value):
        if not isinstance(value, str) or not (value == "me" or is_id(value)):
            raise ValidationError(name, f"{name} must be a valid id or \"me\"")
        return value


# Far past any real page; it keeps (page - 1) * limit inside the databases' 64-bit OFFSET.
MAX_PAGE = 1_000_000_000

PAGINATION = {
    "page": Paging(1, maximum=MAX_PAGE, default=1),
    "limit": Paging(20, maximum=100, default=20),
}


def query_schema(**fields):
    """A schema for a list endpoint's query: its filters plus page and limit."""
    return Schema(**fields, **PAGINATION)
