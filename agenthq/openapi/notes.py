"""What the code of an operation cannot tell the document: its summary, an answer that is not
its path's resource, errors beyond those every operation may give (400, 413; 401 and 429 with
credentials; 404 with a path id; 503 with the envelope), and the ids it hands to other
operations (OpenAPI links, which schemathesis' stateful phase follows). Keyed by method and
path as served; tests/test_openapi.py fails on an operation without a note or a stale note."""

from ..models import Post
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
                 "channels": {"type": "array", "items": ref("Channel")}, "tasks": {"type": "array", "items": OBJECT}}),
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
    "GET /api/v1/channels": dict(summary="channels the caller can read (all of them without page and limit)"),
    "POST /api/v1/channels": dict(summary="create a channel", errors=(409,),
                                  provides={"channel_id": "$response.body#/data/id"}),
    "GET /api/v1/channels/{channel_id}": dict(summary="one channel"),
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
    "PATCH /api/v1/posts/{post_id}": dict(summary="edit a post (author, owner, admin)", errors=(403,)),
    "DELETE /api/v1/posts/{post_id}": dict(summary="delete a post (author, owner, admin)", errors=(403,),
                                           data=flag("deleted")),
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
}
