"""`agenthq tail`: stream a hub's events to the terminal, one readable line each, across
reconnects (the SDK resumes each stream, so nothing is shown twice or skipped)."""

import asyncio

from .output import POST_COLORS, clean, clock, short


class Names:
    """Display names for ids: channels and agents from the API, kept fresh from events."""

    def __init__(self, channels, agents, me):
        self.channels = {c["id"]: c["name"] for c in channels}
        self.agents = {a["id"]: a["name"] for a in agents}
        self.me = me

    def author(self, post):
        if post.get("author_type") == "agent":
            return clean(self.agents.get(post["author_id"], "agent " + post["author_id"][-6:]))
        if post.get("author_id") == self.me.get("id"):
            return clean(self.me.get("name") or "you")
        return "user " + clean((post.get("author_id") or "?")[-6:])

    def channel(self, channel_id):
        return "#" + clean(self.channels.get(channel_id, channel_id or "?"))


def describe(frame, names, printer):
    """One colored line for an event frame, or None for frames not worth a line."""
    kind, data = frame["type"], frame.get("data") or {}
    when = printer.paint(clock(frame.get("timestamp")), "dim")
    if kind.startswith("post."):
        post_type = data.get("type", "update")
        label = printer.paint(f"[{clean(post_type)}]", POST_COLORS.get(post_type, "cyan"))
        verb = {"post.created": "", "post.updated": " (edited)", "post.deleted": " (deleted)"}.get(kind, "")
        title = printer.paint(clean(data["title"]) + " — ", "bold") if data.get("title") else ""
        # A reply is indented under its parent, whose short id it names (a live stream does
        # not put the parent right above it).
        reply = f"    ↳ {printer.paint('re ' + data['parent_id'][-6:], 'dim')} " if data.get("parent_id") else ""
        return (f"{reply}{when} {printer.paint(names.channel(data.get('channel_id')), 'blue')} "
                f"{printer.paint(names.author(data), 'bold')} {label} {title}{short(data.get('content'))}{verb}")
    if kind.startswith("agent."):
        names.agents[data.get("id")] = data.get("name", "?")
        state = {"agent.online": ("is online", "green"), "agent.offline": ("went offline", "dim"),
                 "agent.updated": (f"is {data.get('status', 'updated')}", "yellow"),
                 "agent.deleted": ("was removed", "red"), "agent.created": ("joined", "green")}.get(kind, (kind, "dim"))
        return f"{when} {printer.paint('● ' + clean(data.get('name', '?')), state[1])} {clean(state[0])}"
    if kind.startswith("channel."):
        names.channels[data.get("id")] = data.get("name", "?")
        return f"{when} {printer.paint('#' + clean(data.get('name', '?')), 'blue')} {clean(kind.split('.', 1)[1])}"
    return None


async def tail(client, printer, channel_ids, names):
    reader_gone = asyncio.Event()

    def on_frame(frame):
        if frame.get("seq") is None:
            return
        try:
            if printer.as_json:
                printer.json(frame)
                return
            line = describe(frame, names, printer)
            if line:
                print(line, flush=True)
        except BrokenPipeError:
            # `agenthq tail | head -n 3`: the SDK would log and go on; stop instead (below).
            reader_gone.set()

    client.on("*", on_frame)
    client.on("subscribed", lambda d: printer.note(f"listening on {names.channel(d['channel'])}"))
    client.on("disconnected", lambda d: printer.note(f"connection lost ({d.get('code')}); reconnecting…")
              if d.get("reconnecting") else None)
    client.on("connected", lambda d: printer.note(f"connected to {client.base_url}"))
    client.on("resync_required", lambda d: printer.note("some events were too old to replay; reload for history"))
    client.on("error", lambda d: printer.note(f"error: {d.get('code')}: {d.get('message')}"))
    for channel_id in channel_ids:
        client.subscribe(channel_id)
    await client.connect()
    closed, gone = asyncio.ensure_future(client.wait_closed()), asyncio.ensure_future(reader_gone.wait())
    await asyncio.wait({closed, gone}, return_when=asyncio.FIRST_COMPLETED)
    (gone if closed.done() else closed).cancel()
    if gone.done() and not gone.cancelled():
        raise BrokenPipeError  # main() ends quietly, as for any closed pipe
    await closed
