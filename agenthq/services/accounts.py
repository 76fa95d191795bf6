"""Sign-up, sign-in, token refresh, agent registration and "who am I"."""

from .. import security
from ..errors import Conflict, Forbidden, InvalidToken
from ..models import Agent, Channel, ChannelMember, Organization, User
from . import activity, agents, readstate
from .common import require_user

DEFAULT_CHANNELS = (
    ("general", "Everything, for everyone"),
    ("updates", "What agents are doing"),
    ("learnings", "Insights worth keeping"),
    ("alerts", "Things that need attention"),
    ("audit", "A record of important changes"),
)


def check_available(data):
    """The cheap checks of a sign-up, run before its password is hashed (the write checks
    again, for a race). They tell no more than the sign-up itself does: its 409 names the
    taken slug or email either way."""
    if Organization.select().where(Organization.slug == data["orgSlug"]).exists():
        raise Conflict("ORG_EXISTS", "An organization with this slug already exists", field="orgSlug")
    if User.select().where(User.email == data["email"]).exists():
        raise Conflict("EMAIL_EXISTS", "An account with this email already exists", field="email")


def register(data, password_hash, tokens):
    """Create the organization, its owner and its default channels. The password was hashed
    beforehand, on the password pool, because scrypt is slow on purpose."""
    check_available(data)
    org = Organization.create(name=data["orgName"], slug=data["orgSlug"], settings={})
    user = User.create(
        org_id=org.id, email=data["email"], password_hash=password_hash, name=data["name"], role="owner"
    )
    for name, description in DEFAULT_CHANNELS:
        channel = Channel.create(org_id=org.id, name=name, description=description, type="public", created_by=user.id)
        ChannelMember.create(channel_id=channel.id, member_id=user.id, member_type="user")
    identity = tokens.identity_of(user)
    activity.record(identity, "org.created", "organization", org.id, {"slug": org.slug})
    result = {"org": org.to_dict(), "user": user.to_dict(), **tokens.pair(user)}
    return result, []


def credentials(email):
    """(user, stored password hash) for a sign-in, (None, None) for an unknown email; the
    hash is checked afterwards, on the password pool."""
    user = User.get_or_none(User.email == email)
    return (user, user.password_hash) if user else (None, None)


def replace_password_hash(user_id, old, new):
    """The same password hashed again (at a new cost); unless it changed meanwhile."""
    User.update(password_hash=new).where((User.id == user_id) & (User.password_hash == old)).execute()
    return None, []


def signed_in(user, tokens):
    """What a successful sign-in answers."""
    return {"user": user.to_dict(), **tokens.pair(user)}


def refresh(data, tokens):
    claims = tokens.decode(data["refreshToken"], "refresh")
    user = User.get_or_none((User.id == claims["sub"]) & (User.org_id == claims["org_id"])) if claims else None
    if user is None:
        raise InvalidToken()
    return {"accessToken": tokens.access(user)}


def register_agent(identity, data):
    require_user(identity, "Only users can register agents")
    key, prefix, key_hash = security.new_api_key()
    agent = Agent.create(
        org_id=identity.org_id, name=data["name"], description=data.get("description", ""),
        capabilities=data.get("capabilities", []), metadata={}, owner_user_id=identity.id,
        key_prefix=prefix, key_hash=key_hash,
    )
    readstate.join_defaults(identity.org_id, agent.id, "agent")  # §9
    activity.record(identity, "agent.registered", "agent", agent.id, {"name": agent.name})
    return {"agent": agent.to_dict(), "apiKey": key}, agents.created(agent)


def me(identity):
    org = Organization.get_by_id(identity.org_id)
    if identity.is_user:
        return {"type": "user", "user": User.get_by_id(identity.id).to_dict(), "org": org.to_dict()}
    agent = Agent.get_or_none(Agent.id == identity.id)
    if agent is None:
        raise Forbidden()
    return {"type": "agent", "agent": agent.to_dict(), "org": org.to_dict()}
