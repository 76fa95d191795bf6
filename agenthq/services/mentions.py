"""Mentions (§8.1): who a post's content names, kept per (post, recipient), recomputed on
edit, and the mention lists."""

import re

from ..events import is_private
from peewee import fn

from ..bulk import insert_rows, select_tuples
from ..models import Agent, ChannelMember, Mention, Post, User, new_ids, public_post
from ..clock import now_iso
from . import reactions
from .common import access_agent, readable_channel_ids

# Fenced blocks (to their closing fence, or the end when unclosed), then `code` spans.
CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]*`", re.S)
# An @ at the start or after anything but a letter, digit or _: so an e-mail address is none.
MENTION = re.compile(r'(?<![A-Za-z0-9_])@(?:"([^"\n]+)"|([A-Za-z0-9_-]+))')
RANK = {"direct": 0, "channel": 1, "here": 2}  # one mention per recipient: the strongest kind


def parse(content):
    """(names, ids, everyone, here): lower-cased names and raw words that may be ids, and
    whether bare @channel and @here appear, outside code."""
    text = CODE.sub(" ", content or "")
    names, words, everyone, here = set(), set(), False, False
    for quoted, word in MENTION.findall(text):
        if quoted:
            names.add(quoted.strip().lower())
        elif word.lower() == "channel":
            everyone = True
        elif word.lower() == "here":
            here = True
        else:
            names.add(word.lower())
            words.add(word)
    return names, words, everyone, here


def resolve(content, channel, author_id, online_users=frozenset()):
    """{identity id: (type, kind)} of those content mentions who can read channel (a
    Channel), never its author. online_users: ids of people with an open /ws now (@here)."""
    names, words, everyone, here = parse(content)
    found = {}

    def add(identity_id, kind_of, kind):
        if identity_id != author_id and (identity_id not in found or RANK[kind] < RANK[found[identity_id][1]]):
            found[identity_id] = (kind_of, kind)

    if names or words:
        for model, kind_of in ((Agent, "agent"), (User, "user")):
            rows = model.select(model.id).where(
                (model.org_id == channel.org_id) & (fn.LOWER(model.name).in_(list(names)) | model.id.in_(list(words)))
            ).tuples()
            for (identity_id,) in rows:
                add(identity_id, kind_of, "direct")
    if everyone or here:
        members = select_tuples(ChannelMember, ("member_id", "member_type"), channel_id=channel.id)
        if everyone:
            for member_id, member_type in members:
                add(member_id, member_type, "channel")
        if here:
            agent_ids = [m for m, t in members if t == "agent"]
            awake = set(Agent.select(Agent.id).where(
                Agent.id.in_(agent_ids) & Agent.status.in_(("online", "busy"))).tuples()) if agent_ids else set()
            awake = {row[0] for row in awake}
            for member_id, member_type in members:
                if member_id in awake or (member_type == "user" and member_id in online_users):
                    add(member_id, member_type, "here")
    if is_private(channel.type) and found:
        readers = {row[0] for row in ChannelMember.select(ChannelMember.member_id).where(
            (ChannelMember.channel_id == channel.id) & ChannelMember.member_id.in_(list(found))).tuples()}
        found = {key: value for key, value in found.items() if key in readers}
    return found


def store(post, found, at=None):
    """Insert the mentions of a post. A new post's mentions are made when it is (its
    created_at), so `since` reads them as the post's; an edit's, now."""
    stamp = at or post["created_at"]
    shared = (post["org_id"], post["id"], post["channel_id"])
    insert_rows(Mention, Mention.FIELDS, [
        (mention_id, *shared, who, kind_of, kind, stamp)
        for mention_id, (who, (kind_of, kind)) in zip(new_ids(len(found)), found.items())])


def recompute(post, found):
    """After an edit: drop the mentions of those no longer named, add the new ones; the
    {id: (type, kind)} of the added."""
    existing = {row[0] for row in Mention.select(Mention.mentioned_id).where(Mention.post_id == post["id"]).tuples()}
    dropped = existing - set(found)
    if dropped:
        Mention.delete().where((Mention.post_id == post["id"]) & Mention.mentioned_id.in_(list(dropped))).execute()
    added = {who: value for who, value in found.items() if who not in existing}
    store(post, added, now_iso())
    return added


def _listing(identity, mentioned_id, query):
    """Mentions of mentioned_id in channels the caller can read, newest first, each with its
    post and read (post seq at or below the mentioned identity's pointer; no pointer: 0)."""
    pointer = fn.COALESCE(ChannelMember.select(ChannelMember.last_read_seq).where(
        (ChannelMember.channel_id == Mention.channel_id) & (ChannelMember.member_id == mentioned_id)), 0)
    rows = (Mention.select(Mention, Post.seq.alias("post_seq"), pointer.alias("pointer"))
            .join(Post, on=(Post.id == Mention.post_id))
            .where((Mention.mentioned_id == mentioned_id) & Mention.channel_id.in_(readable_channel_ids(identity))))
    if query.get("since"):
        rows = rows.where(Mention.created_at > query["since"])
    if query.get("unread") == "true":
        rows = rows.where(fn.COALESCE(Post.seq, 0) > pointer)
    total = rows.count()
    page, limit = query["page"], query["limit"]
    found = list(rows.order_by(Mention.id.desc()).paginate(page, limit).dicts())
    posts = {row["id"]: public_post({name: row[name] for name in Post.FIELDS}) for row in
             Post.select().where(Post.id.in_([row["post_id"] for row in found])).dicts()} if found else {}
    reactions.attach(list(posts.values()))
    items = [{**{name: row[name] for name in Mention.FIELDS}, "post": posts.get(row["post_id"]),
              "read": (row["post_seq"] or 0) <= (row["pointer"] or 0)} for row in found]
    return items, {"page": page, "limit": limit, "total": total, "hasMore": page * limit < total}


def agent_mentions(identity, agent_id, query):
    return _listing(identity, access_agent(identity, agent_id).id, query)


def own_mentions(identity, query):
    return _listing(identity, identity.id, query)

