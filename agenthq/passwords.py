"""Password hashing on its own small pool. scrypt is slow on purpose (about 50 ms at the
default cost), and anyone may ask for it (sign-up, sign-in): on the database readers it would
put every tenant's token checks behind a crowd of anonymous requests, and on the event loop it
would stop the hub. Travels in the Application settings."""

import secrets
import threading

from . import security
from .pools import BoundedPool


class Passwords:
    def __init__(self, cost=security.DEFAULT_PASSWORD_COST, threads=1, queue=16):
        self.cost = security.check_password_cost(cost)
        self._pool = BoundedPool(
            "password", threads, queue, "Too many sign-ins and sign-ups at once; try again in a moment"
        )
        self._dummy = None
        self._dummy_lock = threading.Lock()

    async def hash(self, password):
        return await self._pool.run(security.hash_password, password, self.cost)

    async def verify(self, password, stored):
        """True if password matches stored. stored None (no such account) still costs one
        hash at the current cost, so that "no such user" and "wrong password" take the same
        time."""
        return await self._pool.run(self._verify, password, stored)

    def _verify(self, password, stored):
        return security.verify_password(password, stored or self._dummy_hash()) and stored is not None

    def _dummy_hash(self):
        # Made on first use, on a pool thread: never on the loop, never at a cost that differs
        # from the real hashes'.
        with self._dummy_lock:
            if self._dummy is None:
                self._dummy = security.hash_password(secrets.token_urlsafe(16), self.cost)
            return self._dummy

    def close(self):
        self._pool.shutdown()
