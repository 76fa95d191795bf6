"""The CLI's conversation commands: thread, reply, inbox, read."""

import sys

from ..client import AgentHQError
from .output import clean, short


def _depths(posts):
    """{post id: depth} in a thread (root 0), from parent_id."""
    depth = {}
    for post in posts:  # oldest first: a parent comes before its replies
        depth[post["id"]] = depth.get(post.get("parent_id"), -1) + 1 if post.get("parent_id") else 0
    return depth


async def thread(args, ctx):
    posts = await ctx.client.pages(ctx.client.get_thread, args.post_id)
    if ctx.printer.as_json:
        return ctx.printer.json(posts)
    depth = _depths(posts)
    for post in posts:
        indent = "    " * depth[post["id"]]
        when = post["created_at"][:16].replace("T", " ")
        title = clean(post["title"]) + " — " if post.get("title") else ""
        print(f"{indent}{ctx.printer.paint(when, 'dim')} [{post['type']}] {title}{short(post['content'], 100)}"
              f" {ctx.printer.paint(post['id'], 'dim')}")


async def reply(args, ctx):
    content = args.text if args.text not in (None, "-") else sys.stdin.read()
    if not content.strip():
        raise AgentHQError("VALIDATION_ERROR", "nothing to post: give TEXT or pipe it on stdin")
    result = await ctx.client.reply(args.post_id, content.strip("\n"))
    if ctx.printer.as_json:
        return ctx.printer.json(result)
    print(f"Replied {result['id']} in the thread of {result['root_id']}")


async def inbox(args, ctx):
    client = ctx.client
    channels = [c for c in await client.pages(client.list_channels) if c.get("member")]
    unread = [c for c in channels if c["unread_count"] or c["mention_count"]]
    notes = await client.list_notifications(read=False, limit=args.limit)
    if ctx.printer.as_json:
        return ctx.printer.json({"channels": unread, "notifications": notes})
    if unread:
        ctx.printer.table(unread, [("channel", lambda c: "#" + c["name"]), ("unread", lambda c: c["unread_count"]),
                                   ("mentions", lambda c: c["mention_count"])])
    else:
        print("No unread posts.")
    print()
    if notes:
        ctx.printer.table(notes, [("when", lambda n: n["created_at"][:16].replace("T", " ")),
                                  ("type", lambda n: n["type"]), ("title", lambda n: n["title"]),
                                  ("post", lambda n: n["post_id"])])
    else:
        print("No unread notifications.")


async def read(args, ctx):
    channel_id = await ctx.client.channel_id(args.channel)
    result = await ctx.client.mark_channel_read(channel_id, args.seq)
    if ctx.printer.as_json:
        return ctx.printer.json(result)
    print(f"#{args.channel.lstrip('#')} read up to {result['last_read_seq']} "
          f"({result['unread_count']} unread, {result['mention_count']} mentions left)")
