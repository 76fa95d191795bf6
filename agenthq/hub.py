"""The Hub: the shared objects of one running server (config, storage, tokens, registry)
and the one path by which a write's events reach subscribers: after its commit."""

import asyncio
import logging

from .auth import Tokens
from .models import open_database, signing_secret
from .realtime import Registry
from .storage import Storage

log = logging.getLogger("agenthq")


class Hub:
    def __init__(self, config):
        self.config = config
        db = open_database(config.db)
        with db.connection_context():
            secret = signing_secret(config.jwt_secret)
        self.storage = Storage(db, config.db_readers)
        self.tokens = Tokens(secret, config.access_token_ttl, config.refresh_token_ttl)
        self.registry = Registry()
        self.in_flight = 0  # REST requests being served; shutdown waits for them

    async def read(self, fn, *args):
        return await self.storage.read(fn, *args)

    async def write(self, fn, *args):
        """Run a service write; publish its events once it has committed. The single writer
        thread finishes writes in seq order and each caller publishes as soon as it resumes,
        so subscribers see an organization's events in seq order."""
        result, events = await self.storage.write(fn, *args)
        for event in events:
            self.registry.publish(event)
        return result

    async def authenticate(self, token):
        return await self.storage.read(self.tokens.authenticate, token)

    def close(self):
        self.storage.close()

    def disconnect_agent(self, agent_id, reason):
        """A deleted agent or a rotated key must not keep a live socket (spec: close 4003)."""
        for connection in self.registry.connections_of_agent(agent_id):
            connection.close(4003, reason)

    async def shutdown(self, drain_seconds):
        """Close every socket with 1001 (after what is queued is flushed) and give requests
        in flight up to drain_seconds to finish."""
        for connection in self.registry.all_connections():
            connection.close(1001, "server shutting down")
        deadline = asyncio.get_running_loop().time() + drain_seconds
        while self.in_flight > 0 and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.02)
