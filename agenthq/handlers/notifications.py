"""The conversation endpoints of §8-9: the notification inbox, mention lists and channel
read pointers."""

from .. import schemas
from ..services import mentions, notifications, readstate
from .base import BaseHandler


class NotificationsHandler(BaseHandler):
    async def get(self):
        query = self.query(schemas.LIST_NOTIFICATIONS)
        items, pagination = await self.hub.read(notifications.list_own, self.identity, query)
        self.reply(items, pagination=pagination)


class UnreadCountHandler(BaseHandler):
    async def get(self):
        self.reply(await self.hub.read(notifications.count, self.identity))


class NotificationReadHandler(BaseHandler):
    async def patch(self, notification_id):
        self.reply(await self.hub.write(notifications.mark_read, self.identity, notification_id))


class ReadAllHandler(BaseHandler):
    async def post(self):
        self.reply(await self.hub.write(notifications.read_all, self.identity))


class OwnMentionsHandler(BaseHandler):
    async def get(self):
        query = self.query(schemas.LIST_MENTIONS)
        items, pagination = await self.hub.read(mentions.own_mentions, self.identity, query)
        self.reply(items, pagination=pagination)


class AgentMentionsHandler(BaseHandler):
    async def get(self, agent_id):
        query = self.query(schemas.LIST_MENTIONS)
        items, pagination = await self.hub.read(mentions.agent_mentions, self.identity, agent_id, query)
        self.reply(items, pagination=pagination)


class ChannelReadHandler(BaseHandler):
    async def post(self, channel_id):
        data = self.body(schemas.MARK_READ)
        self.reply(await self.hub.write(readstate.mark_read, self.identity, channel_id, data))


routes = [
    (r"/api/v1/notifications", NotificationsHandler),
    (r"/api/v1/notifications/unread-count", UnreadCountHandler),
    (r"/api/v1/notifications/read-all", ReadAllHandler),
    (r"/api/v1/notifications/([^/]+)/read", NotificationReadHandler),
    (r"/api/v1/mentions", OwnMentionsHandler),
    (r"/api/v1/agents/([^/]+)/mentions", AgentMentionsHandler),
    (r"/api/v1/channels/([^/]+)/read", ChannelReadHandler),
]
