"""The reads the pages need, run on the hub's database threads (hub.read). Access checks are
the services' own helpers, so a page never shows what the API would refuse."""

from ..auth import Identity
from ..clock import now_iso
from ..eventlog import newest_seq
from ..models import Activity, Agent, Channel, ChannelMember, Insight, Organization, PageSession, Post, Task, User
from ..services import activity, dms, pins, posts, reactions, readstate
from ..services.common import access_channel, access_post, readable_channel_ids
from ..validation import is_id
from . import messaging

PAGE_SIZE = 30


def session_identity(session_hash):
    """(Identity, user dict) of a live session's user, or None once the session is signed out
    or expired, or the user is gone."""
    found = PageSession.get_or_none((PageSession.id == session_hash) & (PageSession.expires_at > now_iso()))
    if found is None:
        return None
    user = User.get_or_none((User.id == found.user_id) & (User.org_id == found.org_id))
    if user is None:
        return None
    return Identity("user", user.id, user.org_id, user.role), user.to_dict()


def author_names(ids):
    ids = list(set(ids))
    names = {u.id: u.name for u in User.select(User.id, User.name).where(User.id.in_(ids))}
    names.update({a.id: a.name for a in Agent.select(Agent.id, Agent.name).where(Agent.id.in_(ids))})
    return names


def post_views(identity, items):
    """Post dicts with what a card shows beside them: the author's name, whether the viewer
    wrote it (only then are Edit and Delete offered), and the reactions (messaging.py)."""
    reactions.attach(items)
    names = author_names([p["author_id"] for p in items] + messaging.reactor_ids(items))
    return [
        {**p, "author_name": names.get(p["author_id"], "(removed)"), "mine": p["author_id"] == identity.id,
         **messaging.card_extras(identity, p, names)}
        for p in items
    ]


def sidebar(identity):
    channels = Channel.select().where(Channel.id.in_(readable_channel_ids(identity))).order_by(Channel.name)
    joined = {
        m.channel_id for m in ChannelMember.select(ChannelMember.channel_id).where(ChannelMember.member_id == identity.id)
    }
    agents = Agent.select().where(Agent.org_id == identity.org_id).order_by(Agent.name)
    return {
        "org": Organization.get_by_id(identity.org_id).to_dict(),
        # Unread and mention counts from the read pointers (§9), as GET /channels has them.
        # DMs have their own section (messaging.py), not the channel lists.
        "channels": readstate.with_read_state(
            identity, [{**c.to_dict(), "joined": c.id in joined} for c in channels if c.type != "dm"]),
        "dms": readstate.dms_with_state(identity),  # with unread counts, as GET /dm
        "agents": [{**a.to_dict(), "last_active": a.last_active} for a in agents],
        # The page resumes /ws from this seq: whatever happens after this read (which is one
        # transaction, one snapshot) is replayed to it, so nothing falls in between.
        "seq": newest_seq(identity.org_id),
    }


def feed(identity, channel_id=None):
    """The first screen of a channel (by default #general, else the first one listed)."""
    side = sidebar(identity)
    if channel_id is None:
        named = {c["name"]: c["id"] for c in side["channels"]}
        channel_id = named.get("general") or next(iter(named.values()), None)
        if channel_id is None:
            return {**side, "channel": None, "posts": [], "has_more": False}
    channel = access_channel(identity, channel_id)
    items, has_more = posts_page(identity, channel.id)
    joined = channel.type == "dm" or any(c["id"] == channel.id and c["joined"] for c in side["channels"])
    shown = dms.decorate(identity, [{**channel.to_dict(), "joined": joined}])[0]
    pinned = pins.list_pins(identity, channel.id)  # the strip shows their plain text
    return {**side, "channel": shown, "posts": items, "has_more": has_more, "pins": pinned}


def posts_page(identity, channel_id, before=None):
    """Up to PAGE_SIZE posts of a channel older than the post `before`, newest first. A cursor
    rather than a page number, so posts arriving meanwhile do not shift what "older" means."""
    channel = access_channel(identity, channel_id)
    # Top-level posts: replies are in their thread's panel (§7).
    rows = Post.select().where((Post.channel_id == channel.id) & Post.parent_id.is_null())
    if before and is_id(before):
        rows = rows.where(Post.id < before)
    rows = [_with_html(p) for p in rows.order_by(Post.id.desc()).limit(PAGE_SIZE + 1)]
    return post_views(identity, rows[:PAGE_SIZE]), len(rows) > PAGE_SIZE


def _with_html(post):
    """The API's post plus its stored HTML (the page never renders Markdown on a request)."""
    return {**post.to_dict(), "html": post.html}


def post_view(identity, post_id):
    return post_views(identity, [_with_html(access_post(identity, post_id))])[0]


def thread_views(identity, post_id):
    """The cards of a thread, oldest first, at most the thread read's first 100."""
    items, _ = posts.thread(identity, post_id, {"page": 1, "limit": 100})
    html = {p.id: p.html for p in Post.select(Post.id, Post.html).where(Post.id.in_([i["id"] for i in items]))}
    return post_views(identity, [{**item, "html": html.get(item["id"])} for item in items])


def general_channel_id(identity):
    channel = Channel.get_or_none((Channel.org_id == identity.org_id) & (Channel.name == "general"))
    return channel.id if channel else None


def activity_page(identity, query):
    items, pagination = activity.list_activity(identity, query)
    actors = [{"id": u.id, "name": u.name, "kind": "user"} for u in User.select().where(User.org_id == identity.org_id)]
    actors += [{"id": a.id, "name": a.name, "kind": "agent"} for a in Agent.select().where(Agent.org_id == identity.org_id)]
    names = {a["id"]: a["name"] for a in actors}
    actions = [
        row.action
        for row in Activity.select(Activity.action).where(Activity.org_id == identity.org_id).distinct().order_by(Activity.action)
    ]
    described = describe_activity(identity, items, names)
    return {
        **sidebar(identity),
        "items": [{**item, "actor_name": names.get(item["actor_id"], item["actor_id"]), **described[item["id"]]}
                  for item in items],
        "pagination": pagination,
        "actors": sorted(actors, key=lambda a: a["name"].lower()),
        "actions": actions,
    }


def describe_activity(identity, items, names):
    """{entry id: {resource: (label, href), details: [(key, label, href)]}}: names and links
    in place of raw ids. Only what the viewer may read is named or linked (a post's title,
    a private channel's name); the rest keeps a neutral word."""
    readable = {c.id: c for c in Channel.select().where(Channel.id.in_(readable_channel_ids(identity)))}
    post_ids = [i["resource_id"] for i in items if i.get("resource_type") == "post" and i.get("resource_id")]
    found = {p.id: p for p in Post.select(Post.id, Post.channel_id, Post.title, Post.content)
             .where(Post.id.in_(post_ids) & (Post.org_id == identity.org_id))} if post_ids else {}

    def channel(channel_id):
        c = readable.get(channel_id)
        if c is None:
            return ("a channel you cannot read", None)
        # A DM's name is made of ids; it is the viewer's own DM here (they can read it).
        return ("a direct message" if c.type == "dm" else f"#{c.name}", f"/c/{c.id}")

    def post(post_id):
        p = found.get(post_id)
        if p is None:
            return ("a deleted post", None)
        if p.channel_id not in readable:
            return ("a post", None)
        text = p.title or " ".join(p.content.split())
        return (text if len(text) <= 60 else text[:59] + "…", f"/c/{p.channel_id}#post-{p.id}")

    # Tasks and insights by title: a task only where the viewer may see it (no channel, or a
    # readable one), as GET /tasks; insights are the whole organization's.
    titles = {}
    for kind, model in (("task", Task), ("insight", Insight)):
        ids = [i["resource_id"] for i in items if i.get("resource_type") == kind and i.get("resource_id")]
        if ids:
            rows = model.select().where(model.id.in_(ids) & (model.org_id == identity.org_id))
            titles.update({(kind, row.id): row for row in rows})

    def titled(kind, rid):
        row = titles.get((kind, rid))
        if row is None:
            return (f"a deleted {kind}", None)
        if kind == "task":
            if row.channel_id and row.channel_id not in readable:
                return ("a task", None)
            return (row.title, f"/tasks#task-{row.id}")
        return (row.title, None)

    def resource(item):
        kind, rid = item.get("resource_type"), item.get("resource_id")
        if not rid:
            return (kind or "", None)
        if kind == "post":
            return post(rid)
        if kind == "channel":
            return channel(rid)
        if kind == "agent":
            return (names.get(rid) or (item.get("details") or {}).get("name") or "a removed agent", "/agents")
        if kind in ("task", "insight"):
            return titled(kind, rid)
        if kind == "organization" and rid == identity.org_id:
            return ("this organization", None)
        return (rid, None)

    def details(item):
        shown = []
        for key, value in (item.get("details") or {}).items():
            if key == "channel_id":
                shown.append(("channel", *channel(value)))
            elif key == "member_id":
                shown.append(("member", names.get(value, value), None))
            else:
                shown.append((key, ", ".join(map(str, value)) if isinstance(value, list) else value, None))
        return shown

    return {item["id"]: {"resource": resource(item), "detail_items": details(item)} for item in items}


def agents_page(identity):
    return {**sidebar(identity), "general_id": general_channel_id(identity)}


def tasks_page(identity):
    """The board's first screen: the sidebar, the tasks the caller can see (the newest 500;
    live events keep them current), and who a task can be assigned to."""
    from ..services.tasks import list_tasks

    items, pagination = list_tasks(identity, {"page": 1, "limit": 100})
    for page in range(2, 6):
        if not pagination["hasMore"]:
            break
        more, pagination = list_tasks(identity, {"page": page, "limit": 100})
        items += more
    people = User.select(User.id, User.name).where(User.org_id == identity.org_id).order_by(User.name)
    side = sidebar(identity)
    people = [{"id": u.id, "name": u.name} for u in people]
    names = {who["id"]: who["name"] for who in [*people, *side["agents"]]}
    return {**side, "tasks": items, "people": people, "names": names}
