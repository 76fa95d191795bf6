"""authenticate(): the only code that turns a bearer token into an Identity (REST and /ws)."""

import time
from dataclasses import dataclass

from . import security
from .errors import InvalidApiKey, InvalidToken, Unauthorized
from .models import Agent, User, select_rows


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


@dataclass(frozen=True)
class Unconfirmed(Identity):
    """A person named by an access token whose signature this hub has already verified
    (CheckedTokens), not yet read from the database: the request's own transaction confirms
    it (confirmed()) before anything else, which spares the request a trip to a reader
    thread. Its role is the token's until then, and nothing may rely on it."""


def confirmed(identity):
    """identity itself, or for an Unconfirmed one the person as the database has them now
    (their role included); InvalidToken if they are gone. Runs a database read."""
    if not isinstance(identity, Unconfirmed):
        return identity
    users = select_rows(User, ("id", "org_id", "role"), id=identity.id, org_id=identity.org_id)
    if not users:
        raise InvalidToken()
    user = users[0]
    return Identity("user", user["id"], user["org_id"], user["role"])


def confirming(fn, identity, *args):
    """fn(identity, *args), the identity confirmed first, in the same transaction."""
    return fn(confirmed(identity), *args)


def bearer_token(header):
    """The token of an `Authorization: Bearer <token>` header; Unauthorized if malformed."""
    if not header:
        raise Unauthorized()
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise Unauthorized("Authorization header must be 'Bearer <token>'")
    return token


def authenticate(token, secret, checked=None):
    """Resolve a JWT access token or an ahq_ API key. Runs database reads: call off the loop.
    checked: a CheckedTokens that spares verifying an access token's signature again."""
    if token.startswith(security.API_KEY_PREFIX):
        return _agent_identity(token)
    claims = checked.get(token) if checked is not None else None
    if claims is None:
        claims = security.decode_token(secret, token, "access")
        if claims is None:
            raise InvalidToken()
        if checked is not None:
            checked.put(token, claims)
    users = select_rows(User, ("id", "org_id", "role"), id=claims["sub"], org_id=claims["org_id"])
    if not users:
        raise InvalidToken()
    user = users[0]
    # The role is read from the database, not the token, so a demotion takes effect at once
    # (which is also why people's tokens are not cached).
    return Identity("user", user["id"], user["org_id"], user["role"])


def _agent_identity(key):
    prefix = security.key_lookup_prefix(key)
    for agent in select_rows(Agent, ("id", "org_id", "key_hash"), key_prefix=prefix):
        if security.api_key_matches(key, agent["key_hash"]):
            return Identity("agent", agent["id"], agent["org_id"], "member")
    raise InvalidApiKey()


class IdentityCache:
    """API keys resolved in the last few seconds and the agents they resolved to. Agents make
    most requests, each repeating its key, and resolving a key is a database read. Rotating
    or deleting an agent forgets its keys at once (forget()); keys are only cached where
    every rotation passes through this process (cache_keys=False when several processes
    share the database). People's JWTs are not cached: their role is read on every request."""

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

    def put(self, token, identity, generation):
        if generation != self.generation or not identity.is_agent or not self.cache_keys:
            return
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()  # crude, but bounded; a miss only costs one read
        self._entries[token] = (identity, time.monotonic() + self.TTL)

    def forget(self, identity_id):
        self.generation += 1
        for token, (identity, _) in list(self._entries.items()):
            if identity.id == identity_id:
                self._entries.pop(token, None)


class CheckedTokens:
    """Claims of access tokens whose signature was verified, until they expire: verifying
    costs about 100 us of CPU per request (PyJWT), and a token's signature and claims never
    change. Only the verification is skipped: the person's role is still read on every
    request, so a demotion or a deletion takes effect at once as before."""

    MAX_ENTRIES = 10_000

    def __init__(self):
        self._claims = {}

    def get(self, token):
        claims = self._claims.get(token)
        if claims is None:
            return None
        if claims["exp"] <= time.time():  # as PyJWT judges expiry (no leeway)
            self._claims.pop(token, None)
            return None
        return claims

    def put(self, token, claims):
        if len(self._claims) >= self.MAX_ENTRIES:
            self._claims.clear()  # crude, but bounded; a miss only costs one verification
        self._claims[token] = claims


class Tokens:
    """Issues and reads this hub's JWTs with its one signing secret."""

    def __init__(self, secret, access_ttl, refresh_ttl, cache_keys=True):
        self.secret, self.access_ttl, self.refresh_ttl = secret, access_ttl, refresh_ttl
        self.cache = IdentityCache(cache_keys)
        self.checked = CheckedTokens()

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

    def unconfirmed(self, token):
        """An Unconfirmed person for an access token whose signature was verified before, or
        None (an API key, or a token not seen yet: authenticate() on a reader then)."""
        if token.startswith(security.API_KEY_PREFIX):
            return None
        claims = self.checked.get(token)
        if claims is None:
            return None
        return Unconfirmed("user", claims["sub"], claims["org_id"], claims.get("role", "member"))

    def authenticate(self, token):
        """Resolve a token (a database read on a miss: call off the loop) and remember it."""
        generation = self.cache.generation
        identity = authenticate(token, self.secret, self.checked)
        self.cache.put(token, identity, generation)
        return identity
