"""/channels: create, list, stats, join, leave, members, and a channel's posts. Every :id
also takes the channel's name (services.common.access_channel)."""

from .. import schemas
from ..services import channels
from .base import BaseHandler


class ChannelsHandler(BaseHandler):
    confirm_in_transaction = frozenset({"GET"})

    async def get(self):
        query = self.query(schemas.LIST_CHANNELS)
        items, pagination = await self.service_read(channels.list_channels, query, self.hub.pages)
        self.reply(items, pagination=pagination)

    async def post(self):
        data = self.body(schemas.CREATE_CHANNEL)
        self.reply(await self.hub.write(channels.create, self.identity, data), 201)


class ChannelHandler(BaseHandler):
    async def get(self, channel_id):
        self.reply(await self.hub.read(channels.get, self.identity, channel_id))


class StatsHandler(BaseHandler):
    async def get(self, channel_id):
        self.reply(await self.hub.read(channels.stats, self.identity, channel_id))


class JoinHandler(BaseHandler):
    async def post(self, channel_id):
        self.reply(await self.hub.write(channels.join, self.identity, channel_id))


class LeaveHandler(BaseHandler):
    async def post(self, channel_id):
        self.reply(await self.hub.write(channels.leave, self.identity, channel_id))


class MembersHandler(BaseHandler):
    async def post(self, channel_id):
        data = self.body(schemas.ADD_MEMBER)
        self.reply(await self.hub.write(channels.add_member, self.identity, channel_id, data), 201)


class ChannelPostsHandler(BaseHandler):
    async def get(self, channel_id):
        query = self.query(schemas.LIST_CHANNEL_POSTS)
        items, pagination = await self.hub.read(channels.list_posts, self.identity, channel_id, query, self.hub.pages)
        self.reply(items, pagination=pagination)


routes = [
    (r"/api/v1/channels", ChannelsHandler),
    (r"/api/v1/channels/([^/]+)", ChannelHandler),
    (r"/api/v1/channels/([^/]+)/stats", StatsHandler),
    (r"/api/v1/channels/([^/]+)/join", JoinHandler),
    (r"/api/v1/channels/([^/]+)/leave", LeaveHandler),
    (r"/api/v1/channels/([^/]+)/members", MembersHandler),
    (r"/api/v1/channels/([^/]+)/posts", ChannelPostsHandler),
]
