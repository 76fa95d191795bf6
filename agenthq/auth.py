"""authenticate(): the only code that turns a bearer token into an Identity (REST and /ws)."""

from dataclasses import dataclass

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
    # The role is read from the database, not the token, so a demotion takes effect at once.
    return Identity("user", user.id, user.org_id, user.role)


def _agent_identity(key):
    prefix = security.key_lookup_prefix(key)
    for agent in Agent.select(Agent.id, Agent.org_id, Agent.key_hash).where(Agent.key_prefix == prefix):
        if security.api_key_matches(key, agent.key_hash):
            return Identity("agent", agent.id, agent.org_id, "member")
    raise InvalidApiKey()


class Tokens:
    """Issues and reads this hub's JWTs with its one signing secret."""

    def __init__(self, secret, access_ttl, refresh_ttl):
        self.secret, self.access_ttl, self.refresh_ttl = secret, access_ttl, refresh_ttl

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
        return authenticate(token, self.secret)
