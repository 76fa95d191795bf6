"""Passwords, ahq_ API keys and JWTs. Pure functions: no database, no request."""

import hashlib
import hmac
import secrets
import time

import jwt

API_KEY_PREFIX = "ahq_"
# The lookup prefix is enough characters of the key to find its row by index; the rest of the
# key (the secret part) is only ever compared through its hash.
LOOKUP_CHARS = 12
JWT_ALGORITHM = "HS256"

# scrypt for human passwords. N is the cost (CPU and memory): 2**14 takes about 50 ms on one
# core here and 16 MiB. Each hash records its own N, so a hash made at one cost still verifies
# after the setting changes; r and p are fixed.
DEFAULT_PASSWORD_COST = 2**14
_R, _P, _DKLEN = 8, 1, 32
# Room for a cost up to 2**16 (64 MiB per hash at r=8).
_MAXMEM = 80 << 20


def check_password_cost(cost):
    """The cost, or ValueError naming what is wrong with it (a setting read at start)."""
    if not isinstance(cost, int) or cost < 2 or cost & (cost - 1) or 128 * _R * cost > _MAXMEM:
        raise ValueError(f"password cost must be a power of two from 2 to {_MAXMEM // (128 * _R)}, not {cost!r}")
    return cost


def hash_password(password, cost=DEFAULT_PASSWORD_COST):
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, cost)
    return f"scrypt${cost}${salt.hex()}${digest.hex()}"


def verify_password(password, stored):
    try:
        _, cost, salt, digest = stored.split("$")
        candidate = _scrypt(password, bytes.fromhex(salt), check_password_cost(int(cost)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(candidate.hex(), digest)


def password_cost(stored):
    """The cost a stored hash was made at (None if it is not one of ours)."""
    parts = stored.split("$")
    return int(parts[1]) if len(parts) == 4 and parts[0] == "scrypt" and parts[1].isdigit() else None


def _scrypt(password, salt, cost):
    return hashlib.scrypt(password.encode(), salt=salt, n=cost, r=_R, p=_P, dklen=_DKLEN, maxmem=_MAXMEM)


def new_api_key():
    """Return (key, lookup_prefix, key_hash). The key is shown once and never stored."""
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    return key, key_lookup_prefix(key), hash_api_key(key)


def key_lookup_prefix(key):
    return key[: len(API_KEY_PREFIX) + LOOKUP_CHARS]


def hash_api_key(key):
    # Keys carry 256 random bits, so a fast hash is safe; a slow KDF would only cost us time.
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_matches(key, stored_hash):
    return hmac.compare_digest(hash_api_key(key), stored_hash)


def encode_token(secret, *, subject, org_id, role, token_type, ttl):
    now = int(time.time())
    claims = {"sub": subject, "org_id": org_id, "role": role, "type": token_type, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, secret, algorithm=JWT_ALGORITHM)


def decode_token(secret, token, expected_type):
    """Claims of a valid token of expected_type, else None. The algorithm is pinned: a token
    signed with "none" or any other algorithm is refused."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[JWT_ALGORITHM], options={"require": ["sub", "org_id", "type", "exp", "iat"]}
        )
    except jwt.PyJWTError:
        return None
    if claims.get("type") != expected_type:
        return None
    return claims
