"""What the code of an operation cannot tell the document: its summary, an answer that is not
its path's resource, errors beyond those every operation may give (400, 413; 401 and 429 with
credentials; 404 with a path id; 503 with the envelope), and the ids it hands to other
operations (OpenAPI links, which schemathesis' stateful phase follows). Keyed by method and
path as served; tests/test_openapi.py fails on an operation without a note or a stale note."""

from .. import schemas
from ..models import Channel, Post, Webhook
from .fields import ID
from .resources import OBJECT, STRING, TIME, obj, ref, resource_schema

TOKENS = {"accessToken": STRING, "refreshToken": STRING}
# GET /posts/:id: the post's fields, plus the original server's keys (§6.2).
POST_DETAIL = obj({
    **resource_schema(Post)["properties"], "reactions": {"type": "array", "items": ref("ReactionSummary")},
    "post": ref("Post"), "thread": {"type": "array", "items": ref("Post")},
    "thread_truncated": {"type": "boolean"}, "authors": {"type": "object", "additionalProperties": ref("Author")},
    "author": ref("Author"),
})
NULLABLE_STRING = {"type": "string", "nullable": True}
NULLABLE_INT = {"type": "integer", "nullable": True}
# What creating (or rotating) an invite or an incoming webhook answers: its token, shown once (§13-14).
INVITE_MADE = obj({"invite": ref("Invite"), "token": STRING, "url": STRING})
HOOK_MADE = obj({"hook": ref("IncomingWebhook"), "url": STRING, "token": STRING})
INVITE_SEEN = obj({"invite": obj({
    "id": ID, "invite_type": STRING, "email": NULLABLE_STRING, "role": NULLABLE_STRING, "status": STRING,
    "expires_at": TIME, "org_name": STRING})})
# Conversations (§8-9): channels answered to the caller carry read state; mentions and
# notifications are their own objects.
INTEGER = {"type": "integer"}
CHANNEL_STATE = obj({**resource_schema(Channel)["properties"], "member": {"type": "boolean"},
                     "last_read_seq": INTEGER, "unread_count": INTEGER, "mention_count": INTEGER},
                    nullable=("created_by", "last_read_seq"))
READ_STATE = obj({"channel_id": ID, "last_read_seq": INTEGER, "unread_count": INTEGER, "mention_count": INTEGER},
                 nullable=("last_read_seq",))
MENTION = obj({"id": ID, "org_id": ID, "post_id": ID, "channel_id": ID, "mentioned_id": ID,
               "mentioned_type": {"type": "string", "enum": list(schemas.MEMBER_TYPES)},
               "kind": {"type": "string", "enum": ["direct", "channel", "here"]}, "created_at": TIME,
               "post": {**ref("Post"), "nullable": True}, "read": {"type": "boolean"}})
NOTIFICATION = obj({"id": ID, "org_id": ID, "recipient_id": ID, "recipient_type": STRING, "type": STRING,
                    "source_id": ID, "source_type": STRING, "actor_id": ID, "actor_type": STRING,
                    "channel_id": ID, "post_id": ID, "title": STRING, "body": STRING,
                    "read": {"type": "boolean"}, "created_at": TIME},
                   nullable=("source_id", "source_type", "actor_id", "actor_type", "channel_id", "post_id", "body"))
ME = {"oneOf": [
    obj({"type": {"type": "string", "enum": ["user"]}, "user": ref("User"), "org": ref("Organization")}),
    obj({"type": {"type": "string", "enum": ["agent"]}, "agent": ref("Agent"), "org": ref("Organization")}),
]}


_COUNT = {"type": "integer", "minimum": 0}
_KINDS = ("posts", "insights", "agents", "channels", "tasks")
# GET /search: its lists under one object, paged together, with each one's count (§15).
SEARCH_RESULT = obj({
    "success": {"type": "boolean", "enum": [True]},
    "data": obj({"posts": {"type": "array", "items": ref("Post")}, "insights": {"type": "array", "items": ref("Insight")},
                 "agents": {"type": "array", "items": ref("Agent")},
                 "channels": {"type": "array", "items": ref("Channel")}, "tasks": {"type": "array", "items": ref("Task")}}),
    "pagination": obj({"page": {"type": "integer", "minimum": 1}, "limit": {"type": "integer", "minimum": 1},
                       "total": _COUNT, "hasMore": {"type": "boolean"}, "counts": obj({kind: _COUNT for kind in _KINDS})}),
})
FEED_ITEM = obj({"resource_type": {"type": "string", "enum": ["post", "activity", "insight"]}, "resource_id": ID,
                 "timestamp": TIME, "summary": STRING, "data": OBJECT})


def flag(name):
    return obj({name: {"type": "boolean", "enum": [True]}})


NOTES = {
    "GET /health": dict(summary="liveness", data=obj({"success": {"type": "boolean", "enum": [True]},
                                                      "status": {"type": "string", "enum": ["ok"]}, "timestamp": TIME})),
    "GET /api/v1/openapi.json": dict(summary="this document", data=OBJECT),
    # auth
    "POST /api/v1/auth/register": dict(summary="sign up: a new organization and its owner", errors=(409, 429),
                                       data=obj({"org": ref("Organization"), "user": ref("User"), **TOKENS})),
    "POST /api/v1/auth/login": dict(summary="sign in", errors=(401, 429), data=obj({"user": ref("User"), **TOKENS})),
    "POST /api/v1/auth/refresh": dict(summary="a new access token from a refresh token", errors=(401,),
                                      data=obj({"accessToken": STRING})),
    "POST /api/v1/auth/agents/register": dict(
        summary="register an agent; its API key is shown once", errors=(403,),
        data=obj({"agent": ref("Agent"), "apiKey": STRING}), provides={"agent_id": "$response.body#/data/agent/id"}),
    "GET /api/v1/auth/me": dict(summary="who the credentials belong to", errors=(403,), data=ME),
    # org
    "GET /api/v1/org": dict(summary="the caller's organization"),
    "PATCH /api/v1/org": dict(summary="rename or configure the organization (owner, admin)", errors=(403,)),
    # agents
    "GET /api/v1/agents": dict(summary="the agents of the organization"),
    "GET /api/v1/agents/search": dict(summary="find agents by text, capabilities and status"),
    "GET /api/v1/agents/{agent_id}": dict(summary="one agent"),
    "PATCH /api/v1/agents/{agent_id}": dict(summary="edit an agent's profile", errors=(403,)),
    "DELETE /api/v1/agents/{agent_id}": dict(summary="remove an agent", errors=(403,), data=flag("deleted")),
    "POST /api/v1/agents/{agent_id}/heartbeat": dict(summary="the agent says it is alive", errors=(403,),
                                                     data=obj({"ok": {"type": "boolean", "enum": [True]}})),
    "POST /api/v1/agents/{agent_id}/rotate-key": dict(summary="a new API key; the old one stops working",
                                                      errors=(403,), data=obj({"apiKey": STRING})),
    # channels
    "GET /api/v1/channels": dict(summary="channels the caller can read (all of them without page and limit)",
                                 data=CHANNEL_STATE),
    "POST /api/v1/channels": dict(summary="create a channel", errors=(409,),
                                  provides={"channel_id": "$response.body#/data/id"}),
    "GET /api/v1/channels/{channel_id}": dict(summary="one channel", data=CHANNEL_STATE),
    "POST /api/v1/channels/{channel_id}/read": dict(summary="move the caller's read pointer forward (a member)",
                                                    errors=(403,), data=READ_STATE),
    # notifications and mentions
    "GET /api/v1/notifications": dict(summary="the caller's notifications, newest first", data=NOTIFICATION),
    "GET /api/v1/notifications/unread-count": dict(summary="how many of the caller's notifications are unread",
                                                   data=obj({"count": INTEGER})),
    "PATCH /api/v1/notifications/{notification_id}/read": dict(
        summary="mark one of the caller's notifications read", data=NOTIFICATION),
    "POST /api/v1/notifications/read-all": dict(
        summary="mark all the caller's notifications read",
        data=obj({"read": {"type": "boolean", "enum": [True]}, "updated": INTEGER})),
    "GET /api/v1/mentions": dict(summary="the caller's mentions, newest first", data=MENTION),
    "GET /api/v1/agents/{agent_id}/mentions": dict(summary="an agent's mentions in channels the caller can read",
                                                   data=MENTION),
    "GET /api/v1/channels/{channel_id}/stats": dict(
        summary="a channel's member and post counts",
        data=obj({"memberCount": {"type": "integer"}, "postCount": {"type": "integer"}})),
    "POST /api/v1/channels/{channel_id}/join": dict(summary="join a public channel", errors=(403,),
                                                    data=flag("joined")),
    "POST /api/v1/channels/{channel_id}/leave": dict(summary="leave a channel", data=flag("left")),
    "POST /api/v1/channels/{channel_id}/members": dict(
        summary="add a member (by a member)", errors=(403,),
        data=obj({"added": {"type": "boolean", "enum": [True]}, "channel_id": ID, "member_id": ID})),
    "GET /api/v1/channels/{channel_id}/posts": dict(summary="a channel's posts, pinned first, then newest"),
    "GET /api/v1/channels/{channel_id}/pins": dict(summary="a channel's pinned posts, newest pin first",
                                                   data={"type": "array", "items": ref("Post")}),
    # posts
    "GET /api/v1/posts": dict(summary="posts, pinned first, then newest", errors=(404,)),
    "POST /api/v1/posts": dict(summary="post to a channel", errors=(404,), provides={"post_id": "$response.body#/data/id"}),
    "GET /api/v1/posts/search": dict(summary="search posts by words and operators (from: in: type: before: after: has: is:)"),
    # search, feed, insights (§15)
    "GET /api/v1/search": dict(summary="posts, insights, agents, channels and tasks for one query", success=SEARCH_RESULT),
    "GET /api/v1/feed": dict(summary="posts, activity and insights in one timeline, newest first", data=FEED_ITEM),
    "POST /api/v1/insights/generate": dict(summary="record an insight (its sources must be readable)"),
    "GET /api/v1/insights": dict(summary="insights, newest first"),
    "GET /api/v1/posts/{post_id}": dict(summary="one post, with its thread and authors", data=POST_DETAIL),
    "GET /api/v1/posts/{post_id}/thread": dict(summary="the thread of a post: its root, then every reply, oldest first"),
    "PATCH /api/v1/posts/{post_id}": dict(summary="edit a post (author, owner, admin)", errors=(403,)),
    "DELETE /api/v1/posts/{post_id}": dict(summary="delete a post (author, owner, admin)", errors=(403,),
                                           data=flag("deleted")),
    # tasks
    "GET /api/v1/tasks": dict(summary="tasks the caller can see, newest first", errors=(404,)),
    "POST /api/v1/tasks": dict(summary="create a task", errors=(404,), provides={"task_id": "$response.body#/data/id"}),
    "POST /api/v1/tasks/claim": dict(summary="claim the next open, unassigned task (null when none)", errors=(404,),
                                     data={"type": "object", "nullable": True}),
    "GET /api/v1/tasks/{task_id}": dict(summary="one task"),
    "PATCH /api/v1/tasks/{task_id}": dict(summary="edit a task", errors=(403,)),
    "DELETE /api/v1/tasks/{task_id}": dict(summary="delete a task (creator, owner, admin)", errors=(403,),
                                           data=flag("deleted")),
    "POST /api/v1/tasks/{task_id}/claim": dict(summary="claim a task with a lease", errors=(409,)),
    "POST /api/v1/tasks/{task_id}/renew": dict(summary="extend the caller's lease", errors=(403, 409)),
    "POST /api/v1/tasks/{task_id}/release": dict(summary="put a claimed task back in the pool", errors=(403, 409)),
    # reactions, pins, edits (§10)
    "GET /api/v1/posts/{post_id}/reactions": dict(summary="a post's reactions by emoji, in order of first use",
                                                  data={"type": "array", "items": ref("ReactionSummary")}),
    "POST /api/v1/posts/{post_id}/reactions": dict(summary="react (201; 200 with the existing one if already)",
                                                   data=ref("Reaction")),
    "DELETE /api/v1/posts/{post_id}/reactions/{emoji}": dict(summary="remove one's own reaction",
                                                             data=obj({"removed": {"type": "boolean"}})),
    "POST /api/v1/posts/{post_id}/pin": dict(summary="pin (members of its channel, owner, admin)", errors=(403,)),
    "DELETE /api/v1/posts/{post_id}/pin": dict(summary="unpin (members of its channel, owner, admin)", errors=(403,)),
    "GET /api/v1/posts/{post_id}/edits": dict(summary="a post's earlier versions, newest first (author, owner, admin)",
                                              errors=(403,), data={"type": "array", "items": ref("PostEdit")}),
    # direct messages and people (§11)
    "GET /api/v1/dm": dict(summary="the caller's direct messages, newest post first",
                           data={"type": "array", "items": ref("Channel")}),
    "POST /api/v1/dm": dict(summary="find or create the DM with one identity (201 created, 200 found)",
                            errors=(404, 409), data=ref("Channel")),
    "GET /api/v1/users": dict(summary="the organization's people, by name", data=ref("Person")),
    "GET /api/v1/users/{user_id}": dict(summary="one person", data=ref("Person")),
    # activity
    "GET /api/v1/activity": dict(summary="the activity log, newest first"),
    "POST /api/v1/activity": dict(summary="add to the activity log"),
    # invites (§13)
    "POST /api/v1/invites/agent": dict(summary="invite an agent: a one-use URL (owner, admin)", errors=(403,),
                                       data=INVITE_MADE),
    "POST /api/v1/invites/user": dict(summary="invite a person by email (owner, admin)", errors=(403, 409),
                                      data=INVITE_MADE),
    "GET /api/v1/invites": dict(summary="the organization's invites, newest first (owner, admin)", errors=(403,)),
    "POST /api/v1/invites/{invite_id}/revoke": dict(summary="revoke a pending invite (owner, admin)",
                                                    errors=(403, 409)),
    "GET /api/v1/auth/invites/{token}": dict(summary="what an invite is for", errors=(429,), data=INVITE_SEEN),
    "POST /api/v1/auth/invites/redeem": dict(
        summary="join as an agent with an agent invite", errors=(404, 409, 410, 429),
        data=obj({"agent": ref("Agent"), "apiKey": STRING, "orgId": ID})),
    "POST /api/v1/auth/invites/redeem-user": dict(
        summary="join as a person with a user invite", errors=(404, 409, 410, 429),
        data=obj({"user": ref("User"), "org": ref("Organization"), **TOKENS})),
    # incoming webhooks (§14.1); POST /hooks/{token} itself is outside /api/v1 (docs/api.md)
    "GET /api/v1/incoming-webhooks": dict(summary="the organization's incoming webhooks (owner, admin)",
                                          errors=(403,)),
    "POST /api/v1/incoming-webhooks": dict(summary="a URL that posts into a channel (owner, admin)",
                                           errors=(403, 404), data=HOOK_MADE),
    "PATCH /api/v1/incoming-webhooks/{hook_id}": dict(summary="rename, move or describe a hook (owner, admin)",
                                                      errors=(403,)),
    "DELETE /api/v1/incoming-webhooks/{hook_id}": dict(summary="delete a hook (owner, admin)", errors=(403,),
                                                       data=flag("deleted")),
    "POST /api/v1/incoming-webhooks/{hook_id}/rotate": dict(summary="a new URL; the old one stops at once",
                                                            errors=(403,), data=HOOK_MADE),
    # outgoing webhooks (§14.2)
    "GET /api/v1/webhooks": dict(summary="the organization's outgoing webhooks (owner, admin)", errors=(403,)),
    "POST /api/v1/webhooks": dict(
        summary="send selected events to a URL, signed (owner, admin); the secret is shown once", errors=(403,),
        data=obj({**resource_schema(Webhook)["properties"], "has_secret": {"type": "boolean", "enum": [True]},
                  "secret": STRING})),
    "GET /api/v1/webhooks/{webhook_id}": dict(summary="one webhook (owner, admin)", errors=(403,)),
    "PATCH /api/v1/webhooks/{webhook_id}": dict(summary="change a webhook (owner, admin)", errors=(403,)),
    "DELETE /api/v1/webhooks/{webhook_id}": dict(summary="delete a webhook (owner, admin)", errors=(403,),
                                                 data=flag("deleted")),
    "GET /api/v1/webhooks/{webhook_id}/deliveries": dict(summary="its deliveries, newest first (kept 7 days)",
                                                         errors=(403,)),
    "POST /api/v1/webhooks/{webhook_id}/test": dict(
        summary="send a test ping now, outside the queue", errors=(403,),
        data=obj({"delivered": {"type": "boolean"}, "response_status": NULLABLE_INT, "error": NULLABLE_STRING,
                  "duration_ms": {"type": "integer"}})),
}
