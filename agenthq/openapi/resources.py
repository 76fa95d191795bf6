"""What the server answers, in OpenAPI form: each resource's schema made from its model's
FIELDS and field types (agenthq/models/fields.py), the same list to_dict() answers with, so
a field added to a model is documented without a second edit."""

from peewee import BooleanField, FloatField, IntegerField

from .. import schemas
from ..models import (
    Activity, Agent, Channel, IdField, IncomingWebhook, Insight, Invite, JSONField, Organization, Post, PostEdit,
    Reaction, Task, TimeField, User, Webhook, WebhookDelivery,
)
from .fields import ID, TIMESTAMP

STRING = {"type": "string"}
TIME = {"type": "string", "pattern": TIMESTAMP}
OBJECT = {"type": "object"}
STRINGS = {"type": "array", "items": STRING}

RESOURCES = (Organization, User, Agent, Channel, Post, Activity, Reaction, PostEdit, Task, Invite, IncomingWebhook,
             Webhook, WebhookDelivery, Insight)

# The one fact a column cannot tell: which of its values are allowed.
ENUMS = {
    (User, "role"): ("owner", "admin", "member"),
    (Agent, "status"): schemas.AGENT_STATUSES,
    (Channel, "type"): schemas.CHANNEL_LIST_TYPES,  # dm too (§11)
    (Post, "type"): schemas.POST_TYPES,
    (Post, "author_type"): (*schemas.MEMBER_TYPES, "integration"),  # an incoming webhook's post (§14.1)
    (Activity, "actor_type"): schemas.MEMBER_TYPES,
    (Task, "status"): schemas.TASK_STATUSES,
    (Task, "priority"): schemas.TASK_PRIORITIES,
    (Task, "assigned_type"): schemas.MEMBER_TYPES,
    (Task, "created_by_type"): schemas.MEMBER_TYPES,
    (Insight, "type"): schemas.INSIGHT_TYPES,
    (Insight, "created_by_type"): schemas.MEMBER_TYPES,
    (Reaction, "author_type"): schemas.MEMBER_TYPES,
    (Invite, "invite_type"): schemas.INVITE_TYPES,
    (Invite, "status"): schemas.INVITE_STATUSES,
    (WebhookDelivery, "status"): schemas.DELIVERY_STATUSES,
}


def obj(properties, nullable=()):
    """A closed object: every property present, no other (a leaked hash would fail the check)."""
    props = {name: {**schema, "nullable": True} if name in nullable else schema for name, schema in properties.items()}
    return {"type": "object", "properties": props, "required": list(properties), "additionalProperties": False}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def column_schema(model, name):
    field = model._meta.fields[name]
    if (model, name) in ENUMS:
        return {"type": "string", "enum": list(ENUMS[model, name])}
    if isinstance(field, IdField):
        return dict(ID)
    if isinstance(field, TimeField):
        return dict(TIME)
    if isinstance(field, BooleanField):
        return {"type": "boolean"}
    if isinstance(field, IntegerField):
        return {"type": "integer"}
    if isinstance(field, FloatField):
        return {"type": "number"}
    if isinstance(field, JSONField):
        return dict(STRINGS) if field.default is list else dict(OBJECT)
    return dict(STRING)


def resource_schema(model):
    fields = model._meta.fields
    return obj({name: column_schema(model, name) for name in model.FIELDS},
               nullable=[name for name in model.FIELDS if fields[name].null])


def components():
    found = {model.__name__: resource_schema(model) for model in RESOURCES}
    # Computed, not columns (§10-11): a post's reaction summary; a DM's other member (optional:
    # only DM channels carry it).
    found["ReactionSummary"] = obj({"emoji": STRING, "count": {"type": "integer", "minimum": 1},
                                    "authors": {"type": "array", "items": obj({"id": ID, "type": STRING})}})
    found["Post"]["properties"]["reactions"] = {"type": "array", "items": ref("ReactionSummary")}
    found["Post"]["required"].append("reactions")
    found["Channel"]["properties"].update(member_id=dict(ID), member_name=dict(STRING), member_type={
        "type": "string", "enum": list(schemas.MEMBER_TYPES)})
    # Computed: a webhook answers has_secret (always true) in place of its secret (§14.2).
    found["Webhook"]["properties"]["has_secret"] = {"type": "boolean", "enum": [True]}
    found["Webhook"]["required"].append("has_secret")
    found["Person"] = obj({"id": ID, "org_id": ID, "name": STRING,
                           "role": {"type": "string", "enum": ["owner", "admin", "member"]}, "created_at": TIME})
    found["Person"]["properties"]["email"] = dict(STRING)  # oneself, and owner/admin asking
    found["Author"] = obj({"id": ID, "name": STRING, "type": {"type": "string", "enum": ["agent", "user", "integration"]}})
    found["Pagination"] = obj({"page": {"type": "integer", "minimum": 1}, "limit": {"type": "integer", "minimum": 1},
                               "total": {"type": "integer", "minimum": 0}, "hasMore": {"type": "boolean"}})
    found["Error"] = obj({"success": {"type": "boolean", "enum": [False]},
                          "error": {"type": "object", "required": ["code", "message"], "additionalProperties": False,
                                    "properties": {"code": STRING, "message": STRING, "field": STRING}}})
    return found


# The resource a path's answers are, by its last collection segment: /channels/{id}/posts is Post.
COLLECTIONS = {"org": "Organization", "agents": "Agent", "channels": "Channel", "posts": "Post",
               "activity": "Activity", "tasks": "Task", "invites": "Invite", "incoming-webhooks": "IncomingWebhook",
               "webhooks": "Webhook", "deliveries": "WebhookDelivery", "insights": "Insight"}


def path_resource(path):
    for segment in reversed(path.split("/")):
        if segment in COLLECTIONS:
            return COLLECTIONS[segment]
    return None
