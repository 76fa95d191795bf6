"""Brute force and floods: failed sign-ins are limited per (address, account), per address and
per account (sparing addresses the account signed in from before), REST requests per identity;
each refusal is a 429 RATE_LIMITED with Retry-After."""

import asyncio

import pytest
import redis.asyncio as aioredis

from agenthq.ratelimit import KnownAddresses, MemoryBuckets
from agenthq.redis_buckets import RedisBuckets
from tests.support import post_from


@pytest.fixture
def config_overrides():
    return {"login_account_failures": 3, "login_address_failures": 5, "login_account_total_failures": 6,
            "login_window": 600, "rest_rate": 0.01, "rest_burst": 15}  # no refill within a slow test


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def run(coroutine):
    return asyncio.run(coroutine)


def test_bucket_refills_at_its_rate_and_says_how_long_to_wait():
    clock = FakeClock()
    buckets = MemoryBuckets(rate=2, burst=3, clock=clock)
    assert [run(buckets.take("k")) for _ in range(3)] == [0, 0, 0]
    assert run(buckets.take("k")) == pytest.approx(0.5)
    assert run(buckets.take("other")) == 0  # keys are independent
    clock.now += 0.5
    assert run(buckets.take("k")) == 0
    assert run(buckets.peek("k")) == pytest.approx(0.5)


def test_spend_counts_a_failure_even_past_the_limit_and_reset_forgives():
    clock = FakeClock()
    buckets = MemoryBuckets(rate=0.1, burst=2, clock=clock)
    for _ in range(4):
        run(buckets.spend("k"))
    assert run(buckets.peek("k")) == pytest.approx(30)  # two tokens of debt, one more to use
    run(buckets.reset("k"))
    assert run(buckets.peek("k")) == 0


def test_zero_rate_means_no_limit():
    buckets = MemoryBuckets(rate=0, burst=0)
    assert all(run(buckets.take("k")) == 0 for _ in range(1000))


def test_table_stays_bounded_under_many_keys():
    """An attacker cycling through addresses or emails must not grow memory for ever."""
    clock = FakeClock()
    buckets = MemoryBuckets(rate=1, burst=5, max_keys=100, clock=clock)
    for i in range(1000):
        run(buckets.spend(f"key-{i}"))
    assert len(buckets) <= 100
    # The most recent keys are kept (still limited), the oldest forgotten.
    assert run(buckets.peek("key-999", cost=5)) > 0
    clock.now += 10  # everything refilled: a sweep drops all of them
    for i in range(101):
        run(buckets.spend(f"new-{i}"))
    assert len(buckets) <= 100 and all(not k.startswith("key-") for k in buckets._buckets)


async def _login(api, email, password, **kw):
    return await api.call("POST", "/api/v1/auth/login", {"email": email, "password": password}, **kw)


@pytest.mark.gen_test
async def test_failed_logins_per_address_and_account_get_429_with_retry_after(api, http_client, base_url):
    org = await api.register(password="right-password")
    email = org.owner["email"]
    for _ in range(3):
        await api.error("POST", "/api/v1/auth/login", {"email": email, "password": "wrong-guess"},
                        code="INVALID_CREDENTIALS", status=401)
    # The fourth attempt from this address is refused before the password is even checked:
    # the right one too.
    response = await http_client.fetch(
        base_url + "/api/v1/auth/login", method="POST", raise_error=False,
        body='{"email": "%s", "password": "right-password"}' % email,
    )
    assert response.code == 429
    assert int(response.headers["Retry-After"]) >= 1
    # 3 failures per 600 s: one more is allowed after 200 s.
    assert 150 <= int(response.headers["Retry-After"]) <= 201
    await api.error("POST", "/api/v1/auth/login", {"email": email.upper(), "password": "x"},
                    code="RATE_LIMITED", status=429)
    # Another account from the same address is still fine (the address limit is 5).
    other = await api.register(password="other-password")
    await api.ok("POST", "/api/v1/auth/login", {"email": other.owner["email"], "password": "other-password"})


@pytest.mark.gen_test
async def test_success_clears_the_account_count(api):
    org = await api.register(password="right-password")
    email = org.owner["email"]
    for _ in range(2):
        await api.error("POST", "/api/v1/auth/login", {"email": email, "password": "nope-nope"}, status=401)
    await api.ok("POST", "/api/v1/auth/login", {"email": email, "password": "right-password"})
    for _ in range(2):
        await api.error("POST", "/api/v1/auth/login", {"email": email, "password": "nope-nope"}, status=401)
    await api.ok("POST", "/api/v1/auth/login", {"email": email, "password": "right-password"})


@pytest.mark.gen_test
async def test_failed_logins_per_address_across_accounts(api):
    """Guessing one password against many accounts (spraying) is limited by address."""
    org = await api.register(password="right-password")
    for i in range(5):
        await api.error("POST", "/api/v1/auth/login", {"email": f"nobody{i}@example.test", "password": "guess-1"},
                        code="INVALID_CREDENTIALS")
    await api.error("POST", "/api/v1/auth/login", {"email": "nobody-else@example.test", "password": "guess-1"},
                    code="RATE_LIMITED", status=429)
    # A success does not clear an address: even the right password waits now.
    await api.error("POST", "/api/v1/auth/login", {"email": org.owner["email"], "password": "right-password"},
                    code="RATE_LIMITED", status=429)


@pytest.mark.gen_test
async def test_rest_requests_are_limited_per_identity(api, http_client, base_url):
    org = await api.register()
    _, key = await org.agent("busy")  # 1 request of the owner's 15
    for _ in range(14):
        await api.ok("GET", "/api/v1/auth/me", token=org.token)
    response = await http_client.fetch(base_url + "/api/v1/auth/me", raise_error=False,
                                       headers={"Authorization": f"Bearer {org.token}"})
    assert response.code == 429 and int(response.headers["Retry-After"]) >= 1
    await api.error("GET", "/api/v1/channels", token=org.token, code="RATE_LIMITED", status=429)
    # Another identity of the same org has its own budget.
    await api.ok("GET", "/api/v1/auth/me", token=key)
    # No auth, no identity: health is never limited.
    assert (await api.call("GET", "/health"))[0] == 200


async def _login_from(address, http_client, http_port, email, password):
    code, body, headers = await post_from(address, http_client, http_port, "/api/v1/auth/login",
                                          {"email": email, "password": password})
    return code, body, headers


@pytest.mark.gen_test
async def test_a_guesser_is_limited_and_the_owner_still_signs_in(api, http_client, http_port):
    """OWASP: lockout must not lock the owner out. The guesser's address is limited for this
    account; the owner, from elsewhere, signs in, known-good address or not."""
    org = await api.register(password="right-password")
    email = org.owner["email"]
    assert (await _login_from("127.0.0.1", http_client, http_port, email, "right-password"))[0] == 200
    for _ in range(3):
        code, body, _ = await _login_from("127.0.0.2", http_client, http_port, email, "wrong-guess")
        assert code == 401 and body["error"]["code"] == "INVALID_CREDENTIALS"
    code, body, headers = await _login_from("127.0.0.2", http_client, http_port, email, "right-password")
    assert code == 429 and body["error"]["code"] == "RATE_LIMITED" and int(headers["Retry-After"]) >= 150
    # The owner from the address they signed in from before; and from a new one.
    assert (await _login_from("127.0.0.1", http_client, http_port, email, "right-password"))[0] == 200
    assert (await _login_from("127.0.0.3", http_client, http_port, email, "right-password"))[0] == 200
    # The guesser's address is still limited for this account, and only for it.
    assert (await _login_from("127.0.0.2", http_client, http_port, email, "right-password"))[0] == 429
    other = await api.register(password="other-password")
    assert (await _login_from("127.0.0.2", http_client, http_port, other.owner["email"], "other-password"))[0] == 200


@pytest.mark.gen_test
async def test_guessing_from_many_addresses_spares_known_good_ones(api, http_client, http_port):
    """Six failures from three addresses reach the account's limit: new addresses must wait,
    even with the right password; the address the owner signed in from before goes on."""
    org = await api.register(password="right-password")
    email = org.owner["email"]
    assert (await _login_from("127.0.0.1", http_client, http_port, email, "right-password"))[0] == 200
    for address in ("127.0.0.2", "127.0.0.3", "127.0.0.4"):
        for _ in range(2):
            assert (await _login_from(address, http_client, http_port, email, "wrong-guess"))[0] == 401
    code, _, headers = await _login_from("127.0.0.5", http_client, http_port, email, "right-password")
    assert code == 429 and int(headers["Retry-After"]) >= 1
    assert (await _login_from("127.0.0.1", http_client, http_port, email, "right-password"))[0] == 200
    # Known-good is per account: that address is new to another account under attack.
    other = await api.register(password="other-password")
    for address in ("127.0.0.2", "127.0.0.3", "127.0.0.4"):
        for _ in range(2):
            assert (await _login_from(address, http_client, http_port, other.owner["email"], "bad"))[0] == 401
    assert (await _login_from("127.0.0.1", http_client, http_port, other.owner["email"], "other-password"))[0] == 429


@pytest.mark.gen_test
async def test_known_addresses_are_shared_between_processes_through_redis(redis_server):
    """Known-good addresses live in the limiter's bucket table, so with Redis an address the
    owner signed in from through one process is known to the others."""
    one, two = aioredis.from_url(redis_server.url), aioredis.from_url(redis_server.url)
    try:
        first = KnownAddresses(RedisBuckets.factory(one), ttl=3600)
        second = KnownAddresses(RedisBuckets.factory(two), ttl=3600)
        key = "known:owner@known.test:10.0.0.7"
        assert not await second.knows(key)
        await first.remember(key)
        await first.remember(key)  # remembering again renews, never stacks
        assert await second.knows(key)
        assert 3500 < await one.pttl("agenthq:bucket:" + key) / 1000 <= 3601
        assert not await second.knows("known:owner@known.test:10.0.0.8")
    finally:
        await one.aclose()
        await two.aclose()


def test_known_addresses_are_forgotten_after_their_ttl():
    clock = FakeClock()
    known = KnownAddresses(lambda rate, burst: MemoryBuckets(rate, burst, clock=clock), ttl=100)
    run(known.remember("k"))
    clock.now += 99
    assert run(known.knows("k"))
    clock.now += 2
    assert not run(known.knows("k"))
