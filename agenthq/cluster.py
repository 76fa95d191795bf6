"""What one hub process shares with the others when Redis is configured: the event broker,
cross-process presence and rate-limit buckets, all on one Redis client. Without Redis the
hub has no Cluster and keeps everything in process. The hub imports this module only when
Redis is configured, so that `pip install agenthq` runs without the redis package."""

try:
    import redis.asyncio as aioredis
    from redis.exceptions import RedisError
except ImportError:  # the scale-out drivers are an extra
    raise ImportError("--redis needs the redis package: pip install 'agenthq[scale]'") from None

from . import eventlog
from .broker import RedisBroker
from .models import is_postgres_url
from .redis_buckets import RedisBuckets
from .redis_presence import RedisPresence


def scale_out_problem(config):
    """Why config cannot run several processes, or None."""
    if config.workers <= 1:
        return None
    if not is_postgres_url(config.db):
        return (f"--workers {config.workers} needs a PostgreSQL database (--db postgresql://user:pass@host/db): "
                "SQLite has one writer, in one process. Run one process on SQLite, or see docs/scale-out.md.")
    if not config.redis:
        return (f"--workers {config.workers} needs Redis (--redis redis://host:port/0) so that every process "
                "hears every event. See docs/scale-out.md.")
    return None


class Cluster:
    errors = (RedisError,)  # what a call to Redis raises when it is away

    def __init__(self, config, registry, read, on_lost, on_control):
        # One client per process (and per event loop: the client binds to the loop that first
        # uses it). Its connection pool serves the broker, presence and the limiter alike.
        # A bounded pool that makes callers wait for a free connection: 500 sockets opening at
        # once must not open 500 Redis connections (and time out connecting).
        pool = aioredis.BlockingConnectionPool.from_url(
            config.redis, max_connections=32, timeout=5, socket_connect_timeout=2, socket_keepalive=True
        )
        self.client = aioredis.Redis(connection_pool=pool)
        self.broker = RedisBroker(config.redis, registry, read, on_lost, on_control, eventlog)
        self.presence = RedisPresence(self.client, config.presence_timeout)
        self.buckets = RedisBuckets.factory(self.client)

    @property
    def available(self):
        return self.broker.available

    async def start(self):
        await self.broker.start()

    async def close(self):
        await self.broker.close()
        await self.client.aclose()
