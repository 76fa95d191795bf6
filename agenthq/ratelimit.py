"""Rate limits: token buckets per key (an identity, an account, a client address), in process.

The interface is async and keyed by plain strings so that a Redis-backed limiter (one shared
bucket per key for several hub processes, e.g. a Lua script doing the same arithmetic) can
replace MemoryBuckets without touching its callers: each method answers "how many seconds
until this would be allowed", 0 meaning "now"."""

import logging
import time

from .errors import InvalidCredentials, RateLimited

log = logging.getLogger("agenthq")


class MemoryBuckets:
    """Token buckets of `burst` tokens refilled at `rate` per second, one per key.

    A key whose bucket has refilled completely is the same as an absent key, so such keys are
    swept when the table grows: an attacker cycling through addresses or emails costs us at
    most max_keys entries, and past that the least recently used are forgotten (forgiven)."""

    def __init__(self, rate, burst, max_keys=100_000, clock=time.monotonic):
        self.rate, self.burst = float(rate), float(burst)
        self.max_keys, self.clock = max_keys, clock
        self._buckets = {}  # key -> (tokens, stamp); insertion order is recency order

    @property
    def enabled(self):
        return self.rate > 0 and self.burst > 0

    def _level(self, key, now):
        tokens, stamp = self._buckets.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - stamp) * self.rate)

    def _wait(self, tokens, cost):
        return 0.0 if tokens >= cost else (cost - tokens) / self.rate

    async def peek(self, key, cost=1):
        """Seconds until `cost` tokens are there; takes nothing."""
        if not self.enabled:
            return 0.0
        return self._wait(self._level(key, self.clock()), cost)

    async def take(self, key, cost=1):
        """Take `cost` tokens if they are there (0 returned); else take nothing and return
        the seconds to wait."""
        if not self.enabled:
            return 0.0
        now = self.clock()
        tokens = self._level(key, now)
        wait = self._wait(tokens, cost)
        if not wait:
            tokens -= cost
        self._store(key, tokens, now)
        return wait

    async def spend(self, key, cost=1):
        """Take `cost` tokens even if that leaves the bucket in debt (a failure has already
        happened; it must count)."""
        if self.enabled:
            now = self.clock()
            self._store(key, max(-self.burst, self._level(key, now) - cost), now)

    async def reset(self, key):
        self._buckets.pop(key, None)

    def _store(self, key, tokens, now):
        self._buckets.pop(key, None)
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self.max_keys:
            self._sweep(now)

    def _sweep(self, now):
        full = [key for key, (tokens, stamp) in self._buckets.items()
                if tokens + (now - stamp) * self.rate >= self.burst]
        for key in full:
            del self._buckets[key]
        excess = len(self._buckets) - self.max_keys * 3 // 4
        if excess > 0:
            log.warning("rate limiter over %d keys: forgetting the %d least recent", self.max_keys, excess)
            for key in list(self._buckets)[:excess]:
                del self._buckets[key]

    def __len__(self):
        return len(self._buckets)


class KnownAddresses:
    """Addresses each account signed in from lately. Kept in a bucket table, so that the same
    code serves one process (MemoryBuckets) and several (RedisBuckets): remembering a pair
    empties its one-token bucket, which refills (is forgotten) after `ttl` seconds, so "not
    full" means "signed in from here within ttl"."""

    def __init__(self, buckets, ttl):
        self._buckets = buckets(1.0 / max(1.0, float(ttl)), 1)

    async def remember(self, key):
        await self._buckets.reset(key)  # a fresh ttl, not one stacked on the last
        await self._buckets.spend(key)

    async def knows(self, key):
        return bool(await self._buckets.peek(key))


class RateLimits:
    """The limits of one hub: REST requests and WebSocket messages per identity, sign-ups per
    client address, and failed sign-ins (docs/security.md). Made from the Config; travels in
    the Application settings."""

    def __init__(self, config, buckets=MemoryBuckets):
        window = max(1.0, float(config.login_window))
        self.rest = buckets(config.rest_rate, config.rest_burst)
        self.ws = buckets(config.ws_identity_rate, config.ws_identity_burst)
        # Failed sign-ins are counted three ways. Per (address, account): the guesser is
        # slowed, the owner elsewhere is not. Per address: one address spraying many accounts.
        # Per account, all addresses together, with a higher limit: many addresses guessing at
        # one account; this one spares the addresses the account signed in from before, so
        # that a distributed attack cannot lock the owner out (OWASP's authentication
        # guidance: lockout must not become a denial of service).
        self.login_pair = buckets(config.login_account_failures / window, config.login_account_failures)
        self.login_address = buckets(config.login_address_failures / window, config.login_address_failures)
        self.login_account = buckets(
            config.login_account_total_failures / window, config.login_account_total_failures
        )
        self.known = KnownAddresses(buckets, config.login_known_address_ttl)
        register_window = max(1.0, float(config.register_window))
        self.register = buckets(config.register_address_limit / register_window, config.register_address_limit)

        invite_window = max(1.0, float(config.invite_window))
        self.invites = buckets(config.invite_address_limit / invite_window, config.invite_address_limit)

        self.hooks = buckets(config.hook_rate, config.hook_burst)

    async def check_hook(self, hook_id):
        """POST /hooks/<token>: per hook, whoever sends (a leaked URL floods one channel at most so fast)."""
        wait = await self.hooks.take("hook:" + hook_id)
        if wait:
            raise RateLimited(wait, "Too many posts to this webhook; slow down")

    async def check_invite(self, endpoint, address):
        """GET /auth/invites/:token and the two redemptions take no credentials: each spends
        its client address's budget, counted apart per endpoint, so tokens cannot be guessed."""
        wait = await self.invites.take(f"invite:{endpoint}:{address or 'unknown'}")
        if wait:
            raise RateLimited(wait, "Too many invite requests from this address; try again later")

    async def check_request(self, identity):
        wait = await self.rest.take(identity.id)
        if wait:
            raise RateLimited(wait, "Too many requests; slow down")

    async def check_ws_message(self, identity):
        """A WebSocket message spends its identity's budget, shared by all its sockets (and
        processes): opening more sockets buys no more messages."""
        wait = await self.ws.take("ws:" + identity.id)  # its own key beside the REST bucket's
        if wait:
            raise RateLimited(wait, "Too many messages; slow down")

    async def check_registration(self, address):
        """Every sign-up attempt that passed validation spends one of its address's: each may
        cost a password hash, and each 409 tells whether an email or slug exists."""
        wait = await self.register.take("register:" + (address or "unknown"))
        if wait:
            raise RateLimited(wait, "Too many sign-ups from this address; try again later")

    async def login(self, email, address, attempt):
        """Run attempt() (the password check) unless failures this attempt counts against are
        over their limit. Refused before the password is checked, so a blocked attacker costs
        us no scrypt and learns nothing, even when the guess is right.

        A success clears only its (address, account) count: the address's stays, or one good
        account would let an address guess at all others, and the account's stays, or the
        owner signing in would wipe a distributed attacker's slate."""
        address = address or "unknown"
        pair, client, account = f"pair:{address}:{email}", "address:" + address, "account:" + email
        known = await self.known.knows(f"known:{email}:{address}")
        waits = [await self.login_pair.peek(pair)]
        if not known:
            waits += [await self.login_address.peek(client), await self.login_account.peek(account)]
        if max(waits):
            raise RateLimited(max(waits), "Too many failed sign-ins; try again later")
        try:
            result = await attempt()
        except InvalidCredentials:
            await self.login_pair.spend(pair)
            await self.login_address.spend(client)
            await self.login_account.spend(account)
            raise
        await self.login_pair.reset(pair)
        await self.known.remember(f"known:{email}:{address}")
        return result
