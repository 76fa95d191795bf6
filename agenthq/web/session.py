"""The page session: a signed, httpOnly, SameSite cookie that names the signed-in user.

The cookie never holds a token the API accepts; the page's JavaScript trades it (with an
XSRF token) for a short-lived access token at POST /ui/token."""

import hashlib
import hmac
import json
import time

COOKIE = "ahq_session"


def cookie_secret(signing_secret):
    """Derived from the hub's JWT secret, so sessions survive a restart like tokens do, but
    never equal to it: a leak of one key must not forge the other kind of credential."""
    return hmac.new(signing_secret.encode(), b"agenthq/web-session-cookie/v1", hashlib.sha256).hexdigest()


def start(handler, user_id, org_id, lifetime):
    value = json.dumps({"uid": user_id, "org": org_id, "iat": int(time.time())}, separators=(",", ":"))
    handler.set_signed_cookie(
        COOKIE,
        value,
        expires_days=lifetime / 86400,
        path="/",
        httponly=True,  # script (even injected script) cannot read it
        samesite="Lax",  # sent on top-level navigation only; form posts carry an XSRF token too
        secure=handler.request.protocol == "https",
    )


def read(handler, lifetime):
    """(user_id, org_id) of a valid, unexpired session, else None."""
    raw = handler.get_signed_cookie(COOKIE, max_age_days=lifetime / 86400 + 1)
    if not raw:
        return None
    try:
        data = json.loads(raw)
        user_id, org_id, issued = str(data["uid"]), str(data["org"]), int(data["iat"])
    except (ValueError, KeyError, TypeError):
        return None
    if issued + lifetime < time.time():
        return None
    return user_id, org_id


def end(handler):
    handler.clear_cookie(COOKIE, path="/")
