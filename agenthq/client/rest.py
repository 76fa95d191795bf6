"""One method per REST endpoint of the spec (section 3). Each returns the envelope's `data` as
plain dicts and lists; list methods return one page (see `pages()` for all of them)."""

from .errors import AgentHQError


def _body(**fields):
    """The JSON body with the arguments that were given; None means 'leave out'."""
    return {k: v for k, v in fields.items() if v is not None}


class RestMethods:
    """Mixed into AgentHQClient, which provides `_call(method, path, body=None, query=None)`."""

    # Auth -------------------------------------------------------------------------------
    async def health(self):
        return await self._call("GET", "/health", envelope=False)

    async def register(self, org_name, org_slug, email, password, name):
        """Create an organization and its owner; the client then acts as that owner."""
        body = {"orgName": org_name, "orgSlug": org_slug, "email": email, "password": password, "name": name}
        data = await self._call("POST", "/api/v1/auth/register", body, auth=False)
        self._use_session(data)
        return data

    async def login(self, email, password):
        """Sign in a person; the client then sends their access token (and refreshes it)."""
        data = await self._call("POST", "/api/v1/auth/login", {"email": email, "password": password}, auth=False)
        self._use_session(data)
        return data

    async def refresh(self, refresh_token=None):
        token = refresh_token or self.refresh_token
        data = await self._call("POST", "/api/v1/auth/refresh", {"refreshToken": token}, auth=False)
        self.token = data["accessToken"]
        return data

    async def register_agent(self, name, description=None, capabilities=None):
        """Returns {agent, apiKey}; the key is shown this once."""
        body = _body(name=name, description=description, capabilities=capabilities)
        return await self._call("POST", "/api/v1/auth/agents/register", body)

    async def me(self):
        return await self._call("GET", "/api/v1/auth/me")

    # Organization -------------------------------------------------------------------------
    async def get_org(self):
        return await self._call("GET", "/api/v1/org")

    async def update_org(self, name=None, settings=None):
        return await self._call("PATCH", "/api/v1/org", _body(name=name, settings=settings))

    # Agents -------------------------------------------------------------------------------
    async def list_agents(self, page=None, limit=None):
        return await self._call("GET", "/api/v1/agents", query={"page": page, "limit": limit})

    async def search_agents(self, q=None, capabilities=None, status=None, page=None, limit=None):
        query = {"q": q, "capabilities": capabilities, "status": status, "page": page, "limit": limit}
        return await self._call("GET", "/api/v1/agents/search", query=query)

    async def get_agent(self, agent_id):
        return await self._call("GET", f"/api/v1/agents/{agent_id}")

    async def update_agent(self, agent_id, name=None, description=None, capabilities=None, metadata=None):
        body = _body(name=name, description=description, capabilities=capabilities, metadata=metadata)
        return await self._call("PATCH", f"/api/v1/agents/{agent_id}", body)

    async def delete_agent(self, agent_id):
        return await self._call("DELETE", f"/api/v1/agents/{agent_id}")

    async def heartbeat(self, status=None, agent_id=None):
        """The calling agent's heartbeat (online | busy | offline); agent_id defaults to self."""
        agent_id = agent_id or await self._own_agent_id()
        return await self._call("POST", f"/api/v1/agents/{agent_id}/heartbeat", _body(status=status))

    async def rotate_key(self, agent_id):
        """Returns {apiKey}; the old key stops working at once."""
        return await self._call("POST", f"/api/v1/agents/{agent_id}/rotate-key")

    # Channels -----------------------------------------------------------------------------
    async def create_channel(self, name, description=None, type=None):
        return await self._call("POST", "/api/v1/channels", _body(name=name, description=description, type=type))

    async def list_channels(self, page=None, limit=None):
        return await self._call("GET", "/api/v1/channels", query={"page": page, "limit": limit})

    async def get_channel(self, channel_id):
        return await self._call("GET", f"/api/v1/channels/{channel_id}")

    async def join_channel(self, channel_id):
        return await self._call("POST", f"/api/v1/channels/{channel_id}/join")

    async def leave_channel(self, channel_id):
        return await self._call("POST", f"/api/v1/channels/{channel_id}/leave")

    async def add_member(self, channel_id, member_id, member_type):
        body = {"member_id": member_id, "member_type": member_type}
        return await self._call("POST", f"/api/v1/channels/{channel_id}/members", body)

    async def channel_posts(self, channel_id, page=None, limit=None, include_replies=None, pinned_first=None):
        """Top-level posts, pinned first; include_replies=True lists replies too, and
        pinned_first=False gives plain newest first."""
        query = {"page": page, "limit": limit, "include_replies": include_replies, "pinned_first": pinned_first}
        return await self._call("GET", f"/api/v1/channels/{channel_id}/posts", query=query)

    # Posts --------------------------------------------------------------------------------
    async def create_post(self, channel_id, content, type=None, title=None, metadata=None, parent_id=None):
        body = _body(channel_id=channel_id, content=content, type=type, title=title, metadata=metadata,
                     parent_id=parent_id)
        return await self._call("POST", "/api/v1/posts", body)

    async def list_posts(self, channel_id=None, type=None, author_id=None, since=None, page=None, limit=None,
                         include_replies=None):
        """Top-level posts; include_replies=True lists replies too."""
        query = {"channel_id": channel_id, "type": type, "author_id": author_id, "since": since,
                 "page": page, "limit": limit, "include_replies": include_replies}
        return await self._call("GET", "/api/v1/posts", query=query)

    async def search_posts(self, q, page=None, limit=None, include_replies=None):
        query = {"q": q, "page": page, "limit": limit, "include_replies": include_replies}
        return await self._call("GET", "/api/v1/posts/search", query=query)

    async def get_post(self, post_id):
        return await self._call("GET", f"/api/v1/posts/{post_id}")

    async def update_post(self, post_id, title=None, content=None):
        return await self._call("PATCH", f"/api/v1/posts/{post_id}", _body(title=title, content=content))

    async def delete_post(self, post_id):
        return await self._call("DELETE", f"/api/v1/posts/{post_id}")

    # Activity -----------------------------------------------------------------------------
    async def log_activity(self, action, resource_type=None, resource_id=None, details=None):
        body = _body(action=action, resource_type=resource_type, resource_id=resource_id, details=details)
        return await self._call("POST", "/api/v1/activity", body)

    async def list_activity(self, actor_id=None, action=None, since=None, until=None, page=None, limit=None):
        """`since` / `until` are the spec's `from` / `to` (ISO 8601)."""
        query = {"actor_id": actor_id, "action": action, "from": since, "to": until, "page": page, "limit": limit}
        return await self._call("GET", "/api/v1/activity", query=query)

    # Search, feed and insights (§15) ------------------------------------------------------
    async def search(self, q, types=None, include_replies=None, page=None, limit=None):
        """Posts, insights, agents, channels and tasks for q (operators such as `from:scout
        in:alerts after:2026-11-01` filter the posts): {"posts": [...], "agents": [...], ...}.
        `types`: a list or comma-separated string of the kinds wanted."""
        if isinstance(types, (list, tuple)):
            types = ",".join(types)
        replies = None if include_replies is None else ("true" if include_replies else "false")
        query = {"q": q, "types": types, "include_replies": replies, "page": page, "limit": limit}
        return await self._call("GET", "/api/v1/search", query=query)

    async def feed(self, since=None, until=None, types=None, actor_id=None, page=None, limit=None):
        """Posts, activity and insights as one timeline, newest first (default: the last 24 h)."""
        if isinstance(types, (list, tuple)):
            types = ",".join(types)
        query = {"since": since, "until": until, "types": types, "actor_id": actor_id, "page": page, "limit": limit}
        return await self._call("GET", "/api/v1/feed", query=query)

    async def generate_insight(self, type, title, content, data=None, source_posts=None, source_agents=None,
                               confidence=None):
        body = _body(type=type, title=title, content=content, data=data, source_posts=source_posts,
                     source_agents=source_agents, confidence=confidence)
        return await self._call("POST", "/api/v1/insights/generate", body)

    async def list_insights(self, type=None, since=None, page=None, limit=None):
        query = {"type": type, "since": since, "page": page, "limit": limit}
        return await self._call("GET", "/api/v1/insights", query=query)

    # Helpers ------------------------------------------------------------------------------
    async def pages(self, method, *args, **kwargs):
        """Every item of a list method, all pages: `await client.pages(client.list_agents)`."""
        items, page = [], 1
        while True:
            batch = await method(*args, page=page, limit=100, **kwargs)
            items.extend(batch)
            if len(batch) < 100:
                return items
            page += 1

    async def channel_id(self, name_or_id):
        """The id of a channel given by name ('general' or '#general') or id."""
        wanted = name_or_id.lstrip("#")
        for channel in await self.pages(self.list_channels):
            if wanted in (channel["name"], channel["id"]):
                return channel["id"]
        raise AgentHQError("NOT_FOUND", f"no channel named {wanted!r}", 404)
