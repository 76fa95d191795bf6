"""The tools for work and attention: tasks with leases, hub_wait (the live socket, resumed),
hub_inbox ("what did I miss"), and hub_connect (join a hub with an invite URL)."""

import asyncio
from typing import Annotated, Literal

from pydantic import Field

from mcp.server.mcpserver import Context

from ..client import AgentHQError
from .shapes import clamp, fail, hub_errors, to_json
from .waiter import waiting_for_their_post

Priority = Literal["low", "medium", "high", "urgent"]
Status = Literal["open", "in_progress", "completed", "cancelled"]
_TASK_KEYS = ("id", "title", "description", "status", "priority", "assigned_to", "assigned_type", "channel_id",
              "due_date", "claimed_at", "lease_expires_at", "claim_count", "created_by", "created_at", "completed_at")
INBOX_PAGES = 10  # pages of 100 read per channel to find its oldest unread posts


def task_shape(task):
    return None if task is None else {k: task.get(k) for k in _TASK_KEYS}


def _tool_decorator(server):
    def tool(description):
        def decorate(fn):
            server.add_tool(hub_errors(fn), name=fn.__name__, description=description, structured_output=False)
            return fn
        return decorate
    return tool


def register_connect(server, sessions):
    """hub_connect alone: what a server without credentials offers."""
    tool = _tool_decorator(server)

    @tool("Join a hub with an agent invite URL (https://HOST/invite/AHQ-...): registers you as agent_name, "
          "saves the key as a CLI profile on this machine and switches to it; the hub's tools then appear. "
          "The key itself is never shown.")
    async def hub_connect(ctx: Context,
                          invite_url: Annotated[str, Field(description="The invite URL you were given.")],
                          agent_name: Annotated[str, Field(description="Your name at the hub (1..100).")]) -> str:
        return to_json(await sessions.connect(ctx, invite_url, agent_name), fixed=True)


def register(server, sessions):
    tool = _tool_decorator(server)

    @tool("Create a task for the team (or for one agent or person with assigned_to). Unassigned tasks are "
          "claimable: a worker takes one with hub_task_claim. Returns the task.")
    async def hub_task_create(ctx: Context,
                              title: Annotated[str, Field(description="What to do (1..300).")],
                              description: Annotated[str | None, Field(description="Details.")] = None,
                              assigned_to: Annotated[str | None, Field(description="An agent's or person's id "
                                                                       "(or me).")] = None,
                              assigned_type: Annotated[Literal["agent", "user"] | None,
                                                       Field(description="Taken from the id if left out.")] = None,
                              priority: Annotated[Priority | None, Field(description="Default medium.")] = None,
                              due_date: Annotated[str | None, Field(description="ISO date or timestamp.")] = None,
                              channel_id: Annotated[str | None, Field(description="A channel (name or id) it "
                                                                      "belongs to.")] = None) -> str:
        hub = await sessions.get(ctx)
        if assigned_to == "me":
            assigned_to = hub.me["id"]
        channel = await hub.channel_id(channel_id) if channel_id else None
        task = await hub.client.create_task(title, description, priority=priority, assigned_to=assigned_to,
                                            assigned_type=assigned_type, channel=channel, due_date=due_date)
        return to_json(task_shape(task))

    @tool("List tasks, newest first: yours (assigned_to=me), the claimable pool (claimable=true), or by "
          "status and priority.")
    async def hub_tasks(ctx: Context,
                        status: Annotated[Status | None, Field(description="Only this status.")] = None,
                        priority: Annotated[Priority | None, Field(description="Only this priority.")] = None,
                        assigned_to: Annotated[str | None, Field(description="An id, me, or none.")] = None,
                        claimable: Annotated[bool | None, Field(description="Only open, unassigned tasks.")]
                        = None,
                        limit: Annotated[int | None, Field(description="1..100 (20).")] = None) -> str:
        hub = await sessions.get(ctx)
        tasks = await hub.client.list_tasks(status=status, priority=priority, assigned_to=assigned_to,
                                            claimable=claimable, limit=clamp(limit, 1, 100, 20))
        return to_json([task_shape(t) for t in tasks])

    @tool("Claim a task to work on it, with a lease (renew it with hub_task_update lease=renew while you "
          "work; it returns to the pool if it lapses). Without task_id, claims the next claimable task "
          "(highest priority first); returns null when there is none. Of racing claims exactly one wins; "
          "the others get TASK_CLAIMED.")
    async def hub_task_claim(ctx: Context,
                             task_id: Annotated[str | None, Field(description="The task; none: the next "
                                                                  "claimable one.")] = None,
                             lease_seconds: Annotated[int | None, Field(description="10..86400 (300).")] = None,
                             channel: Annotated[str | None, Field(description="Without task_id: only tasks "
                                                                  "of this channel.")] = None) -> str:
        hub = await sessions.get(ctx)
        lease = clamp(lease_seconds, 10, 86400, None) if lease_seconds is not None else None
        if task_id:
            task = await hub.client.claim_task(task_id, lease)
        else:
            channel_id = await hub.channel_id(channel) if channel else None
            task = await hub.client.claim_next_task(channel=channel_id, lease_seconds=lease)
        return to_json(task_shape(task))

    @tool("Update a task: set status (completed when done, open to give it back), priority, assignee, "
          "description or due date; lease=renew extends your claim, lease=release returns it to the pool. "
          "Returns the task.")
    async def hub_task_update(ctx: Context,
                              task_id: Annotated[str, Field(description="The task.")],
                              status: Annotated[Status | None, Field(description="New status.")] = None,
                              priority: Annotated[Priority | None, Field(description="New priority.")] = None,
                              assigned_to: Annotated[str | None, Field(description="An id, me, or none to "
                                                                       "unassign.")] = None,
                              description: Annotated[str | None, Field(description="New description.")] = None,
                              due_date: Annotated[str | None, Field(description="ISO date, or none to "
                                                                    "clear.")] = None,
                              lease: Annotated[Literal["renew", "release"] | None,
                                               Field(description="Renew or release your claim.")] = None,
                              lease_seconds: Annotated[int | None, Field(description="For renew: 10..86400 "
                                                                         "(300).")] = None) -> str:
        hub = await sessions.get(ctx)
        task = None
        if lease == "renew":
            task = await hub.client.renew_task(task_id, clamp(lease_seconds, 10, 86400, 300))
        elif lease == "release":
            task = await hub.client.release_task(task_id)
        fields = {"status": status, "priority": priority, "description": description}
        fields = {k: v for k, v in fields.items() if v is not None}
        if assigned_to is not None:
            fields["assigned_to"] = {"none": None, "me": hub.me["id"]}.get(assigned_to, assigned_to)
        if due_date is not None:
            fields["due_date"] = None if due_date == "none" else due_date
        if fields:
            task = await hub.client.update_task(task_id, **fields)
        if task is None:
            task = await hub.client.get_task(task_id)
        return to_json(task_shape(task))

    @tool("Wait for what happens next, instead of polling: new posts in your channels (not yours), your "
          "notifications (mentions, replies, DMs) and tasks assigned to you or claimable. Returns at once "
          "when something is pending, else at the first arrival or the timeout (timed_out: true). Nothing is "
          "lost between calls: the next call returns what came meanwhile. missed: true means more than "
          "1,000 items piled up and the oldest were dropped (use hub_inbox). Returns {items, seq, timed_out, "
          "missed}, at most 50 items, oldest first.")
    async def hub_wait(ctx: Context,
                       timeout_seconds: Annotated[float | None, Field(description="0..300 (30).")] = None,
                       channel: Annotated[str | None, Field(description="Only this channel's items (others "
                                                            "stay for later calls).")] = None,
                       addressed_only: Annotated[bool, Field(description="Only notifications to you and "
                                                             "your tasks.")] = False) -> str:
        hub = await sessions.get(ctx)
        timeout = max(0.0, min(300.0, 30.0 if timeout_seconds is None else float(timeout_seconds)))
        channel_id = None
        if channel:  # asked of the hub: an unreadable channel is NOT_FOUND, never an empty wait
            channel_id = (await hub.client.get_channel(await hub.channel_id(channel)))["id"]
        if hub.socket_error:
            raise fail(hub.socket_error.code, f"the live connection to the hub ended: {hub.socket_error.message}")
        answer = await hub.buffer.wait(timeout, channel_id, addressed_only)
        for item in waiting_for_their_post(answer["items"]):
            try:
                item["post"] = hub.shape_post(await hub.client.get_post(item["notification"]["post_id"]))
            except AgentHQError:
                pass  # deleted or no longer readable meanwhile: the notification alone
        for item in answer["items"]:
            if item.get("task"):
                item["task"] = task_shape(item["task"])
        return to_json(answer, fixed=True)

    @tool("What did I miss since last time: for each channel you are in with unread posts, its oldest "
          "unread posts (per_channel of them); your unread notifications; your open and in-progress tasks. "
          "mark_read=true then marks each listed channel read up to the newest post returned. Use it when "
          "you start, then hub_wait to follow along.")
    async def hub_inbox(ctx: Context,
                        mark_read: Annotated[bool, Field(description="Move your read pointers past what "
                                                         "is returned.")] = False,
                        per_channel: Annotated[int | None, Field(description="Posts per channel, 1..100 "
                                                                 "(10).")] = None) -> str:
        hub = await sessions.get(ctx)
        return to_json(await inbox(hub, mark_read, clamp(per_channel, 1, 100, 10)), fixed=True)

async def inbox(hub, mark_read=False, per_channel=10):
    """{channels: [{id, name, unread_count, mention_count, posts}], notifications, tasks}."""
    channels = [c for c in await hub.refresh_channels() if c.get("member") and c.get("unread_count")]
    listed = await asyncio.gather(*(_unread_posts(hub, c, per_channel) for c in channels))
    out = []
    for channel, posts in zip(channels, listed):
        out.append({"id": channel["id"], "name": channel["name"], "unread_count": channel["unread_count"],
                    "mention_count": channel.get("mention_count", 0), "posts": [hub.shape_post(p) for p in posts]})
        if mark_read and posts:
            await hub.client.mark_channel_read(channel["id"], posts[-1]["seq"])
    notes = await hub.client.list_notifications(read=False, limit=50)
    mine = []
    for status in ("in_progress", "open"):
        mine += await hub.client.list_tasks(status=status, assigned_to="me", limit=100)
    return {"channels": out, "notifications": notes, "tasks": [task_shape(t) for t in mine]}


async def _unread_posts(hub, channel, per_channel):
    """The channel's oldest unread top-level posts by others: newest-first pages read back to
    the read pointer (at most INBOX_PAGES of them), then the oldest per_channel."""
    pointer = channel.get("last_read_seq") or 0
    unread = []
    for page in range(1, INBOX_PAGES + 1):
        posts = await hub.client.channel_posts(channel["id"], page=page, limit=100, pinned_first=False)
        newer = [p for p in posts if (p.get("seq") or 0) > pointer]
        unread += [p for p in newer if p["author_id"] != hub.me["id"]]
        if len(newer) < len(posts) or len(posts) < 100:
            break
    return sorted(unread, key=lambda p: p["seq"])[:per_channel]
