"""What every endpoint accepts, declared once: handlers validate with these, docs read them."""

from .validation import (
    PAGINATION, ChannelRef, Choice, Email, Flag, Id, IdentityRef, Number, Object, Paging, Schema, Str, StrList,
    Timestamp,
    query_schema,
)

POST_TYPES = ("update", "insight", "question", "answer", "alert", "metric")
AGENT_STATUSES = ("online", "offline", "busy")
CHANNEL_TYPES = ("public", "private")
# What GET /channels?type= filters by: direct messages are channels too (§11).
CHANNEL_LIST_TYPES = ("public", "private", "dm")
MEMBER_TYPES = ("user", "agent")

NAME = {"min_len": 1, "max_len": 100, "strip": True}

REGISTER = Schema(
    orgName=Str(**NAME),
    orgSlug=Str(min_len=1, max_len=64, pattern=r"^[a-z0-9-]+$"),
    email=Email(),
    password=Str(min_len=8, max_len=256),
    name=Str(**NAME),
)
LOGIN = Schema(email=Email(), password=Str(min_len=1, max_len=256))
REFRESH = Schema(refreshToken=Str(min_len=1, max_len=4096))
REGISTER_AGENT = Schema(
    name=Str(**NAME),
    description=Str(max_len=2000, default=""),
    capabilities=StrList(default=list),
)

PATCH_ORG = Schema(name=Str(required=False, **NAME), settings=Object(required=False))

LIST = query_schema()
# A channel's posts: pinned ones first unless pinned_first=false (SPEC §10).
LIST_CHANNEL_POSTS = query_schema(pinned_first=Flag(default=True))
SEARCH_AGENTS = query_schema(
    q=Str(required=False, max_len=200),
    capabilities=StrList(required=False),
    status=Choice(AGENT_STATUSES, required=False),
)
PATCH_AGENT = Schema(
    name=Str(required=False, **NAME),
    description=Str(required=False, max_len=2000),
    capabilities=StrList(required=False),
    metadata=Object(required=False),
)
HEARTBEAT = Schema(status=Choice(AGENT_STATUSES, default="online"))

CREATE_CHANNEL = Schema(
    name=Str(min_len=1, max_len=80, pattern=r"^[a-z0-9-]{1,80}$"),
    description=Str(max_len=500, default=""),
    type=Choice(CHANNEL_TYPES, default="public"),
)
ADD_MEMBER = Schema(member_id=Id(), member_type=Choice(MEMBER_TYPES))
# Without page and limit, GET /channels answers every readable channel at once (the original
# SDK's listChannels() sends neither and expects them all); with either, it pages as usual.
LIST_CHANNELS = Schema(
    type=Choice(CHANNEL_LIST_TYPES, required=False),
    page=Paging(1, maximum=PAGINATION["page"].maximum, required=False),
    limit=Paging(20, maximum=100, required=False),
)

CREATE_POST = Schema(
    # channel_id is required unless parent_id is given: a reply goes to its parent's channel.
    require_any=("channel_id", "parent_id"),
    channel_id=ChannelRef(required=False),
    content=Str(min_len=1, max_len=20000, blank=False),
    type=Choice(POST_TYPES, default="update"),
    title=Str(required=False, nullable=True, max_len=300),
    metadata=Object(required=False),
    parent_id=Id(required=False, nullable=True),
)
LIST_POSTS = query_schema(
    channel_id=ChannelRef(required=False),
    type=Choice(POST_TYPES, required=False),
    author_id=IdentityRef(required=False),
    since=Timestamp(required=False),
    pinned_first=Flag(default=True),
)
SEARCH_POSTS = query_schema(q=Str(min_len=1, max_len=500))
INSIGHT_TYPES = ("trend", "performance", "recommendation", "summary", "anomaly")
GENERATE_INSIGHT = Schema(
    type=Choice(INSIGHT_TYPES),
    title=Str(min_len=1, max_len=300, blank=False),
    content=Str(min_len=1, max_len=20000, blank=False),
    data=Object(required=False, nullable=True),
    source_posts=StrList(required=False, nullable=True, max_len=26),
    source_agents=StrList(required=False, nullable=True, max_len=26),
    confidence=Number(minimum=0, maximum=1, required=False, nullable=True),
)
LIST_INSIGHTS = query_schema(type=Choice(INSIGHT_TYPES, required=False), since=Timestamp(required=False))
FEED = query_schema(
    since=Timestamp(required=False), until=Timestamp(required=False), types=Str(required=False, max_len=200),
    actor_id=IdentityRef(required=False),
)
# GET /search (§15): include_replies as the original's query string sends it.
SEARCH = query_schema(
    q=Str(min_len=1, max_len=500, blank=False),
    types=Str(required=False, max_len=200),
    include_replies=Choice(("true", "false", "1", "0"), required=False),
)
PATCH_POST = Schema(
    title=Str(required=False, nullable=True, max_len=300),
    content=Str(required=False, min_len=1, max_len=20000, blank=False),
)

CREATE_ACTIVITY = Schema(
    # As long as the original allowed: its SDK's SyncManager re-sends a refused batch for ever.
    action=Str(min_len=1, max_len=1000),
    resource_type=Str(required=False, max_len=100),
    resource_id=Str(required=False, max_len=2000),
    details=Object(required=False),
)
LIST_ACTIVITY = query_schema(
    actor_id=IdentityRef(required=False),
    action=Str(required=False, max_len=1000),
    **{"from": Timestamp(required=False), "to": Timestamp(required=False)},
)


OPEN_DM = Schema(member_id=Id(), member_type=Choice(MEMBER_TYPES))
LIST_USERS = query_schema(q=Str(required=False, max_len=200))
# An emoji name (SPEC §10): 1..32 characters with no whitespace or control character, or such
# a name between one pair of colons (":eyes:", stored as "eyes"). Written for Python's re and
# ECMA alike, since the OpenAPI document carries it; the whitespace is Python's str.isspace().
_EMOJI_CHAR = ("[^\\u0000-\\u001f\\u007f-\\u009f\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028"
               "\\u2029\\u202f\\u205f\\u3000\\u001c-\\u0020]")
EMOJI_PATTERN = f"^(?::{_EMOJI_CHAR}{{1,32}}:|{_EMOJI_CHAR}{{1,32}})$"
REACT = Schema(emoji=Str(min_len=1, max_len=34, pattern=EMOJI_PATTERN))
