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

# scrypt cost for human passwords: about 50 ms on one core here, run off the event loop.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def hash_password(password):
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, maxmem=64 << 20, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${salt.hex()}${digest.hex()}"


def verify_password(password, stored):
    try:
        _, n, salt, digest = stored.split("$")
        params = dict(_SCRYPT, n=int(n))
        candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), maxmem=64 << 20, **params)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(candidate.hex(), digest)


# A stored hash that no password matches, verified against when the email is unknown so that
# "no such user" and "wrong password" take the same time.
DUMMY_PASSWORD_HASH = hash_password(secrets.token_urlsafe(16))


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
