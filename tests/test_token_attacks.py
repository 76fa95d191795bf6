"""Token attacks beyond tests/test_tokens.py: HS/RS algorithm confusion, keys smuggled in the
header (jwk, jku, x5u, kid), the same refusals on /ws, and the constant-time comparisons.

`cryptography` is installed here on purpose: with it PyJWT *can* verify RS256 and ES256, so
these tests show that the pinned algorithm list, not a missing library, refuses them."""

import base64
import hashlib
import hmac
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import RSAAlgorithm

from agenthq import security

API = "/api/v1"


def b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def claims_of(token):
    return jwt.decode(token, options={"verify_signature": False})


async def refused(api, token):
    await api.error("GET", f"{API}/auth/me", token=token, code="INVALID_TOKEN", status=401)


@pytest.fixture(scope="module")
def attacker_rsa():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def hs256(header, claims, secret):
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


@pytest.mark.gen_test
async def test_rs256_and_es256_tokens_are_refused_even_when_validly_signed(api, attacker_rsa):
    org = await api.register()
    claims = claims_of(org.token)
    pem = attacker_rsa.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())
    public_jwk = json.loads(RSAAlgorithm.to_jwk(attacker_rsa.public_key()))
    # A genuine RS256 signature, and the key to check it handed over in the header itself.
    for headers in (None, {"jwk": public_jwk}, {"jku": "https://evil.test/jwks.json"},
                    {"x5u": "https://evil.test/cert.pem"}, {"kid": "../../../dev/null"}):
        token = jwt.encode(claims, pem, algorithm="RS256", headers=headers)
        assert jwt.decode(token, attacker_rsa.public_key(), algorithms=["RS256"])["sub"] == org.owner["id"]
        await refused(api, token)
    for algorithm in ("RS512", "PS256"):
        await refused(api, jwt.encode(claims, pem, algorithm=algorithm))
    es_key = ec.generate_private_key(ec.SECP256R1())
    await refused(api, jwt.encode(claims, es_key, algorithm="ES256"))


@pytest.mark.gen_test
async def test_hs_rs_confusion_is_refused(api, hub, attacker_rsa):
    """The classic confusion: sign HS256 with a public key as the HMAC secret, hoping the
    server verifies with "its key" whatever alg says; or say RS256 and sign with HMAC."""
    org = await api.register()
    claims = claims_of(org.token)
    public_pem = attacker_rsa.public_key().public_bytes(serialization.Encoding.PEM,
                                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    public_jwk = json.loads(RSAAlgorithm.to_jwk(attacker_rsa.public_key()))
    await refused(api, hs256({"alg": "HS256", "typ": "JWT", "jwk": public_jwk}, claims, public_pem))
    await refused(api, hs256({"alg": "HS256", "typ": "JWT"}, claims, public_pem))
    # HMAC made with the hub's real secret, but the header claims RS256: the alg is checked,
    # not just the signature.
    secret = hub.tokens.secret.encode()
    await refused(api, hs256({"alg": "RS256", "typ": "JWT"}, claims, secret))
    await refused(api, hs256({"alg": "hs256", "typ": "JWT"}, claims, secret))
    # A kid or jku beside a correct HS256 signature changes nothing (and is never followed).
    ok = hs256({"alg": "HS256", "typ": "JWT", "kid": "../../../../dev/null", "jku": "https://evil.test/"},
               claims, secret)
    assert (await api.ok("GET", f"{API}/auth/me", token=ok))["user"]["id"] == org.owner["id"]


@pytest.mark.gen_test
async def test_the_socket_refuses_the_same_tokens(api, ws_connect, attacker_rsa):
    org = await api.register()
    claims = claims_of(org.token)
    pem = attacker_rsa.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())
    unsigned = f"{b64(json.dumps({'alg': 'none'}).encode())}.{b64(json.dumps(claims).encode())}."
    for token in (jwt.encode(claims, pem, algorithm="RS256"), unsigned, org.refresh_token):
        ws = await ws_connect(token=token)
        error = await ws.expect("error")
        assert error["code"] == "UNAUTHORIZED"
        assert (await ws.closed())[0] == 4001
        # The same over the first-message form.
        ws = await ws_connect()
        await ws.send({"type": "auth", "token": token})
        assert (await ws.expect("error"))["code"] == "UNAUTHORIZED" and (await ws.closed())[0] == 4001


@pytest.mark.gen_test
async def test_secret_comparisons_go_through_compare_digest(api, monkeypatch):
    """Timing cannot be asserted reliably; what can be is that every comparison of a secret
    is hmac.compare_digest (constant time), for keys, passwords and unknown emails alike."""
    compared = []
    real = hmac.compare_digest

    def spy(a, b):
        compared.append((type(a).__name__, len(a)))
        return real(a, b)

    monkeypatch.setattr(security.hmac, "compare_digest", spy)
    org = await api.register(password="right-password")
    _, key = await org.agent()
    compared.clear()
    await api.error("GET", f"{API}/auth/me", token=key[:-2] + "xx", code="INVALID_API_KEY")
    assert compared, "an API key with the right prefix was compared without compare_digest"
    for email, password in ((org.owner["email"], "wrong-password"), ("nobody@nowhere.test", "any-password")):
        compared.clear()
        await api.error("POST", f"{API}/auth/login", {"email": email, "password": password},
                        code="INVALID_CREDENTIALS")
        assert compared, f"login for {email} compared without compare_digest"
