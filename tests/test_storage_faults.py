"""Disk full and read-only database: writes are refused with 503 UNAVAILABLE, reads keep
working, the hub stays up, and writes work again once the condition is gone.

The first test makes the condition real: the hub runs in its own process and its file size
limit (RLIMIT_FSIZE, set from outside with prlimit) drops to 0, so every write() SQLite makes
fails in the kernel as on a full disk. The other two use SQLite's own switches on the writer
connection (query_only, max_page_count), which give SQLite's read-only and disk-full errors
exactly; chmod cannot, since the tests run as root and the file is already open."""

import resource

import pytest

from agenthq.models import database
from tests.support import HubProcess, rest_call


def test_disk_full_in_a_real_process_refuses_writes_keeps_reads_and_recovers(tmp_path):
    with HubProcess(tmp_path / "full.db") as hub:
        url = hub.url
        status, data = rest_call(url, "POST", "/api/v1/auth/register", {
            "orgName": "Full", "orgSlug": "full", "email": "owner@full.test", "password": "full-password",
            "name": "Owner"})
        token = data["data"]["accessToken"]
        general = next(c["id"] for c in rest_call(url, "GET", "/api/v1/channels", token=token)[1]["data"]
                       if c["name"] == "general")
        for i in range(3):
            assert rest_call(url, "POST", "/api/v1/posts", {"channel_id": general, "content": f"before {i}"}, token)[0] == 201

        # No file of the hub may grow past 0 bytes now: every write SQLite makes fails.
        resource.prlimit(hub.process.pid, resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))
        try:
            for body in ({"channel_id": general, "content": "x" * 5000}, {"channel_id": general, "content": "y"}):
                status, answer = rest_call(url, "POST", "/api/v1/posts", body, token)
                assert (status, answer["error"]["code"]) == (503, "UNAVAILABLE"), answer
                assert "Traceback" not in answer["error"]["message"]
            status, answer = rest_call(url, "PATCH", "/api/v1/org", {"name": "Renamed"}, token)
            assert (status, answer["error"]["code"]) == (503, "UNAVAILABLE")
            # Reads, sign-in (a read) and health keep working.
            status, listed = rest_call(url, "GET", f"/api/v1/posts?channel_id={general}", token=token)
            assert status == 200 and [p["content"] for p in listed["data"]] == ["before 2", "before 1", "before 0"]
            status, _ = rest_call(url, "POST", "/api/v1/auth/login", {"email": "owner@full.test",
                                                                  "password": "full-password"})
            assert status == 200
            assert rest_call(url, "GET", "/health")[0] == 200
        finally:
            resource.prlimit(hub.process.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))

        assert hub.process.poll() is None  # still serving
        assert rest_call(url, "POST", "/api/v1/posts", {"channel_id": general, "content": "after"}, token)[0] == 201
        status, listed = rest_call(url, "GET", f"/api/v1/posts?channel_id={general}", token=token)
        assert [p["content"] for p in listed["data"]] == ["after", "before 2", "before 1", "before 0"]
        assert rest_call(url, "GET", "/api/v1/org", token=token)[1]["data"]["name"] == "Full"


async def _pragma(hub, statement):
    """Run a PRAGMA on the writer thread's own connection."""
    return await hub.storage.write(lambda: database.execute_sql(statement).fetchall())


@pytest.mark.gen_test
async def test_read_only_database_gives_503_on_writes_and_recovers(hub, api):
    org = await api.register()
    general = await org.channel_id()
    await org.post("kept")
    await _pragma(hub, "PRAGMA query_only = ON")  # "attempt to write a readonly database"
    await api.error("POST", "/api/v1/posts", {"channel_id": general, "content": "lost"}, token=org.token,
                    code="UNAVAILABLE", status=503)
    await api.error("POST", "/api/v1/channels", {"name": "new-one"}, token=org.token, code="UNAVAILABLE", status=503)
    await api.error("POST", "/api/v1/auth/register", {"orgName": "B", "orgSlug": "b-org", "email": "b@b.test",
                                                      "password": "b-password", "name": "B"},
                    code="UNAVAILABLE", status=503)
    listed = await api.ok("GET", f"/api/v1/posts?channel_id={general}", token=org.token)
    assert [p["content"] for p in listed] == ["kept"]
    assert (await api.ok("GET", "/api/v1/auth/me", token=org.token))["user"]["id"] == org.owner["id"]
    await _pragma(hub, "PRAGMA query_only = OFF")
    await org.post("written")
    assert len(await api.ok("GET", f"/api/v1/posts?channel_id={general}", token=org.token)) == 2


@pytest.mark.gen_test
async def test_full_database_gives_503_on_writes_and_recovers(hub, api):
    org = await api.register()
    general = await org.channel_id()
    await org.post("kept")
    pages = (await _pragma(hub, "PRAGMA page_count"))[0][0]
    default_max = (await _pragma(hub, "PRAGMA max_page_count"))[0][0]
    await _pragma(hub, f"PRAGMA max_page_count = {pages}")  # "database or disk is full"
    for _ in range(2):
        await api.error("POST", "/api/v1/posts", {"channel_id": general, "content": "z" * 20000},
                        token=org.token, code="UNAVAILABLE", status=503)
    assert [p["content"] for p in await api.ok("GET", "/api/v1/posts", token=org.token)] == ["kept"]
    await _pragma(hub, f"PRAGMA max_page_count = {default_max}")
    await org.post("z" * 20000)
    assert len(await api.ok("GET", "/api/v1/posts", token=org.token)) == 2
