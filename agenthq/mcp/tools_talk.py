"""The tools for talking and looking around: post, collaborate, thread, react, DM, search,
feed, activity, agents, channels, heartbeat, notifications, mark read."""

from typing import Annotated, Any, Literal

from pydantic import Field

from mcp.server.mcpserver import Context

from .shapes import clamp, fail, hub_errors, to_json

PostType = Literal["update", "insight", "question", "answer", "alert", "metric"]
CHANNEL = "Channel name (e.g. general or #general) or id."


def register(server, sessions):
    def tool(description):
        def decorate(fn):
            server.add_tool(hub_errors(fn), name=fn.__name__, description=description, structured_output=False)
            return fn
        return decorate

    @tool("Post a message to a channel for the other agents and people. Use for updates, findings, alerts "
          "and metrics; to ask for help use hub_collaborate, to answer a post give parent_id (the reply goes "
          "to that post's thread and channel). Returns the post.")
    async def hub_post(ctx: Context,
                       channel_id: Annotated[str, Field(description=CHANNEL)],
                       content: Annotated[str, Field(description="The text, Markdown, 1..20000 characters. "
                                                     "@name mentions notify that agent or person.")],
                       type: Annotated[PostType, Field(description="What kind of post this is.")] = "update",
                       title: Annotated[str | None, Field(description="Optional short title (<= 300).")] = None,
                       metadata: Annotated[dict[str, Any] | None, Field(description="Optional JSON object "
                                                                        "(e.g. metric values).")] = None,
                       parent_id: Annotated[str | None, Field(description="Reply to this post id instead "
                                                              "(in its thread).")] = None) -> str:
        hub = await sessions.get(ctx)
        channel = None if parent_id else await hub.channel_id(channel_id)
        post = await hub.client.create_post(channel, content, type=type, title=title, metadata=metadata,
                                            parent_id=parent_id)
        hub.follow(post["channel_id"])
        return to_json(hub.shape_post(post))

    @tool("Ask the other agents a question (action=ask: a question post in the channel) or answer one "
          "(action=answer with parent_id: the answer lands in the question's thread). Wait for answers "
          "with hub_wait. Returns the post.")
    async def hub_collaborate(ctx: Context,
                              action: Annotated[Literal["ask", "answer"], Field(description="ask or answer.")],
                              content: Annotated[str, Field(description="The question or the answer.")],
                              parent_id: Annotated[str | None, Field(description="For answer: the question's "
                                                                     "post id.")] = None,
                              channel: Annotated[str | None, Field(description="For ask: where to ask "
                                                                   "(default: the server's channel, "
                                                                   "usually general).")] = None) -> str:
        hub = await sessions.get(ctx)
        if action == "answer":
            if not parent_id:
                raise fail("VALIDATION_ERROR", "parent_id is required to answer (the question's post id)")
            post = await hub.client.create_post(None, content, type="answer", parent_id=parent_id)
        else:
            channel_id = await hub.channel_id(channel or hub.default_channel)
            post = await hub.client.create_post(channel_id, content, type="question")
        hub.follow(post["channel_id"])
        return to_json(hub.shape_post(post))

    @tool("Read a whole conversation: the thread of any of its posts (root first, then every reply, oldest "
          "first). Use it before answering a question or after hub_wait shows a reply.")
    async def hub_thread(ctx: Context,
                         post_id: Annotated[str, Field(description="Any post of the thread.")],
                         limit: Annotated[int | None, Field(description="Replies at most (1..100, "
                                                            "default 50).")] = None) -> str:
        hub = await sessions.get(ctx)
        posts = await hub.client.get_thread(post_id, limit=clamp(limit, 1, 99, 50) + 1)
        shaped = [hub.shape_post(p) for p in posts]
        return to_json({"root": shaped[0] if shaped else None, "replies": shaped[1:]}, fixed=True)

    @tool("React to a post with an emoji (e.g. eyes, +1, white_check_mark): a light acknowledgement that "
          "you saw or agree, without a post. Returns the reaction.")
    async def hub_react(ctx: Context, post_id: Annotated[str, Field(description="The post.")],
                        emoji: Annotated[str, Field(description="An emoji name or character; :colons: "
                                                    "optional.")]) -> str:
        hub = await sessions.get(ctx)
        return to_json(await hub.client.add_reaction(post_id, emoji))

    @tool("Send a direct message to one agent or person (by id or exact name), privately. Without content "
          "it only opens the DM channel. Returns {channel, post}.")
    async def hub_dm(ctx: Context,
                     member: Annotated[str, Field(description="The agent's or person's id or exact name.")],
                     content: Annotated[str | None, Field(description="The message.")] = None) -> str:
        hub = await sessions.get(ctx)
        found = await hub.client.find_identities(member)
        if not found:
            raise fail("NOT_FOUND", f"no agent or person named {member!r}")
        if len(found) > 1:
            ids = ", ".join(f"{i} ({kind})" for i, kind in found)
            raise fail("VALIDATION_ERROR", f"{member!r} names several identities: {ids}; give one id")
        channel = await hub.client.open_dm(*found[0])
        hub.channels[channel["id"]] = channel
        hub.follow(channel["id"])
        post = await hub.client.create_post(channel["id"], content) if content else None
        return to_json({"channel": channel, "post": hub.shape_post(post) if post else None}, fixed=True)

    @tool("Search the hub: posts, insights, agents, channels and tasks. q takes words and operators "
          "from:NAME in:CHANNEL type:TYPE before:DATE after:DATE has:reply has:reaction is:pinned is:reply.")
    async def hub_search(ctx: Context,
                         q: Annotated[str, Field(description="Words and operators, e.g. 'deploy from:scout "
                                                 "in:alerts after:2026-11-01'.")],
                         types: Annotated[list[Literal["posts", "agents", "channels", "tasks", "insights"]] | None,
                                          Field(description="Kinds to search (default all).")] = None,
                         limit: Annotated[int | None, Field(description="Per kind, 1..100 (20).")] = None) -> str:
        hub = await sessions.get(ctx)
        data = await hub.client.search(q, types=types, limit=clamp(limit, 1, 100, 20))
        data["posts"] = [hub.shape_post(p) for p in data.get("posts", [])]
        return to_json(data)

    @tool("What happened recently, as one timeline (posts, activity, insights), newest first. Use to catch "
          "up on the hub as a whole; for what concerns you use hub_inbox.")
    async def hub_feed(ctx: Context,
                       since: Annotated[str | None, Field(description="ISO 8601 (default 24 h ago).")] = None,
                       until: Annotated[str | None, Field(description="ISO 8601 (default now).")] = None,
                       types: Annotated[list[Literal["posts", "activity", "insights"]] | None,
                                        Field(description="Kinds (default all).")] = None,
                       actor_id: Annotated[str | None, Field(description="Only this identity (id or me).")] = None,
                       limit: Annotated[int | None, Field(description="1..100 (50).")] = None) -> str:
        hub = await sessions.get(ctx)
        items = await hub.client.feed(since=since, until=until, types=types, actor_id=actor_id,
                                      limit=clamp(limit, 1, 100, 50))
        return to_json(items)

    @tool("Record something you did in the org's activity log (append-only), e.g. action 'deploy.finished'. "
          "Returns the entry.")
    async def hub_activity(ctx: Context,
                           action: Annotated[str, Field(description="What happened, e.g. report.generated.")],
                           resource_type: Annotated[str | None, Field(description="What it concerns.")] = None,
                           resource_id: Annotated[str | None, Field(description="Its id.")] = None,
                           details: Annotated[dict[str, Any] | None, Field(description="JSON details.")] = None
                           ) -> str:
        hub = await sessions.get(ctx)
        return to_json(await hub.client.log_activity(action, resource_type, resource_id, details))

    @tool("Read the activity log, newest first, filtered by actor, action or time.")
    async def hub_activity_query(ctx: Context,
                                 actor_id: Annotated[str | None, Field(description="An identity id or me.")] = None,
                                 action: Annotated[str | None, Field(description="Exact action.")] = None,
                                 from_: Annotated[str | None, Field(alias="from", description="ISO 8601 start.")]
                                 = None,
                                 to: Annotated[str | None, Field(description="ISO 8601 end.")] = None,
                                 limit: Annotated[int | None, Field(description="1..100 (20).")] = None) -> str:
        hub = await sessions.get(ctx)
        return to_json(await hub.client.list_activity(actor_id, action, from_, to, limit=clamp(limit, 1, 100, 20)))

    @tool("List the org's agents with their status and capabilities.")
    async def hub_agents(ctx: Context,
                         limit: Annotated[int | None, Field(description="1..100 (50).")] = None,
                         capabilities: Annotated[list[str] | None, Field(description="Only agents with all "
                                                                         "of these.")] = None,
                         status: Annotated[Literal["online", "offline", "busy"] | None,
                                           Field(description="Only this status.")] = None) -> str:
        hub = await sessions.get(ctx)
        limit = clamp(limit, 1, 100, 50)
        if capabilities or status:
            agents = await hub.client.search_agents(capabilities=capabilities, status=status, limit=limit)
        else:
            agents = await hub.client.list_agents(limit=limit)
        return to_json([_agent(a) for a in agents])

    @tool("Find agents who can help: by words in their name or description, capabilities, and status "
          "(default online). Use before asking or assigning work to someone.")
    async def hub_find_agents(ctx: Context,
                              query: Annotated[str | None, Field(description="Words to match.")] = None,
                              capabilities: Annotated[list[str] | None, Field(description="Required "
                                                                              "capabilities.")] = None,
                              status: Annotated[Literal["online", "offline", "busy", "any"],
                                                Field(description="Status (default online).")] = "online",
                              limit: Annotated[int | None, Field(description="1..100 (20).")] = None) -> str:
        hub = await sessions.get(ctx)
        agents = await hub.client.search_agents(q=query, capabilities=capabilities,
                                                status=None if status == "any" else status,
                                                limit=clamp(limit, 1, 100, 20))
        return to_json([_agent(a) for a in agents])

    @tool("List the channels you can read, with your read state (member, unread_count, mention_count).")
    async def hub_channels(ctx: Context) -> str:
        hub = await sessions.get(ctx)
        listed = await hub.refresh_channels()
        keep = ("id", "name", "type", "description", "member", "unread_count", "mention_count", "last_read_seq",
                "member_name")
        return to_json([{k: c.get(k) for k in keep} for c in listed])

    @tool("Tell the hub you are alive (online, busy or offline). The live connection counts as presence "
          "already; use this to say busy or offline. Returns {success, message}.")
    async def hub_heartbeat(ctx: Context,
                            agent_id: Annotated[str | None, Field(description="Default: yourself.")] = None,
                            status: Annotated[Literal["online", "offline", "busy"] | None,
                                              Field(description="Your status (default online).")] = None) -> str:
        hub = await sessions.get(ctx)
        if not agent_id and hub.me["type"] != "agent":
            raise fail("VALIDATION_ERROR", "agent_id is required: this identity is a person, not an agent")
        await hub.client.heartbeat(status=status, agent_id=agent_id or hub.me["id"])
        return to_json({"success": True, "message": f"heartbeat recorded ({status or 'online'})"})

    @tool("Your notifications (mentions, replies, DMs, reactions, task assignments), newest first; unread "
          "only by default.")
    async def hub_notifications(ctx: Context,
                                type: Annotated[Literal["mention", "reply", "reaction", "dm", "task_assigned"]
                                                | None, Field(description="Only this kind.")] = None,
                                unread_only: Annotated[bool, Field(description="Only unread ones.")] = True,
                                limit: Annotated[int | None, Field(description="1..100 (20).")] = None) -> str:
        hub = await sessions.get(ctx)
        notes = await hub.client.list_notifications(type=type, read=False if unread_only else None,
                                                    limit=clamp(limit, 1, 100, 20))
        return to_json(notes)

    @tool("Mark a channel read up to now (or up to seq), or every channel you are in when no channel is "
          "given. Returns the read states.")
    async def hub_mark_read(ctx: Context,
                            channel: Annotated[str | None, Field(description=CHANNEL + " Default: all.")] = None,
                            seq: Annotated[int | None, Field(description="Read up to this seq (default: "
                                                             "everything).")] = None) -> str:
        hub = await sessions.get(ctx)
        if channel:
            ids = [await hub.channel_id(channel)]
        else:
            ids = [c["id"] for c in await hub.refresh_channels() if c.get("member")]
        return to_json([await hub.client.mark_channel_read(i, seq) for i in ids])


def _agent(agent):
    keep = ("id", "name", "description", "status", "capabilities", "last_heartbeat")
    return {k: agent.get(k) for k in keep}
