"""Sign-up and sign-in as the API and the web page both run them: the cheap checks and limits
first, then the password's slow hash on its own pool (agenthq/passwords.py), then the write or
the tokens. Never a database thread or the event loop for scrypt."""

from . import security
from .errors import InvalidCredentials, Unavailable
from .services import accounts, invites


async def sign_up(settings, data, address):
    """settings: the Application's (hub, passwords, rate_limits)."""
    hub, passwords, limits = settings["hub"], settings["passwords"], settings["rate_limits"]
    await limits.check_registration(address)
    await hub.read(accounts.check_available, data)
    password_hash = await passwords.hash(data["password"])
    return await hub.write(accounts.register, data, password_hash, hub.tokens)


async def redeem_user_invite(settings, data):
    """POST /auth/invites/redeem-user and the /invite/<token> page (each spends the address's
    invite budget first): the cheap checks, then the hash off the loop, then the one write
    that decides the winner."""
    hub, passwords = settings["hub"], settings["passwords"]
    await hub.read(invites.check_user_invite, data)
    password_hash = await passwords.hash(data["password"])
    return await hub.write(invites.redeem_user, data, password_hash, hub.tokens)


async def sign_in(settings, data, address):
    hub, passwords, limits = settings["hub"], settings["passwords"], settings["rate_limits"]

    async def attempt():
        user, stored = await hub.read(accounts.credentials, data["email"])
        if not await passwords.verify(data["password"], stored):
            raise InvalidCredentials()
        if security.password_cost(stored) != passwords.cost:
            await _upgrade(hub, passwords, user, stored, data["password"])
        return accounts.signed_in(user, hub.tokens)

    return await limits.login(data["email"], address, attempt)


async def _upgrade(hub, passwords, user, stored, password):
    """A hash made at another cost is remade at the current one the first time its password
    is known again (OWASP's advice), so raising the cost reaches every active account. Best
    effort: a busy password pool or database leaves the old hash, which still verifies."""
    try:
        await hub.write(accounts.replace_password_hash, user.id, stored, await passwords.hash(password))
    except Unavailable:
        pass
