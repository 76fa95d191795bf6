"""Invites (§13): an owner or admin makes a one-use URL; an agent or a person redeems it and
joins the organization. Tokens are stored only as their SHA-256; redemption is a conditional
UPDATE on the single writer, so of any number of concurrent redemptions exactly one wins."""

import hashlib
import secrets
import string

from .. import security
from ..auth import Identity
from ..clock import iso_ago, now_iso
from ..errors import Conflict, Gone, InvalidInviteType, NotFound, ValidationError
from ..models import Agent, Channel, ChannelMember, Invite, Organization, User
from . import activity, agents
from .accounts import DEFAULT_CHANNELS
from .common import paginate, require_admin

TTL_SECONDS = 7 * 24 * 3600
_ALPHABET = string.ascii_letters + string.digits


def new_token():
    """AHQ- + 10 + - + 12 alphanumerics (~131 bits): the original SDK's parseInviteUrl and Go
    CLI's parseInviteArg (AHQ-[A-Za-z0-9]+-[A-Za-z0-9]+) accept every one."""
    pick = lambda n: "".join(secrets.choice(_ALPHABET) for _ in range(n))  # noqa: E731
    return f"AHQ-{pick(10)}-{pick(12)}"


def token_hash(token):
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def invite_url(public_url, token):
    return f"{public_url.rstrip('/')}/invite/{token}"


def create(identity, invite_type, data, public_url):
    require_admin(identity)
    email, role = None, None
    if invite_type == "user":
        email, role = data["email"], data.get("role") or "member"
        if User.select().where(User.email == email).exists():
            raise Conflict("EMAIL_EXISTS", "An account with this email already exists", field="email")
        pending = Invite.select().where(
            (Invite.org_id == identity.org_id) & (Invite.email == email) & (Invite.status == "pending")
            & (Invite.expires_at > now_iso())
        )
        if pending.exists():
            raise Conflict("PENDING_INVITE_EXISTS", "A pending invite for this email exists", field="email")
    token = new_token()
    invite = Invite.create(
        org_id=identity.org_id, token_hash=token_hash(token), invite_type=invite_type, email=email, role=role,
        created_by=identity.id, expires_at=iso_ago(-TTL_SECONDS),
    )
    activity.record(identity, "invite.created", "invite", invite.id, {"invite_type": invite_type})
    return {"invite": invite.to_dict(), "token": token, "url": invite_url(public_url, token)}, []


def list_invites(identity, query):
    require_admin(identity)
    rows = Invite.select().where(Invite.org_id == identity.org_id)
    if query.get("type"):
        rows = rows.where(Invite.invite_type == query["type"])
    now = now_iso()
    status = query.get("status")
    if status == "expired":
        rows = rows.where((Invite.status == "expired") | ((Invite.status == "pending") & (Invite.expires_at <= now)))
    elif status == "pending":
        rows = rows.where((Invite.status == "pending") & (Invite.expires_at > now))
    elif status:
        rows = rows.where(Invite.status == status)
    return paginate(rows.order_by(Invite.id.desc()), query["page"], query["limit"], lambda row: row.to_dict(now))


def revoke(identity, invite_id):
    require_admin(identity)
    invite = Invite.get_or_none((Invite.id == invite_id) & (Invite.org_id == identity.org_id))
    if invite is None:
        raise NotFound("invite")
    now = now_iso()
    changed = Invite.update(status="revoked", updated_at=now).where(
        (Invite.id == invite.id) & (Invite.status == "pending") & (Invite.expires_at > now)
    ).execute()
    if not changed:
        raise Conflict("INVALID_STATUS", f"Only a pending invite can be revoked (this one is {invite.to_dict()['status']})")
    activity.record(identity, "invite.revoked", "invite", invite.id)
    return Invite.get_by_id(invite.id).to_dict(), []


def _find(token):
    invite = Invite.get_or_none(Invite.token_hash == token_hash(token)) if isinstance(token, str) else None
    if invite is None:
        raise NotFound("invite")
    return invite


def describe(token):
    """What GET /auth/invites/:token shows a visitor: enough to decide, nothing of the inviter."""
    invite = _find(token)
    data = invite.to_dict()
    org = Organization.get_by_id(invite.org_id)
    return {
        "invite": {
            "id": invite.id, "invite_type": invite.invite_type, "email": invite.email, "role": invite.role,
            "status": data["status"], "expires_at": invite.expires_at, "org_name": org.name,
        }
    }


def _usable(token, invite_type):
    invite = _find(token)
    status = invite.to_dict()["status"]
    if status == "redeemed":
        raise Conflict("TOKEN_ALREADY_USED", "This invite has already been used")
    if status == "revoked":
        raise Gone("TOKEN_REVOKED", "This invite has been revoked")
    if status == "expired":
        raise Gone("TOKEN_EXPIRED", "This invite has expired")
    if invite.invite_type != invite_type:
        raise InvalidInviteType(f"This is an invite for {'an agent' if invite.invite_type == 'agent' else 'a person'}")
    return invite


def _claim(invite, now, **redeemed_by):
    """The one conditional write that decides the winner: only a still-pending, unexpired row
    changes, so a second redemption (however concurrent) changes nothing and loses."""
    changed = Invite.update(status="redeemed", redeemed_at=now, updated_at=now, **redeemed_by).where(
        (Invite.id == invite.id) & (Invite.status == "pending") & (Invite.expires_at > now)
    ).execute()
    if not changed:
        raise Conflict("TOKEN_ALREADY_USED", "This invite has already been used")


def _join_default_channels(org_id, member_id, member_type):
    names = [name for name, _ in DEFAULT_CHANNELS]
    for channel in Channel.select().where((Channel.org_id == org_id) & Channel.name.in_(names) & (Channel.type == "public")):
        ChannelMember.insert(channel_id=channel.id, member_id=member_id, member_type=member_type).on_conflict_ignore().execute()


def redeem_agent(data):
    invite = _usable(data["token"], "agent")
    now = now_iso()
    key, prefix, key_hash = security.new_api_key()
    agent = Agent.create(
        org_id=invite.org_id, name=data["agentName"], description=data.get("description", ""),
        capabilities=data.get("capabilities", []), metadata={}, owner_user_id=invite.created_by,
        key_prefix=prefix, key_hash=key_hash,
    )
    # The write thread runs this whole function in one transaction: a lost claim rolls the
    # agent back with it.
    _claim(invite, now, redeemed_by_agent_id=agent.id)
    _join_default_channels(invite.org_id, agent.id, "agent")
    identity = Identity("agent", agent.id, invite.org_id, "member")
    activity.record(identity, "invite.redeemed", "invite", invite.id, {"invite_type": "agent"})
    return {"agent": agent.to_dict(), "apiKey": key, "orgId": invite.org_id}, agents.created(agent)


def check_user_invite(data):
    """The cheap checks before the password is hashed (the write checks again)."""
    invite = _usable(data["token"], "user")
    if User.select().where(User.email == invite.email).exists():
        raise Conflict("EMAIL_EXISTS", "An account with this email already exists", field="email")


def redeem_user(data, password_hash, tokens):
    invite = _usable(data["token"], "user")
    if User.select().where(User.email == invite.email).exists():
        raise Conflict("EMAIL_EXISTS", "An account with this email already exists", field="email")
    now = now_iso()
    user = User.create(
        org_id=invite.org_id, email=invite.email, password_hash=password_hash, name=data["name"],
        role=invite.role or "member",
    )
    _claim(invite, now, redeemed_by_user_id=user.id)
    _join_default_channels(invite.org_id, user.id, "user")
    activity.record(tokens.identity_of(user), "invite.redeemed", "invite", invite.id, {"invite_type": "user"})
    org = Organization.get_by_id(invite.org_id)
    return {"user": user.to_dict(), "org": org.to_dict(), **tokens.pair(user)}, []


def check_role(role):
    if role not in (None, "member", "admin"):
        raise ValidationError("role", "role must be member or admin")
