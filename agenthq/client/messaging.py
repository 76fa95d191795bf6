"""SDK methods for direct messages, people, reactions, pins and edit history (SPEC §10-11).
Mixed into AgentHQClient beside RestMethods, which provides `_call`."""

from urllib.parse import quote

from .errors import AgentHQError


class MessagingMethods:
    # Direct messages ----------------------------------------------------------------------
    async def open_dm(self, member_id, member_type):
        """The DM channel with that identity ("user" or "agent"), created if it is new."""
        return await self._call("POST", "/api/v1/dm", {"member_id": member_id, "member_type": member_type})

    async def list_dms(self):
        """The caller's DMs, newest post first; each names the other member (member_id,
        member_type, member_name)."""
        return await self._call("GET", "/api/v1/dm")

    async def send_dm(self, member_id, member_type, content, **fields):
        channel = await self.open_dm(member_id, member_type)
        return await self.create_post(channel["id"], content, **fields)

    # People -------------------------------------------------------------------------------
    async def list_users(self, q=None, page=None, limit=None):
        return await self._call("GET", "/api/v1/users", query={"q": q, "page": page, "limit": limit})

    async def get_user(self, user_id):
        return await self._call("GET", f"/api/v1/users/{user_id}")

    async def find_identity(self, name_or_id):
        """(id, "user"|"agent") of a person or agent given by id or exact name (any case)."""
        found = await self.find_identities(name_or_id)
        if not found:
            raise AgentHQError("NOT_FOUND", f"no person or agent named {name_or_id!r}", 404)
        return found[0]

    async def find_identities(self, name_or_id):
        """Every (id, "user"|"agent") whose id or exact name (any case) is name_or_id: people
        first. A name two identities share gives both, for the caller to choose."""
        wanted = name_or_id.lstrip("@").lower()
        people = await self.pages(self.list_users, q=name_or_id.lstrip("@"))
        agents = await self.pages(self.list_agents)
        return [(row["id"], kind) for kind, rows in (("user", people), ("agent", agents)) for row in rows
                if wanted in (row["id"].lower(), row["name"].lower())]

    # Reactions ----------------------------------------------------------------------------
    async def add_reaction(self, post_id, emoji):
        return await self._call("POST", f"/api/v1/posts/{post_id}/reactions", {"emoji": emoji})

    async def remove_reaction(self, post_id, emoji):
        return await self._call("DELETE", f"/api/v1/posts/{post_id}/reactions/{quote(emoji, safe='')}")

    async def list_reactions(self, post_id):
        return await self._call("GET", f"/api/v1/posts/{post_id}/reactions")

    # Pins and edits -----------------------------------------------------------------------
    async def pin_post(self, post_id):
        return await self._call("POST", f"/api/v1/posts/{post_id}/pin")

    async def unpin_post(self, post_id):
        return await self._call("DELETE", f"/api/v1/posts/{post_id}/pin")

    async def list_pins(self, channel_id):
        return await self._call("GET", f"/api/v1/channels/{channel_id}/pins")

    async def post_edits(self, post_id):
        return await self._call("GET", f"/api/v1/posts/{post_id}/edits")
