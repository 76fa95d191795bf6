"""What every endpoint accepts, declared once: handlers validate with these, docs read them."""

import re

from .errors import ValidationError
from .events import KINDS
from .validation import (
    PAGINATION, ChannelRef, Choice, Email, Flag, Id, IdentityRef, Int, Number, Object, Paging, Schema, Str, StrList,
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
LIST_CHANNEL_POSTS = query_schema(
    pinned_first=Flag(default=True), include_replies=Choice(("true", "false"), required=False))
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
    include_replies=Choice(("true", "false"), required=False),
    pinned_first=Flag(default=True),
)
SEARCH_POSTS = query_schema(q=Str(min_len=1, max_len=500), include_replies=Choice(("true", "false"), required=False))
# §8.2: read=true lists read ones, any other value unread ones (as the original); an unknown
# type lists nothing.
LIST_NOTIFICATIONS = query_schema(type=Str(required=False, max_len=50), read=Str(required=False, max_len=20))
LIST_MENTIONS = query_schema(since=Timestamp(required=False), unread=Str(required=False, max_len=20))
MARK_READ = Schema(seq=Int(required=False, minimum=0))
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


TASK_STATUSES = ("open", "in_progress", "completed", "cancelled")
TASK_PRIORITIES = ("low", "medium", "high", "urgent")
LEASE = {"lease_seconds": Int(required=False, minimum=10, maximum=86400)}


class DueDate(Timestamp):
    """A timestamp whose year has four digits: the stored form must stay sortable as text."""

    four_digit_year = True  # the OpenAPI document says so with a pattern

    def clean(self, name, value):
        value = super().clean(name, value)
        if not re.match(r"^[1-9]\d{3}-", value):
            raise ValidationError(name, f"{name} must be a date between the years 1000 and 9999")
        return value


CREATE_TASK = Schema(
    title=Str(min_len=1, max_len=300, strip=True, blank=False),
    description=Str(required=False, nullable=True, max_len=20000),
    status=Choice(TASK_STATUSES, default="open"),
    priority=Choice(TASK_PRIORITIES, default="medium"),
    assigned_to=Id(required=False, nullable=True),
    assigned_type=Choice(MEMBER_TYPES, required=False, nullable=True),
    # The Go CLI sends `channel`; either names a channel by id or by name.
    channel_id=ChannelRef(required=False, nullable=True),
    channel=ChannelRef(required=False, nullable=True),
    due_date=DueDate(required=False, nullable=True),
    metadata=Object(required=False, nullable=True),
)
PATCH_TASK = Schema(
    title=Str(required=False, min_len=1, max_len=300, strip=True, blank=False),
    description=Str(required=False, nullable=True, max_len=20000),
    status=Choice(TASK_STATUSES, required=False),
    priority=Choice(TASK_PRIORITIES, required=False),
    assigned_to=Id(required=False, nullable=True),
    assigned_type=Choice(MEMBER_TYPES, required=False, nullable=True),
    channel_id=ChannelRef(required=False, nullable=True),
    channel=ChannelRef(required=False, nullable=True),
    due_date=DueDate(required=False, nullable=True),
    metadata=Object(required=False, nullable=True),
)
LIST_TASKS = query_schema(
    status=Choice(TASK_STATUSES, required=False),
    priority=Choice(TASK_PRIORITIES, required=False),
    assigned_to=Str(required=False, pattern=r"^(?:me|none|[0-9A-HJKMNP-TV-Z]{26})$"),
    created_by=IdentityRef(required=False),
    channel_id=ChannelRef(required=False),
    channel=ChannelRef(required=False),
    claimable=Choice(("true", "false"), required=False),
)
CLAIM_TASK = Schema(**LEASE)
CLAIM_NEXT_TASK = Schema(
    **LEASE,
    channel_id=ChannelRef(required=False, nullable=True),
    channel=ChannelRef(required=False, nullable=True),
    priority=Choice(TASK_PRIORITIES, required=False, nullable=True),
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

INVITE_TYPES = ("agent", "user")
INVITE_STATUSES = ("pending", "redeemed", "expired", "revoked")
CREATE_AGENT_INVITE = Schema()
CREATE_USER_INVITE = Schema(email=Email(), role=Choice(("member", "admin"), default="member"))
LIST_INVITES = query_schema(
    type=Choice(INVITE_TYPES, required=False), status=Choice(INVITE_STATUSES, required=False)
)
REDEEM_AGENT_INVITE = Schema(
    token=Str(min_len=1, max_len=200),
    agentName=Str(**NAME),
    description=Str(max_len=2000, default=""),
    capabilities=StrList(default=list),
)
REDEEM_USER_INVITE = Schema(
    token=Str(min_len=1, max_len=200),
    name=Str(**NAME),
    password=Str(min_len=8, max_len=256),
)

CREATE_INCOMING_WEBHOOK = Schema(
    name=Str(**NAME), channel_id=ChannelRef(), description=Str(max_len=2000, default=""),
)
PATCH_INCOMING_WEBHOOK = Schema(
    name=Str(required=False, **NAME), channel_id=ChannelRef(required=False),
    description=Str(required=False, nullable=True, max_len=2000),
)
# What POST /hooks/<token> posts, once Slack's {text} has been read as content.
HOOK_POST = Schema(
    content=Str(min_len=1, max_len=20000, blank=False),
    type=Choice(POST_TYPES, default="update"),
    title=Str(required=False, nullable=True, max_len=300),
    metadata=Object(required=False),
)

WEBHOOK_URL = {"min_len": 1, "max_len": 2000, "pattern": r"^https?://[^\s/?#]+[\s\S]*$"}
# What an outgoing webhook may select: "*" or the names events.py marks webhook-safe.
WEBHOOK_EVENTS = {"max_items": 50, "max_len": 100, "min_items": 1,
                  "choices": ("*", *sorted(kind.name for kind in KINDS if kind.webhook))}
CREATE_WEBHOOK = Schema(
    url=Str(**WEBHOOK_URL), events=StrList(**WEBHOOK_EVENTS),
    secret=Str(required=False, min_len=16, max_len=200),
)
PATCH_WEBHOOK = Schema(
    url=Str(required=False, **WEBHOOK_URL), events=StrList(required=False, **WEBHOOK_EVENTS),
    secret=Str(required=False, min_len=16, max_len=200), active=Flag(required=False),
)
DELIVERY_STATUSES = ("pending", "delivered", "failed")
LIST_DELIVERIES = query_schema(status=Choice(DELIVERY_STATUSES, required=False))
