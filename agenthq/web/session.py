"""The page session: a random id in an httpOnly, SameSite cookie, and a row on the server
(stored as the id's SHA-256, like API keys) that names the signed-in user until it expires or
the user signs out. Signing out deletes the row, so a copied cookie stops working too.

The cookie never holds a token the API accepts; the page's JavaScript trades it (with an
XSRF token) for a short-lived access token at POST /ui/token."""

import hashlib
import re
import secrets

from ..clock import iso_ago, now_iso
from ..models import PageSession

COOKIE = "ahq_session"
_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)


def _hash(value):
    return hashlib.sha256(value.encode()).hexdigest()


async def start(handler, user_id, org_id, lifetime):
    value = secrets.token_urlsafe(32)
    await handler.hub.write(create, _hash(value), user_id, org_id, lifetime)
    handler.set_cookie(
        COOKIE,
        value,
        expires_days=lifetime / 86400,
        path="/",
        httponly=True,  # script (even injected script) cannot read it
        samesite="Lax",  # sent on top-level navigation only; form posts carry an XSRF token too
        secure=handler.request.protocol == "https",
    )


def read(handler):
    """The stored form (hash) of the request's session id, or None. The row is looked up by
    the caller, on a database thread."""
    value = handler.get_cookie(COOKIE)
    return _hash(value) if value and _SHAPE.match(value) else None


async def end(handler, session_hash):
    if session_hash:
        await handler.hub.write(revoke, session_hash)
    handler.clear_cookie(COOKIE, path="/")


# Database work (run by hub.write: it returns (result, events) like a service).

def create(session_hash, user_id, org_id, lifetime):
    now = now_iso()
    # Sessions nobody signed out of would pile up: each sign-in sweeps the expired ones.
    PageSession.delete().where(PageSession.expires_at < now).execute()
    PageSession.create(id=session_hash, user_id=user_id, org_id=org_id, created_at=now,
                       expires_at=iso_ago(-lifetime))
    return None, []


def revoke(session_hash):
    PageSession.delete().where(PageSession.id == session_hash).execute()
    return None, []
