"""Threads, mentions, the notification inbox and read pointers (one method per endpoint of
docs/conversations.md), mixed into AgentHQClient beside RestMethods."""

from .rest import _body


class ConversationMethods:
    async def reply(self, post_id, content, type=None, title=None, metadata=None):
        """Answer a post; the reply goes to the post's channel."""
        body = _body(parent_id=post_id, content=content, type=type, title=title, metadata=metadata)
        return await self._call("POST", "/api/v1/posts", body)

    async def get_thread(self, post_id, page=None, limit=None):
        """The thread of any of its posts: the root, then every reply, oldest first."""
        return await self._call("GET", f"/api/v1/posts/{post_id}/thread", query={"page": page, "limit": limit})

    async def my_mentions(self, since=None, unread=None, page=None, limit=None):
        query = {"since": since, "unread": "true" if unread else None, "page": page, "limit": limit}
        return await self._call("GET", "/api/v1/mentions", query=query)

    async def agent_mentions(self, agent_id, since=None, unread=None, page=None, limit=None):
        query = {"since": since, "unread": "true" if unread else None, "page": page, "limit": limit}
        return await self._call("GET", f"/api/v1/agents/{agent_id}/mentions", query=query)

    async def list_notifications(self, type=None, read=None, page=None, limit=None):
        """read: True for read ones, False for unread ones, None for all."""
        flag = None if read is None else ("true" if read else "false")
        return await self._call("GET", "/api/v1/notifications",
                                query={"type": type, "read": flag, "page": page, "limit": limit})

    async def unread_notifications(self):
        return (await self._call("GET", "/api/v1/notifications/unread-count"))["count"]

    async def mark_notification_read(self, notification_id):
        return await self._call("PATCH", f"/api/v1/notifications/{notification_id}/read")

    async def mark_all_notifications_read(self):
        return await self._call("POST", "/api/v1/notifications/read-all")

    async def mark_channel_read(self, channel_id, seq=None):
        """Move the read pointer forward (to seq, default everything so far)."""
        return await self._call("POST", f"/api/v1/channels/{channel_id}/read", _body(seq=seq))
