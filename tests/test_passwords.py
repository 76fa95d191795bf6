"""The password KDF's cost: the real one is the default, every hash records its own, and the
suite's cheap one (tests/conftest.py) is a setting, never a different code path."""

import asyncio

import pytest

from agenthq import security
from agenthq.config import Config
from agenthq.models import User
from agenthq.passwords import Passwords
from tests.support import TEST_PASSWORD_COST

API = "/api/v1"
REAL_COST = 2**14


def test_the_default_is_the_real_cost():
    assert security.DEFAULT_PASSWORD_COST == REAL_COST
    assert Config().password_cost == REAL_COST
    assert Config.from_env({}).password_cost == REAL_COST
    assert Config.from_env({"AGENTHQ_PASSWORD_COST": "32"}).password_cost == 32
    assert security.hash_password("x").startswith(f"scrypt${REAL_COST}$")


def test_a_hash_verifies_whatever_the_cost_is_now():
    cheap, real = security.hash_password("pw-1", TEST_PASSWORD_COST), security.hash_password("pw-1")
    assert security.password_cost(cheap) == TEST_PASSWORD_COST and security.password_cost(real) == REAL_COST
    assert security.verify_password("pw-1", cheap) and security.verify_password("pw-1", real)
    assert not security.verify_password("pw-2", cheap)
    passwords = Passwords(cost=REAL_COST)
    try:
        assert asyncio.run(passwords.verify("pw-1", cheap))
        assert not asyncio.run(passwords.verify("pw-1", None))  # an unknown account never matches
    finally:
        passwords.close()


@pytest.mark.parametrize("cost", [0, 1, 3, 1000, 2**20, "16"])
def test_a_cost_that_is_not_a_power_of_two_in_range_is_refused_at_start(cost):
    with pytest.raises(ValueError, match="power of two"):
        Passwords(cost=cost)


@pytest.mark.parametrize("stored", ["scrypt$1024$zz$00", "scrypt$3$00$00", "scrypt$1048576$00$00", "bcrypt$x", ""])
def test_a_malformed_or_absurd_stored_hash_never_matches(stored):
    assert not security.verify_password("anything", stored)


@pytest.mark.gen_test
@pytest.mark.parametrize("config_overrides", [{"password_cost": REAL_COST}])
async def test_a_hub_at_another_cost_signs_in_old_hashes_and_makes_new_ones_at_its_own(api, config_overrides):
    org = await api.register(password="new-password")  # hashed by this hub, at the real cost
    assert security.password_cost(User.get_by_id(org.owner["id"]).password_hash) == REAL_COST
    await api.ok("POST", f"{API}/auth/login", {"email": org.owner["email"], "password": "new-password"})
    user, _ = await org.user()  # written at the suite's cost, then signed in through this hub
    # Signing in remade it at the hub's cost (the password was known then), and it still works.
    assert security.password_cost(User.get_by_id(user["id"]).password_hash) == REAL_COST
    await api.ok("POST", f"{API}/auth/login", {"email": user["email"], "password": "member-pass"})
