"""The CLI's commands: each takes the parsed args and a Context, and prints its result."""

import getpass
import os
import sys

from ..client import AgentHQError, credentials
from .output import clean, short
from .tail import Names, tail


class Context:
    def __init__(self, client, printer, config_path, found):
        self.client, self.printer, self.config_path, self.found = client, printer, config_path, found

    def stored(self):
        return credentials.load(self.config_path)

    def store(self, data):
        credentials.save(self.config_path, data)

    def stored_for_this_hub(self):
        """The config file's contents if they belong to this hub; else a fresh start, so keys
        of one hub are never mixed with another's."""
        data = self.stored()
        return data if data.get("url", "").rstrip("/") == self.client.base_url else {"url": self.client.base_url}


async def login(args, ctx):
    client = ctx.client
    data = ctx.stored_for_this_hub()
    if not args.email and not client.api_key and sys.stdin.isatty():
        # A person at a terminal who typed just `agenthq login`: ask, as `git` or `gh` would.
        print(f"Sign in to {client.base_url} (an agent signs in with --api-key instead)")
        args.email = input("Email: ").strip()
    if args.email:
        result = await client.login(args.email, _password(args))
        data.update(token=client.token, refresh_token=client.refresh_token, email=result["user"]["email"])
        data.pop("api_key", None)
        who = result["user"]["email"]
    elif client.api_key:
        me = await client.me()  # proves the key works before it is saved
        data.update(api_key=client.api_key)
        for name in ("token", "refresh_token", "email"):
            data.pop(name, None)
        who = f"agent {me['agent']['name']}"
    else:
        raise AgentHQError("VALIDATION_ERROR", "login needs --email (a person) or --api-key (an agent)")
    ctx.store(data)
    if ctx.printer.as_json:
        ctx.printer.json({"url": client.base_url, "identity": who, "config": str(ctx.config_path)})
    else:
        print(f"Signed in to {client.base_url} as {clean(who)} (saved to {ctx.config_path})")


def _password(args):
    if args.password:
        return args.password
    if os.environ.get("AGENTHQ_PASSWORD"):
        return os.environ["AGENTHQ_PASSWORD"]
    if sys.stdin.isatty():
        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\n")


async def logout(args, ctx):
    data = ctx.stored()
    for name in ("token", "refresh_token", "api_key", "email"):
        data.pop(name, None)
    ctx.store(data)
    ctx.printer.note(f"Signed out (stored agent keys are kept in {ctx.config_path})")


async def whoami(args, ctx):
    me = await ctx.client.me()
    if ctx.printer.as_json:
        return ctx.printer.json(me)
    person = me.get("user") or me.get("agent") or {}
    print(f"{me['type']} {clean(person.get('email') or person.get('name'))} in {clean(me['org']['name'])} "
          f"({ctx.client.base_url})")


async def agent_register(args, ctx):
    result = await ctx.client.register_agent(args.name, args.description, args.capability or None)
    agent, key = result["agent"], result["apiKey"]
    saved = ""
    if ctx.found.get("from_file") or not ctx.stored():
        data = ctx.stored_for_this_hub()
        data.setdefault("agents", {})[agent["name"]] = {"id": agent["id"], "api_key": key}
        ctx.store(data)
        saved = f" (saved to {ctx.config_path}; use it with --agent {agent['name']})"
    if ctx.printer.as_json:
        return ctx.printer.json(result)
    print(f"Registered agent {clean(agent['name'])} ({agent['id']})")
    print(f"API key, shown once{saved}:")
    print(key)


async def post(args, ctx):
    content = args.text if args.text not in (None, "-") else sys.stdin.read()
    if not content.strip():
        raise AgentHQError("VALIDATION_ERROR", "nothing to post: give TEXT or pipe it on stdin")
    channel_id = await ctx.client.channel_id(args.channel)
    result = await ctx.client.create_post(channel_id, content.strip("\n"), type=args.type, title=args.title)
    if ctx.printer.as_json:
        return ctx.printer.json(result)
    print(f"Posted {result['id']} to #{args.channel.lstrip('#')}")


async def channels(args, ctx):
    items = await ctx.client.pages(ctx.client.list_channels)
    if ctx.printer.as_json:
        return ctx.printer.json(items)
    ctx.printer.table(items, [("name", lambda c: "#" + c["name"]), ("type", lambda c: c["type"]),
                              ("id", lambda c: c["id"]), ("description", lambda c: short(c["description"], 60))])


async def agents(args, ctx):
    items = await ctx.client.pages(ctx.client.list_agents)
    if ctx.printer.as_json:
        return ctx.printer.json(items)
    ctx.printer.table(items, [("name", lambda a: a["name"]), ("status", lambda a: a["status"]),
                              ("last heartbeat", lambda a: a["last_heartbeat"]),
                              ("capabilities", lambda a: ", ".join(a["capabilities"])), ("id", lambda a: a["id"])])


async def search(args, ctx):
    if args.types:
        return await _search_kinds(args, ctx)
    items = await ctx.client.search_posts(args.query, limit=args.limit)
    if ctx.printer.as_json:
        return ctx.printer.json(items)
    await _posts_table(items, ctx)


async def _posts_table(items, ctx):
    names = {c["id"]: c["name"] for c in await ctx.client.pages(ctx.client.list_channels)}
    ctx.printer.table(items, [("when", lambda p: p["created_at"][:16].replace("T", " ")),
                              ("channel", lambda p: "#" + names.get(p["channel_id"], "?")),
                              ("type", lambda p: p["type"]),
                              ("post", lambda p: short((p["title"] + ": " if p["title"] else "") + p["content"], 80))])


# How /search's other kinds print: (label, [(column, value)]).
_KIND_COLUMNS = {
    "agents": [("name", lambda a: a["name"]), ("status", lambda a: a["status"]),
               ("description", lambda a: short(a["description"] or "", 60))],
    "channels": [("channel", lambda c: "#" + c["name"]), ("description", lambda c: short(c["description"] or "", 60))],
    "insights": [("when", lambda i: i["created_at"][:16].replace("T", " ")), ("type", lambda i: i["type"]),
                 ("insight", lambda i: short(i["title"] + ": " + i["content"], 80))],
    "tasks": [("id", lambda t: t["id"]), ("status", lambda t: t["status"]), ("priority", lambda t: t["priority"]),
              ("task", lambda t: short(t["title"], 70))],
}


async def _search_kinds(args, ctx):
    found = await ctx.client.search(args.query, types=args.types, limit=args.limit)
    if ctx.printer.as_json:
        return ctx.printer.json(found)
    for kind in ("posts", "insights", "agents", "channels", "tasks"):
        if found.get(kind):
            print(f"{kind}:")
            if kind == "posts":
                await _posts_table(found[kind], ctx)
            else:
                ctx.printer.table(found[kind], _KIND_COLUMNS[kind])
    if not any(found.values()):
        ctx.printer.note("nothing found")


async def feed(args, ctx):
    items = await ctx.client.feed(since=args.since, until=args.until, types=args.types, actor_id=args.actor,
                                  limit=args.limit)
    if ctx.printer.as_json:
        return ctx.printer.json(items)
    ctx.printer.table(items, [("when", lambda i: i["timestamp"][:19].replace("T", " ")),
                              ("kind", lambda i: i["resource_type"]), ("what", lambda i: short(i["summary"], 90))])


async def insights(args, ctx):
    items = await ctx.client.list_insights(type=args.type, limit=args.limit)
    if ctx.printer.as_json:
        return ctx.printer.json(items)
    ctx.printer.table(items, [("when", lambda i: i["created_at"][:16].replace("T", " ")), ("type", lambda i: i["type"]),
                              ("confidence", lambda i: "" if i["confidence"] is None else f"{i['confidence']:.2f}"),
                              ("insight", lambda i: short(i["title"] + ": " + i["content"], 80))])


async def activity(args, ctx):
    items = await ctx.client.list_activity(action=args.action, limit=args.limit)
    if ctx.printer.as_json:
        return ctx.printer.json(items)
    client = ctx.client
    me = await client.me()
    names = Names(await client.pages(client.list_channels), await client.pages(client.list_agents),
                  me.get("user") or me.get("agent") or {})
    ctx.printer.table(items, [("when", lambda a: a["created_at"][:19].replace("T", " ")),
                              ("actor", lambda a: names.author({"author_id": a["actor_id"],
                                                                "author_type": a["actor_type"]})),
                              ("action", lambda a: a["action"]),
                              ("resource", lambda a: _resource(a, names))])


def _resource(entry, names):
    """'#general', 'agent atlas', 'post in #alerts': names where the CLI knows them (people
    other than oneself have no name in the API an agent may call; they keep a short id)."""
    kind, rid, details = entry.get("resource_type"), entry.get("resource_id"), entry.get("details") or {}
    if kind == "channel" and rid:
        return names.channel(rid) if rid in names.channels else "#" + str(details.get("name", rid))
    if kind == "agent" and rid:
        return "agent " + str(names.agents.get(rid) or details.get("name") or rid)
    if kind == "post" and rid:
        where = f" in {names.channel(details['channel_id'])}" if details.get("channel_id") else ""
        return f"post {rid[-6:]}{where}"
    if kind == "organization":
        return "the organization"
    return " ".join(filter(None, [kind, rid]))


async def tail_command(args, ctx):
    client = ctx.client
    channel_list = await client.pages(client.list_channels)
    if args.channel:
        channel_ids = [await client.channel_id(name) for name in args.channel]
    else:
        channel_ids = [c["id"] for c in channel_list]
    me = await client.me()
    names = Names(channel_list, await client.pages(client.list_agents), me.get("user") or me.get("agent") or {})
    await tail(client, ctx.printer, channel_ids, names)

