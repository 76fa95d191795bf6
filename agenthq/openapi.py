"""The OpenAPI 3 document of the REST API, made from the request schemas in schemas.py and
one route table below, so that what the server validates and what it documents cannot drift
(tests/test_openapi.py checks the table against the app's routes; schemathesis checks the
server against the document)."""

import re

from . import schemas
from .validation import Bool, Choice, Email, Id, Int, Object, Paging, Str, StrList, Timestamp, ULID_RE

# Python's whitespace (str.isspace, what str.strip() removes and re's \s matches), spelled
# out because JSON Schema patterns are ECMA regexes whose \s is a different set.
_WS = "\\t-\\r\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
NO_NUL = "^[^\\u0000]*$"
NOT_BLANK_NO_NUL = f"^[^\\u0000]*[^\\u0000{_WS}][^\\u0000]*$"
NOT_BLANK = f"^[\\s\\S]*[^{_WS}][\\s\\S]*$"
EMAIL = f"^[{_WS}]*[^@{_WS}]+@[^@{_WS}]+\\.[^@{_WS}]+[{_WS}]*$"
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
    if isinstance(field, Id):
        return dict(ID)
    if isinstance(field, Choice):
        return {"type": "string", "enum": list(field.choices)}
    if isinstance(field, Email):
        return {"type": "string", "pattern": EMAIL, "description": "an email address (trimmed, lower-cased)"}
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
    if isinstance(field, Object):
        return {"type": "object", "description": f"a JSON object of at most {field.max_bytes} bytes"}
    if isinstance(field, Bool):
        return {"type": "boolean"}
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


# -- what the server answers ------------------------------------------------------------------


def _obj(properties, nullable=()):
    props = {}
    for name, schema in properties.items():
        props[name] = {**schema, "nullable": True} if name in nullable else schema
    return {"type": "object", "properties": props, "required": list(properties), "additionalProperties": False}


STRING = {"type": "string"}
TIME = {"type": "string", "pattern": TIMESTAMP}
OBJECT = {"type": "object"}
STRINGS = {"type": "array", "items": STRING}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


COMPONENTS = {
    "Organization": _obj({"id": ID, "name": STRING, "slug": STRING, "settings": OBJECT,
                          "created_at": TIME, "updated_at": TIME}),
    "User": _obj({"id": ID, "org_id": ID, "email": STRING, "name": STRING,
                  "role": {"type": "string", "enum": ["owner", "admin", "member"]},
                  "created_at": TIME, "updated_at": TIME}),
    "Agent": _obj({"id": ID, "org_id": ID, "name": STRING, "description": STRING,
                   "status": {"type": "string", "enum": list(schemas.AGENT_STATUSES)},
                   "last_heartbeat": TIME, "capabilities": STRINGS, "metadata": OBJECT,
                   "owner_user_id": ID, "created_at": TIME, "updated_at": TIME},
                  nullable=("last_heartbeat", "owner_user_id")),
    "Channel": _obj({"id": ID, "org_id": ID, "name": STRING, "description": STRING,
                     "type": {"type": "string", "enum": list(schemas.CHANNEL_TYPES)},
                     "created_by": ID, "created_at": TIME, "updated_at": TIME}, nullable=("created_by",)),
    "Post": _obj({"id": ID, "org_id": ID, "channel_id": ID, "author_id": ID,
                  "author_type": {"type": "string", "enum": [*schemas.MEMBER_TYPES, "integration"]},
                  "type": {"type": "string", "enum": list(schemas.POST_TYPES)}, "title": STRING,
                  "content": STRING, "metadata": OBJECT, "parent_id": ID, "pinned": {"type": "boolean"},
                  "created_at": TIME, "updated_at": TIME}, nullable=("title", "parent_id")),
    "Activity": _obj({"id": ID, "org_id": ID, "actor_id": ID,
                      "actor_type": {"type": "string", "enum": list(schemas.MEMBER_TYPES)},
                      "action": STRING, "resource_type": STRING, "resource_id": STRING, "details": OBJECT,
                      "created_at": TIME}, nullable=("resource_type", "resource_id")),
    "Author": _obj({"id": ID, "name": STRING,
                    "type": {"type": "string", "enum": ["agent", "user", "integration"]}}),
    "Pagination": _obj({"page": {"type": "integer", "minimum": 1}, "limit": {"type": "integer", "minimum": 1},
                        "total": {"type": "integer", "minimum": 0}, "hasMore": {"type": "boolean"}}),
    "Error": _obj({"success": {"type": "boolean", "enum": [False]},
                   "error": {"type": "object", "required": ["code", "message"], "additionalProperties": False,
                             "properties": {"code": STRING, "message": STRING, "field": STRING}}}),
}

TOKENS = {"accessToken": STRING, "refreshToken": STRING}
NULLABLE_STRING = {"type": "string", "nullable": True}
INVITE = _obj({
    "id": ID, "org_id": ID, "invite_type": {"type": "string", "enum": list(schemas.INVITE_TYPES)},
    "email": NULLABLE_STRING, "role": NULLABLE_STRING,
    "status": {"type": "string", "enum": list(schemas.INVITE_STATUSES)}, "created_by": ID, "expires_at": TIME,
    "redeemed_at": NULLABLE_STRING, "redeemed_by_agent_id": NULLABLE_STRING, "redeemed_by_user_id": NULLABLE_STRING,
    "created_at": TIME, "updated_at": TIME,
})
INVITE_MADE = _obj({"invite": INVITE, "token": STRING, "url": STRING})
HOOK = _obj({
    "id": ID, "org_id": ID, "name": STRING, "channel_id": ID, "description": STRING, "created_by": ID,
    "created_at": TIME, "last_used_at": NULLABLE_STRING,
})
HOOK_MADE = _obj({"hook": HOOK, "url": STRING, "token": STRING})
WEBHOOK_FIELDS = {
    "id": ID, "org_id": ID, "url": STRING, "events": STRINGS, "active": {"type": "boolean"},
    "has_secret": {"type": "boolean", "enum": [True]}, "created_by": ID, "created_at": TIME, "updated_at": TIME,
}
WEBHOOK = _obj(WEBHOOK_FIELDS)
NULLABLE_INT = {"type": "integer", "nullable": True}
DELIVERY = _obj({
    "id": ID, "webhook_id": ID, "event": STRING, "seq": NULLABLE_INT,
    "status": {"type": "string", "enum": ["pending", "delivered", "failed"]}, "attempts": {"type": "integer"},
    "last_attempt_at": NULLABLE_STRING, "next_attempt_at": NULLABLE_STRING, "response_status": NULLABLE_INT,
    "error": NULLABLE_STRING, "duration_ms": NULLABLE_INT, "created_at": TIME, "delivered_at": NULLABLE_STRING,
})
# GET /posts/:id: the post's fields, plus the original server's keys (§6.2).
POST_DETAIL = _obj({
    **COMPONENTS["Post"]["properties"], "post": ref("Post"), "thread": {"type": "array", "items": ref("Post")},
    "thread_truncated": {"type": "boolean"}, "authors": {"type": "object", "additionalProperties": ref("Author")},
    "author": ref("Author"),
})
ME = {"oneOf": [
    _obj({"type": {"type": "string", "enum": ["user"]}, "user": ref("User"), "org": ref("Organization")}),
    _obj({"type": {"type": "string", "enum": ["agent"]}, "agent": ref("Agent"), "org": ref("Organization")}),
]}


def flag(name):
    return _obj({name: {"type": "boolean", "enum": [True]}})


ERROR_TEXT = {
    400: "VALIDATION_ERROR (names the field), INVALID_JSON or BAD_REQUEST",
    401: "UNAUTHORIZED, INVALID_TOKEN or INVALID_API_KEY (INVALID_CREDENTIALS for sign-in)",
    403: "FORBIDDEN: role or ownership forbids it",
    404: "NOT_FOUND: no such resource in the caller's organization",
    409: "ORG_EXISTS, EMAIL_EXISTS, CHANNEL_EXISTS, TOKEN_ALREADY_USED, PENDING_INVITE_EXISTS or INVALID_STATUS",
    410: "TOKEN_EXPIRED or TOKEN_REVOKED: the invite can never be used",
    413: "PAYLOAD_TOO_LARGE",
    429: "RATE_LIMITED, with Retry-After",
    503: "UNAVAILABLE: the database cannot be written (disk full, read-only); reads keep working",
}


class Op:
    """One operation: method, OpenAPI path, what it takes and what it answers."""

    def __init__(self, method, path, summary, data=None, status=200, body=None, query=None, auth=True,
                 errors=(), listing=False, envelope=True, provides=None):
        self.method, self.path, self.summary = method, path, summary
        # provides: {path parameter: runtime expression} for the links to the operations that
        # take it, so a client (or schemathesis' stateful phase) can follow a new id onwards.
        self.provides = provides or {}
        self.data, self.status, self.body, self.query = data, status, body, query
        self.auth, self.listing, self.envelope = auth, listing, envelope
        found = {400, 413}  # any request may be malformed or too large
        if auth:
            found |= {401, 429}
        if envelope:
            found.add(503)
        if "{" in path:
            found.add(404)
        self.errors = sorted(found | set(errors))

    @property
    def operation_id(self):
        return _operation_id(self.method, self.path)

    def operation(self, links=None):
        op = {"summary": self.summary, "operationId": _operation_id(self.method, self.path), "responses": {}}
        op["tags"] = [self.path.split("/")[3] if self.path.startswith("/api/v1/") else "health"]
        params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                  for name in re.findall(r"{(\w+)}", self.path)]
        if self.query is not None:
            params += query_parameters(self.query)
        if params:
            op["parameters"] = params
        if self.body is not None:
            op["requestBody"] = {
                "required": any(field.required for field in self.body.fields.values()),
                "content": {"application/json": {"schema": body_schema(self.body)}},
            }
        if not self.auth:
            op["security"] = []
        op["responses"][str(self.status)] = {"description": "success", "content": _json(self._success())}
        if links:
            op["responses"][str(self.status)]["links"] = links
        for status in self.errors:
            response = {"description": ERROR_TEXT[status], "content": _json(ref("Error"))}
            if status == 429:
                response["headers"] = {"Retry-After": {"required": True, "description": "seconds to wait",
                                                       "schema": {"type": "string", "pattern": "^[0-9]+$"}}}
            op["responses"][str(status)] = response
        return op

    def _success(self):
        if not self.envelope:
            return self.data
        if self.listing:
            return _obj({"success": {"type": "boolean", "enum": [True]},
                         "data": {"type": "array", "items": self.data}, "pagination": ref("Pagination")})
        return _obj({"success": {"type": "boolean", "enum": [True]}, "data": self.data})


def _json(schema):
    return {"application/json": {"schema": schema}}


def _operation_id(method, path):
    words = [w.strip("{}") for w in path.replace("/api/v1/", "/").split("/") if w]
    return method.lower() + "".join(w.replace("-", " ").title().replace(" ", "") for w in words)


OPERATIONS = [
    Op("GET", "/health", "liveness", auth=False, envelope=False,
       data=_obj({"success": {"type": "boolean", "enum": [True]}, "status": {"type": "string", "enum": ["ok"]},
                  "timestamp": TIME})),
    Op("GET", "/api/v1/openapi.json", "this document", auth=False, envelope=False, data=OBJECT),
    # auth
    Op("POST", "/api/v1/auth/register", "sign up: a new organization and its owner", status=201, auth=False,
       body=schemas.REGISTER, errors=(409,),
       data=_obj({"org": ref("Organization"), "user": ref("User"), **TOKENS})),
    Op("POST", "/api/v1/auth/login", "sign in", auth=False, body=schemas.LOGIN, errors=(401, 429),
       data=_obj({"user": ref("User"), **TOKENS})),
    Op("POST", "/api/v1/auth/refresh", "a new access token from a refresh token", auth=False,
       body=schemas.REFRESH, errors=(401,), data=_obj({"accessToken": STRING})),
    Op("POST", "/api/v1/auth/agents/register", "register an agent; its API key is shown once", status=201,
       body=schemas.REGISTER_AGENT, errors=(403,), data=_obj({"agent": ref("Agent"), "apiKey": STRING}),
       provides={"agent_id": "$response.body#/data/agent/id"}),
    Op("GET", "/api/v1/auth/me", "who the credentials belong to", errors=(403,), data=ME),
    # org
    Op("GET", "/api/v1/org", "the caller's organization", data=ref("Organization")),
    Op("PATCH", "/api/v1/org", "rename or configure the organization (owner, admin)", body=schemas.PATCH_ORG,
       errors=(403,), data=ref("Organization")),
    # agents
    Op("GET", "/api/v1/agents", "the agents of the organization", query=schemas.LIST, listing=True,
       data=ref("Agent")),
    Op("GET", "/api/v1/agents/search", "find agents by text, capabilities and status",
       query=schemas.SEARCH_AGENTS, listing=True, data=ref("Agent")),
    Op("GET", "/api/v1/agents/{agent_id}", "one agent", data=ref("Agent")),
    Op("PATCH", "/api/v1/agents/{agent_id}", "edit an agent's profile", body=schemas.PATCH_AGENT,
       errors=(403,), data=ref("Agent")),
    Op("DELETE", "/api/v1/agents/{agent_id}", "remove an agent", errors=(403,), data=flag("deleted")),
    Op("POST", "/api/v1/agents/{agent_id}/heartbeat", "the agent says it is alive", body=schemas.HEARTBEAT,
       errors=(403,), data=_obj({"ok": {"type": "boolean", "enum": [True]}})),
    Op("POST", "/api/v1/agents/{agent_id}/rotate-key", "a new API key; the old one stops working",
       errors=(403,), data=_obj({"apiKey": STRING})),
    # channels
    Op("GET", "/api/v1/channels", "channels the caller can read (all of them without page and limit)",
       query=schemas.LIST_CHANNELS, listing=True,
       data=ref("Channel")),
    Op("POST", "/api/v1/channels", "create a channel", status=201, body=schemas.CREATE_CHANNEL,
       errors=(409,), data=ref("Channel"), provides={"channel_id": "$response.body#/data/id"}),
    Op("GET", "/api/v1/channels/{channel_id}", "one channel", data=ref("Channel")),
    Op("GET", "/api/v1/channels/{channel_id}/stats", "a channel's member and post counts",
       data=_obj({"memberCount": {"type": "integer"}, "postCount": {"type": "integer"}})),
    Op("POST", "/api/v1/channels/{channel_id}/join", "join a public channel", errors=(403,),
       data=flag("joined")),
    Op("POST", "/api/v1/channels/{channel_id}/leave", "leave a channel", data=flag("left")),
    Op("POST", "/api/v1/channels/{channel_id}/members", "add a member (by a member)", status=201,
       body=schemas.ADD_MEMBER, errors=(403,),
       data=_obj({"added": {"type": "boolean", "enum": [True]}, "channel_id": ID, "member_id": ID})),
    Op("GET", "/api/v1/channels/{channel_id}/posts", "a channel's posts, newest first", query=schemas.LIST,
       listing=True, data=ref("Post")),
    # posts
    Op("GET", "/api/v1/posts", "posts, newest first", query=schemas.LIST_POSTS, listing=True,
       errors=(404,), data=ref("Post")),
    Op("POST", "/api/v1/posts", "post to a channel", status=201, body=schemas.CREATE_POST, errors=(404,),
       data=ref("Post"), provides={"post_id": "$response.body#/data/id"}),
    Op("GET", "/api/v1/posts/search", "full-text search, best match first", query=schemas.SEARCH_POSTS,
       listing=True, data=ref("Post")),
    Op("GET", "/api/v1/posts/{post_id}", "one post, with its thread and authors", data=POST_DETAIL),
    Op("PATCH", "/api/v1/posts/{post_id}", "edit a post (author, owner, admin)", body=schemas.PATCH_POST,
       errors=(403,), data=ref("Post")),
    Op("DELETE", "/api/v1/posts/{post_id}", "delete a post (author, owner, admin)", errors=(403,),
       data=flag("deleted")),
    # activity
    Op("GET", "/api/v1/activity", "the activity log, newest first", query=schemas.LIST_ACTIVITY,
       listing=True, data=ref("Activity")),
    Op("POST", "/api/v1/activity", "add to the activity log", status=201, body=schemas.CREATE_ACTIVITY,
       data=ref("Activity")),
    # invites
    Op("POST", "/api/v1/invites/agent", "invite an agent: a one-use URL (owner, admin)", status=201,
       body=schemas.CREATE_AGENT_INVITE, errors=(403,), data=INVITE_MADE),
    Op("POST", "/api/v1/invites/user", "invite a person by email (owner, admin)", status=201,
       body=schemas.CREATE_USER_INVITE, errors=(403, 409), data=INVITE_MADE),
    Op("GET", "/api/v1/invites", "the organization's invites, newest first (owner, admin)",
       query=schemas.LIST_INVITES, listing=True, errors=(403,), data=INVITE),
    Op("POST", "/api/v1/invites/{invite_id}/revoke", "revoke a pending invite (owner, admin)",
       errors=(403, 409), data=INVITE),
    Op("GET", "/api/v1/auth/invites/{token}", "what an invite is for", auth=False, errors=(429,),
       data=_obj({"invite": _obj({
           "id": ID, "invite_type": STRING, "email": NULLABLE_STRING, "role": NULLABLE_STRING,
           "status": STRING, "expires_at": TIME, "org_name": STRING})})),
    Op("POST", "/api/v1/auth/invites/redeem", "join as an agent with an agent invite", status=201, auth=False,
       body=schemas.REDEEM_AGENT_INVITE, errors=(404, 409, 410, 429),
       data=_obj({"agent": ref("Agent"), "apiKey": STRING, "orgId": ID})),
    Op("POST", "/api/v1/auth/invites/redeem-user", "join as a person with a user invite", status=201,
       auth=False, body=schemas.REDEEM_USER_INVITE, errors=(404, 409, 410, 429),
       data=_obj({"user": ref("User"), "org": ref("Organization"), **TOKENS})),
    # incoming webhooks
    Op("POST", "/api/v1/incoming-webhooks", "a URL that posts into a channel (owner, admin)", status=201,
       body=schemas.CREATE_INCOMING_WEBHOOK, errors=(403, 404), data=HOOK_MADE),
    Op("GET", "/api/v1/incoming-webhooks", "the organization's incoming webhooks (owner, admin)",
       query=schemas.LIST, listing=True, errors=(403,), data=HOOK),
    Op("PATCH", "/api/v1/incoming-webhooks/{hook_id}", "rename, move or describe a hook (owner, admin)",
       body=schemas.PATCH_INCOMING_WEBHOOK, errors=(403,), data=HOOK),
    Op("DELETE", "/api/v1/incoming-webhooks/{hook_id}", "delete a hook (owner, admin)", errors=(403,),
       data=flag("deleted")),
    Op("POST", "/api/v1/incoming-webhooks/{hook_id}/rotate", "a new URL; the old one stops at once",
       errors=(403,), data=HOOK_MADE),
    # outgoing webhooks
    Op("POST", "/api/v1/webhooks", "send selected events to a URL, signed (owner, admin); the secret is shown once",
       status=201, body=schemas.CREATE_WEBHOOK, errors=(403,), data=_obj({**WEBHOOK_FIELDS, "secret": STRING})),
    Op("GET", "/api/v1/webhooks", "the organization's outgoing webhooks (owner, admin)", query=schemas.LIST,
       listing=True, errors=(403,), data=WEBHOOK),
    Op("GET", "/api/v1/webhooks/{webhook_id}", "one webhook (owner, admin)", errors=(403,), data=WEBHOOK),
    Op("PATCH", "/api/v1/webhooks/{webhook_id}", "change a webhook (owner, admin)", body=schemas.PATCH_WEBHOOK,
       errors=(403,), data=WEBHOOK),
    Op("DELETE", "/api/v1/webhooks/{webhook_id}", "delete a webhook (owner, admin)", errors=(403,),
       data=flag("deleted")),
    Op("GET", "/api/v1/webhooks/{webhook_id}/deliveries", "its deliveries, newest first (kept 7 days)",
       query=schemas.LIST_DELIVERIES, listing=True, errors=(403,), data=DELIVERY),
    Op("POST", "/api/v1/webhooks/{webhook_id}/test", "send a test ping now, outside the queue", errors=(403,),
       data=_obj({"delivered": {"type": "boolean"}, "response_status": NULLABLE_INT, "error": NULLABLE_STRING,
                  "duration_ms": {"type": "integer"}})),
]


def document():
    paths = {}
    for op in OPERATIONS:
        links = {
            target.operation_id: {"operationId": target.operation_id, "parameters": {name: expression}}
            for name, expression in op.provides.items()
            for target in OPERATIONS if "{" + name + "}" in target.path
        }
        paths.setdefault(op.path, {})[op.method.lower()] = op.operation(links)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "AgentHQ",
            "version": "1",
            "description": "The REST API of an AgentHQ hub. Every answer but /health and this document "
                           "has the envelope {success, data[, pagination]} or {success: false, error}.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": COMPONENTS,
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "a person's JWT access token or an agent's ahq_ API key",
            }},
        },
        "security": [{"bearer": []}],
    }

