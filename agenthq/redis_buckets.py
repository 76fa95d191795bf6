"""Token buckets kept in Redis, so that several hub processes share one bucket per key: the
same interface and arithmetic as ratelimit.MemoryBuckets, done by one Lua script so that a
read-modify-write of a bucket is atomic across processes. Redis's clock (TIME) is the one
clock, so processes on machines whose clocks differ still agree."""

from redis.exceptions import RedisError

from .errors import Unavailable

PREFIX = "agenthq:bucket:"

# KEYS[1]: the bucket; ARGV: rate, burst, cost, mode (peek | take | spend). Returns the
# seconds to wait as a string (a Lua number would come back truncated to an integer).
SCRIPT = """
local rate, burst, cost, mode = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = tonumber(state[1]) or burst
local stamp = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - stamp) * rate)
local wait = 0
if tokens < cost then wait = (cost - tokens) / rate end
if mode == 'peek' then return tostring(wait) end
if mode == 'take' then
  if wait == 0 then tokens = tokens - cost end
else
  tokens = math.max(-burst, tokens - cost)
  wait = 0
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now))
-- Forget the bucket once it would be full again: an absent key is a full bucket.
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return tostring(wait)
"""


class RedisBuckets:
    """Made per limit with (rate, burst), like MemoryBuckets, through factory(client)."""

    def __init__(self, client, rate, burst):
        self.client, self.rate, self.burst = client, float(rate), float(burst)
        self._script = client.register_script(SCRIPT)

    @classmethod
    def factory(cls, client):
        return lambda rate, burst: cls(client, rate, burst)

    @property
    def enabled(self):
        return self.rate > 0 and self.burst > 0

    async def _run(self, key, cost, mode):
        try:
            return float(await self._script(keys=[PREFIX + key], args=[self.rate, self.burst, cost, mode]))
        except (RedisError, OSError):
            # Without its shared counts the hub cannot tell a flood from a trickle: refuse
            # (retryable) rather than let every process allow a full burst on its own.
            raise Unavailable("Rate limiting is unavailable right now; try again later") from None

    async def peek(self, key, cost=1):
        return await self._run(key, cost, "peek") if self.enabled else 0.0

    async def take(self, key, cost=1):
        return await self._run(key, cost, "take") if self.enabled else 0.0

    async def spend(self, key, cost=1):
        if self.enabled:
            await self._run(key, cost, "spend")

    async def reset(self, key):
        if self.enabled:
            try:
                await self.client.delete(PREFIX + key)
            except (RedisError, OSError):
                raise Unavailable("Rate limiting is unavailable right now; try again later") from None
