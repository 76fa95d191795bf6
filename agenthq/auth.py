"""authenticate(): the only code that turns a bearer token into an Identity (REST and /ws)."""

import time
from dataclasses import dataclass

import jwt

from . import security
from .errors import InvalidApiKey, InvalidToken, Unauthorized
from .models import Agent, User


@dataclass(frozen=True)
class Identity:
    kind: str  # "user" | "agent"
    id: str
    org_id: str
    role: str  # owner | admin | member; agents act as members

    @property
    def is_user(self):
        return self.kind == "user"

    @property
    def is_agent(self):
        return self.kind == "agent"

    @property
    def is_admin(self):
        return self.kind == "user" and self.role in ("owner", "admin")

    def wire(self):
        return {"type": self.kind, "id": self.id}


def bearer_token(header):
    """The token of an `Authorization: Bearer <token>` header; Unauthorized if malformed."""
    if not header:
        raise Unauthorized()
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise Unauthorized("Authorization header must be 'Bearer <token>'")
    return token


def authenticate(token, secret):
    """Resolve a JWT access token or an ahq_ API key. Runs database reads: call off the loop."""
    if token.startswith(security.API_KEY_PREFIX):
        return _agent_identity(token)
    claims = security.decode_token(secret, token, "access")
    if claims is None:
        raise InvalidToken()
    user = User.get_or_none((User.id == claims["sub"]) & (User.org_id == claims["org_id"]))
    if user is None:
        raise InvalidToken()
    # The role is read from the database, not the token, so a demotion takes effect within
    # IdentityCache.TTL rather than when the token expires.
    return Identity("user", user.id, user.org_id, user.role)


def _agent_identity(key):
    prefix = security.key_lookup_prefix(key)
    for agent in Agent.select(Agent.id, Agent.org_id, Agent.key_hash).where(Agent.key_prefix == prefix):
        if security.api_key_matches(key, agent.key_hash):
            return Identity("agent", agent.id, agent.org_id, "member")
    raise InvalidApiKey()


class IdentityCache:
    """Tokens resolved in the last few seconds and whom they resolved to. Most requests come
    from a few agents and people repeating the same token, and resolving one is a database
    read. An entry never outlives its JWT's `exp`; a rotated or deleted agent's keys are
    forgotten at once (forget()), and API keys are only cached where every rotation passes
    through this process (cache_keys=False when several processes share the database)."""

    TTL = 10.0
    MAX_ENTRIES = 10_000

    def __init__(self, cache_keys=True):
        self.cache_keys = cache_keys
        self._entries = {}
        # Bumped by forget(): a lookup that read the database before a rotation committed
        # must not put the old key back afterwards.
        self.generation = 0

    def get(self, token):
        entry = self._entries.get(token)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def put(self, token, identity, generation, expires_at=None):
        if generation != self.generation or (identity.is_agent and not self.cache_keys):
            return
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()  # crude, but bounded; a miss only costs one read
        deadline = time.monotonic() + self.TTL
        if expires_at is not None:
            deadline = min(deadline, time.monotonic() + (expires_at - time.time()))
        self._entries[token] = (identity, deadline)

    def forget(self, identity_id):
        self.generation += 1
        for token, (identity, _) in list(self._entries.items()):
            if identity.id == identity_id:
                self._entries.pop(token, None)


class Tokens:
    """Issues and reads this hub's JWTs with its one signing secret."""

    def __init__(self, secret, access_ttl, refresh_ttl, cache_keys=True):
        self.secret, self.access_ttl, self.refresh_ttl = secret, access_ttl, refresh_ttl
        self.cache = IdentityCache(cache_keys)

    def access(self, user):
        return security.encode_token(
            self.secret, subject=user.id, org_id=user.org_id, role=user.role, token_type="access", ttl=self.access_ttl
        )

    def pair(self, user):
        refresh = security.encode_token(
            self.secret, subject=user.id, org_id=user.org_id, role=user.role, token_type="refresh", ttl=self.refresh_ttl
        )
        return {"accessToken": self.access(user), "refreshToken": refresh}

    def decode(self, token, expected_type):
        return security.decode_token(self.secret, token, expected_type)

    @staticmethod
    def identity_of(user):
        return Identity("user", user.id, user.org_id, user.role)

    def authenticate(self, token):
        """Resolve a token (a database read on a miss: call off the loop) and remember it."""
        generation = self.cache.generation
        identity = authenticate(token, self.secret)
        expires_at = None
        if identity.is_user:
            expires_at = jwt.decode(token, options={"verify_signature": False})["exp"]
        self.cache.put(token, identity, generation, expires_at)
        return identity
