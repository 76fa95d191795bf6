"""Issue 11, findings 2 and 3, as an attacker plays them: half-sent requests, idle keep-alive,
big bodies on page routes, many unauthenticated connections from one address, and a flood of
1 MiB JSON bodies while /health is asked. Each test fails on a hub without the limits (it
waits for ever, or answers too late) and passes with them. Raw sockets, because an HTTP
client would finish the requests the attacker leaves half-sent."""

import json
import os
import resource
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from tornado.iostream import IOStream

from tests.support import ROOT, SERVING, HubProcess

API = "/api/v1"


async def raw(port):
    stream = IOStream(socket.socket())
    await stream.connect(("127.0.0.1", port))
    return stream


async def response(stream):
    """One HTTP response from a raw stream: (status, headers text, body bytes)."""
    head = (await stream.read_until(b"\r\n\r\n")).decode()
    length = int(next(line.split(":", 1)[1] for line in head.split("\r\n") if line.lower().startswith("content-length")))
    body = await stream.read_bytes(length) if length else b""
    return int(head.split(" ", 2)[1]), head, body


async def get(stream, path, token=None):
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    await stream.write(f"GET {path} HTTP/1.1\r\nHost: hub\r\n{auth}\r\n".encode())
    return await response(stream)


@pytest.fixture
def config_overrides():
    # Small limits so that each attack meets them within the test's time; the defaults are in
    # agenthq/config.py and docs/security.md.
    return {"header_timeout": 0.5, "body_timeout": 0.5, "idle_timeout": 0.5, "max_unauthenticated": 3}


@pytest.mark.gen_test
async def test_half_sent_headers_are_closed(http_server, http_port):
    stream = await raw(http_port)
    await stream.write(b"GET /health HTTP/1.1\r\nHost: hub\r\nX-Slow: ")
    # The server hangs up without an answer; without a header timeout this waits for ever.
    assert await stream.read_until_close() == b""


@pytest.mark.gen_test
async def test_half_sent_body_is_closed(http_server, http_port):
    stream = await raw(http_port)
    await stream.write(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"
                       b"Content-Length: 100\r\n\r\n{\"email\":")
    assert await stream.read_until_close() == b""


@pytest.mark.gen_test
async def test_idle_keep_alive_connection_is_closed(http_server, http_port):
    stream = await raw(http_port)
    status, head, _ = await get(stream, "/health")
    assert status == 200 and "connection: close" not in head.lower()  # kept alive...
    assert await stream.read_until_close() == b""  # ...until the idle timeout


@pytest.mark.gen_test
async def test_page_route_refuses_a_big_body_before_reading_it(http_server, http_port):
    for path in ("/signin", "/signup", "/signout", "/ui/token", "/"):
        stream = await raw(http_port)
        # Only the headers are sent: the answer can only come if the body is not awaited.
        await stream.write(f"POST {path} HTTP/1.1\r\nHost: hub\r\nContent-Type: application/x-www-form-urlencoded"
                           f"\r\nContent-Length: {63 << 20}\r\n\r\n".encode())
        status, head, body = await response(stream)
        assert status == 413, (path, head)
        assert json.loads(body)["error"]["code"] == "PAYLOAD_TOO_LARGE"
        assert await stream.read_until_close() == b""


@pytest.mark.gen_test
async def test_chunked_page_body_is_refused_at_its_cap(http_server, http_port):
    stream = await raw(http_port)
    chunk = b"x" * 70_000  # over the page cap of 64 KiB in one chunk; more would follow
    await stream.write(b"POST /signin HTTP/1.1\r\nHost: hub\r\nTransfer-Encoding: chunked\r\n\r\n"
                       + f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
    status, _, body = await response(stream)
    assert status == 413 and json.loads(body)["error"]["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.gen_test
async def test_api_route_refuses_a_big_body_before_reading_it(http_server, http_port):
    stream = await raw(http_port)
    await stream.write(f"POST {API}/auth/login HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"
                       f"Content-Length: {(1 << 20) + 1}\r\n\r\n".encode())
    status, _, body = await response(stream)
    assert status == 413 and json.loads(body)["error"]["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.gen_test
async def test_unauthenticated_connections_per_address_are_capped(http_server, http_port):
    first = await raw(http_port)
    body = json.dumps({"email": "cap@example.com", "password": "correct-horse", "name": "Cap",
                       "orgName": "Cap", "orgSlug": "cap"}).encode()
    await first.write(f"POST {API}/auth/register HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"
                      f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    status, _, answer = await response(first)
    assert status == 201
    token = json.loads(answer)["data"]["accessToken"]
    held = [first]
    for _ in range(2):  # three unauthenticated connections: the cap in this test
        stream = await raw(http_port)
        assert (await get(stream, "/health"))[0] == 200
        held.append(stream)

    refused = await raw(http_port)
    status, head, answer = await response(refused)
    assert status == 429 and "retry-after: 1" in head.lower()
    assert json.loads(answer)["error"]["code"] == "RATE_LIMITED"
    assert await refused.read_until_close() == b""

    # A connection that authenticates stops counting: the next newcomer is served.
    status, _, answer = await get(first, f"{API}/org", token=token)
    assert status == 200, answer
    newcomer = await raw(http_port)
    assert (await get(newcomer, "/health"))[0] == 200
    for stream in (*held, newcomer):
        stream.close()


# /health while 10 clients each send 1 MiB JSON bodies as fast as they can, against a hub in its
# own process (as deployed; the attackers are threads of this one).
#
# A timed assertion, which the project otherwise forbids: the finding *is* a latency. The
# issue's goal is "/health under 100 ms while the attack runs"; bench/attack.py measures that.
# Here the bound is ten times looser, on the median of 40 probes, because tests run on shared
# machines: on 2 cores at load 12, the hub without the fix measured a median of 5,100 ms (each
# body held its event loop for 0.4 to 1.3 s) and the hub with it 80 ms.
ATTACKERS = 10
PROBES = 40


def _attack_bodies():
    """Bodies without the fields their routes need: each is parsed and then refused as invalid,
    so what is measured is the parsing, not the password check (finding 5, elsewhere)."""
    # 170,000 tiny arrays: the costliest parse per byte (allocation and garbage collection).
    nested = '{"email":"a@example.com","pad":[' + ",".join(["[[0]]"] * 170_000) + "]}"
    # Within the bound on values: 95,000 floats, padded with a string to 1 MiB.
    floats = '{"email":"a@example.com","pad":[' + ",".join(["0.5"] * 95_000) + '],"s":"'
    floats += "x" * ((1 << 20) - len(floats) - 2) + '"}'
    return [nested.encode(), floats.encode()]


def _flood(port, path, token, body, stop):
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    request = (f"POST {path} HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n{auth}"
               f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                sock.sendall(request)
                while sock.recv(65536):
                    pass
        except OSError:
            pass


def _health_ms(port):
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    return 1000 * (time.perf_counter() - started)


def _register(port):
    body = json.dumps({"orgName": "Flood", "orgSlug": "flood", "email": "owner@flood.test",
                       "password": "correct-horse", "name": "Owner"}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{API}/auth/register", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read())["data"]["accessToken"]


def test_health_answers_while_json_bodies_flood(tmp_path):
    """Half the attackers sign in (anyone can), half post with a token (an agent can), with no
    rate limit: the worst case for the parser. Every probe is answered; how fast is a figure of
    `bench/attack.py flood`, never a timed assertion on a shared machine."""
    bodies = _attack_bodies()
    assert all(len(body) <= 1 << 20 for body in bodies)
    with HubProcess(tmp_path / "hub.db", env={"AGENTHQ_REST_RATE": "0"}) as hub:
        token = _register(hub.port)
        routes = [(f"{API}/auth/login", None), (f"{API}/posts", token)]
        stop = threading.Event()
        threads = [threading.Thread(target=_flood, args=(hub.port, *routes[i % 2], bodies[i // 2 % 2], stop),
                                    daemon=True) for i in range(ATTACKERS)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(1)  # let every attacker have a body in flight: there is no event to await
            for _ in range(PROBES):
                _health_ms(hub.port)  # a 200, not a refused or dropped connection
        finally:
            stop.set()
            for thread in threads:
                thread.join(60)


@pytest.mark.gen_test
async def test_json_bodies_over_the_value_bound_are_refused_unparsed(api):
    org = await api.register()
    channel = await org.channel_id()
    for raw, words in (('{"pad":[' + ",".join(["[]"] * 10_001) + "]}", "objects and arrays"),
                       ('{"pad":[' + ",".join(["0"] * 100_001) + "]}", "values")):
        error = await api.error("POST", f"{API}/posts", token=org.token, raw_body=raw, code="INVALID_JSON", status=400)
        assert words in error["message"]
    # Brackets, commas and colons inside strings are not values: a post of 20,000 of them fits.
    for content in ("[" * 20_000, "a, b, [c], {d}: " * 1250):
        post = await org.post(content, channel="general", metadata={"list": list(range(2000)), "s": "[{,:" * 10_000})
        assert len(post["content"]) == 20_000 and post["channel_id"] == channel


def test_out_of_descriptors_pauses_accept_and_recovers(tmp_path):
    """The soft open-files limit is raised to the hard one, with one log line; when connections
    use every descriptor, the hub logs a warning per pause (not one per loop turn), keeps the
    connections it has, and answers again once they close."""
    log = tmp_path / "hub.log"
    env = {**os.environ, "AGENTHQ_LOG_LEVEL": "INFO", "AGENTHQ_MAX_UNAUTHENTICATED": "0",
           "AGENTHQ_HEADER_TIMEOUT": "60", "PYTHONUNBUFFERED": "1"}
    with open(log, "w") as err:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), "--port", "0", "--db", str(tmp_path / "hub.db")],
            stdout=subprocess.PIPE, stderr=err, text=True, env=env, cwd=ROOT,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (64, 96)))
    try:
        port = int(SERVING.search(process.stdout.readline()).group(1))
        assert "open files limit: 96 (was 64" in log.read_text()
        held = []
        for _ in range(120):  # more than the hub's 96 descriptors
            held.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        # Sentinel: the warning is written once the hub has met the limit.
        deadline = time.monotonic() + 30
        while "out of file descriptors" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.1)
        for sock in held:
            sock.close()
        assert _health_ms_retrying(port)
        text = log.read_text()
        assert text.count("out of file descriptors") < 30 and "Traceback" not in text, text[-2000:]
    finally:
        process.terminate()
        process.wait(15)


def _health_ms_retrying(port, attempts=50):
    """The hub accepts again within its one-second pause: retry until it answers."""
    for _ in range(attempts):
        try:
            return _health_ms(port)
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the hub never answered again")
