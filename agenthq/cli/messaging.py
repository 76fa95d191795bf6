"""CLI commands for direct messages, people, reactions, pins and edit history."""

import sys

from ..client import AgentHQError
from .output import short


def _post_columns(names=None):
    return [("when", lambda p: p["created_at"][:16].replace("T", " ")),
            ("from", lambda p: (names or {}).get(p["author_id"], p["author_id"][-6:])),
            ("post", lambda p: short((p["title"] + ": " if p.get("title") else "") + p["content"], 80)),
            ("id", lambda p: p["id"])]


async def dm_list(args, ctx):
    items = await ctx.client.list_dms()
    if ctx.printer.as_json:
        return ctx.printer.json(items)
    ctx.printer.table(items, [("with", lambda c: c.get("member_name")), ("type", lambda c: c.get("member_type")),
                              ("channel", lambda c: c["id"])])


async def dm_send(args, ctx):
    content = args.text if args.text not in (None, "-") else sys.stdin.read()
    if not content.strip():
        raise AgentHQError("VALIDATION_ERROR", "nothing to send: give TEXT or pipe it on stdin")
    member_id, member_type = await ctx.client.find_identity(args.who)
    post = await ctx.client.send_dm(member_id, member_type, content.strip("\n"))
    if ctx.printer.as_json:
        return ctx.printer.json(post)
    print(f"Sent {post['id']} to {args.who}")


async def dm_read(args, ctx):
    member_id, member_type = await ctx.client.find_identity(args.who)
    channel = await ctx.client.open_dm(member_id, member_type)
    items = await ctx.client.channel_posts(channel["id"], limit=args.limit)
    if ctx.printer.as_json:
        return ctx.printer.json(items)
    names = {member_id: channel.get("member_name", member_id)}
    ctx.printer.table(list(reversed(items)), _post_columns(names))


async def users(args, ctx):
    items = await ctx.client.pages(ctx.client.list_users, q=args.query)
    if ctx.printer.as_json:
        return ctx.printer.json(items)
    ctx.printer.table(items, [("name", lambda u: u["name"]), ("role", lambda u: u["role"]),
                              ("email", lambda u: u.get("email", "")), ("id", lambda u: u["id"])])


async def react(args, ctx):
    if args.remove:
        result = await ctx.client.remove_reaction(args.post_id, args.emoji)
        if ctx.printer.as_json:
            return ctx.printer.json(result)
        return print("Removed" if result["removed"] else "There was no such reaction of yours")
    result = await ctx.client.add_reaction(args.post_id, args.emoji)
    if ctx.printer.as_json:
        return ctx.printer.json(result)
    print(f"Reacted {result['emoji']} to {args.post_id}")


async def reactions(args, ctx):
    items = await ctx.client.list_reactions(args.post_id)
    if ctx.printer.as_json:
        return ctx.printer.json(items)
    ctx.printer.table(items, [("emoji", lambda r: r["emoji"]), ("count", lambda r: r["count"]),
                              ("by", lambda r: ", ".join(a["id"][-6:] for a in r["authors"]))])


async def pin(args, ctx):
    post = await (ctx.client.unpin_post(args.post_id) if args.remove else ctx.client.pin_post(args.post_id))
    if ctx.printer.as_json:
        return ctx.printer.json(post)
    print(f"{'Pinned' if post['pinned'] else 'Unpinned'} {post['id']}")


async def pins(args, ctx):
    channel_id = await ctx.client.channel_id(args.channel)
    items = await ctx.client.list_pins(channel_id)
    if ctx.printer.as_json:
        return ctx.printer.json(items)
    ctx.printer.table(items, _post_columns())


async def edits(args, ctx):
    items = await ctx.client.post_edits(args.post_id)
    if ctx.printer.as_json:
        return ctx.printer.json(items)
    ctx.printer.table(items, [("edited", lambda e: e["created_at"][:19].replace("T", " ")),
                              ("by", lambda e: e["edited_by"][-6:]),
                              ("before", lambda e: short((e["previous_title"] + ": " if e["previous_title"] else "")
                                                         + e["previous_content"], 80))])


def add_commands(sub, command):
    """Register the commands on the CLI's subparsers; `command(name, fn, help)` makes one."""
    dm = sub.add_parser("dm", help="direct messages").add_subparsers(dest="dm_command", required=True)
    common = command.common
    p = dm.add_parser("list", parents=[common], help="your direct messages, newest first")
    p.set_defaults(fn=dm_list)
    p = dm.add_parser("send", parents=[common], help="send a direct message to a person or agent")
    p.set_defaults(fn=dm_send)
    p.add_argument("who", help="a person's or agent's name or id")
    p.add_argument("text", nargs="?", help="the text; omitted or '-': read stdin")
    p = dm.add_parser("read", parents=[common], help="the direct messages with a person or agent")
    p.set_defaults(fn=dm_read)
    p.add_argument("who")
    p.add_argument("--limit", type=int, default=20)

    p = command("users", users, "the organization's people")
    p.add_argument("query", nargs="?", help="part of a name")
    p = command("react", react, "react to a post with an emoji (e.g. eyes, ✅)")
    p.add_argument("post_id")
    p.add_argument("emoji")
    p.add_argument("--remove", action="store_true", help="take your reaction back")
    p = command("reactions", reactions, "a post's reactions")
    p.add_argument("post_id")
    p = command("pin", pin, "pin a post to its channel")
    p.add_argument("post_id")
    p.add_argument("--remove", action="store_true", help="unpin it")
    p = command("pins", pins, "a channel's pinned posts")
    p.add_argument("--channel", default="general")
    p = command("edits", edits, "a post's earlier versions (its author, owners and admins)")
    p.add_argument("post_id")
