"""The `agenthq` command line, run as a user would: subprocesses against a hub process."""

import json
import os
import queue
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from agenthq.client import SyncClient
from tests.support import HubProcess, closed_port

PASSWORD = "correct-horse"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-hub")
    with HubProcess(folder / "hub.db", log=folder / "hub.log") as running:
        with SyncClient(running.url) as owner:
            owner.register("Cli Org", "cli-org", "owner@cli.test", PASSWORD, "Olive Owner")
        yield running


@pytest.fixture
def config_file(tmp_path):
    return tmp_path / "agenthq" / "config.json"


def run_cli(*args, config=None, url=None, input=None, env=None):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AGENTHQ_")}
    environ.update(NO_COLOR="1", AGENTHQ_CONFIG=str(config), **({"AGENTHQ_URL": url} if url else {}), **(env or {}))
    return subprocess.run([sys.executable, "-m", "agenthq", *args], capture_output=True, text=True, input=input,
                          env=environ, timeout=60)


def ok(result):
    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    return result.stdout


def failed(result, code):
    """One clear line on stderr that names the error, nothing on stdout, exit status 1."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and code in lines[0] and "Traceback" not in result.stderr, result.stderr
    assert result.stdout == ""


@pytest.fixture
def signed_in(hub, config_file):
    ok(run_cli("login", "--email", "owner@cli.test", "--password", PASSWORD, config=config_file, url=hub.url))
    return config_file


def test_login_saves_credentials_readable_by_the_owner_only(hub, config_file):
    out = ok(run_cli("login", "--email", "owner@cli.test", config=config_file, url=hub.url, input=PASSWORD + "\n"))
    assert "owner@cli.test" in out
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    saved = json.loads(config_file.read_text())
    assert saved["url"] == hub.url and saved["token"] and saved["refresh_token"]
    # Later commands need neither flags nor environment: the file is enough.
    me = json.loads(ok(run_cli("--json", "whoami", config=config_file)))
    assert me["type"] == "user" and me["user"]["email"] == "owner@cli.test"


def test_an_expired_saved_token_is_renewed_and_saved(hub, signed_in):
    saved = json.loads(signed_in.read_text())
    signed_in.write_text(json.dumps({**saved, "token": "expired-token"}))
    assert json.loads(ok(run_cli("whoami", "--json", config=signed_in)))["type"] == "user"
    renewed = json.loads(signed_in.read_text())
    assert renewed["token"] not in ("expired-token", None) and renewed["refresh_token"] == saved["refresh_token"]
    assert stat.S_IMODE(signed_in.stat().st_mode) == 0o600


def test_agent_register_then_post_as_that_agent(hub, signed_in):
    made = json.loads(ok(run_cli("agent", "register", "poster", "--capability", "ci", "--json", config=signed_in)))
    key = made["apiKey"]
    assert key.startswith("ahq_") and made["agent"]["capabilities"] == ["ci"]
    assert json.loads(signed_in.read_text())["agents"]["poster"]["api_key"] == key
    assert stat.S_IMODE(signed_in.stat().st_mode) == 0o600

    post = json.loads(ok(run_cli("--agent", "poster", "post", "--channel", "updates", "--title", "Build",
                                 "--type", "insight", "Build 42 is green", "--json", config=signed_in)))
    assert (post["author_id"], post["type"], post["title"]) == (made["agent"]["id"], "insight", "Build")

    out = ok(run_cli("post", "--channel", "#learnings", config=signed_in, input="piped\ntext\n"))
    assert out.startswith("Posted ") and "#learnings" in out
    with SyncClient(hub.url, api_key=key) as agent:
        learnings = agent.channel_id("learnings")
        assert agent.list_posts(channel_id=learnings)[0]["content"] == "piped\ntext"

    # The key also works from the environment, with no config file at all.
    me = json.loads(ok(run_cli("whoami", "--json", config=signed_in.parent / "none.json", url=hub.url,
                               env={"AGENTHQ_API_KEY": key})))
    assert me["type"] == "agent" and me["agent"]["name"] == "poster"


def test_listings_for_people_and_for_scripts(hub, signed_in):
    ok(run_cli("agent", "register", "lister", config=signed_in))
    ok(run_cli("post", "--channel", "general", "zebra crossing report", config=signed_in))

    channels = json.loads(ok(run_cli("channels", "--json", config=signed_in)))
    assert {"general", "updates", "alerts"} <= {c["name"] for c in channels}
    assert "#general" in ok(run_cli("channels", config=signed_in))

    agents = json.loads(ok(run_cli("--json", "agents", config=signed_in)))
    assert "lister" in {a["name"] for a in agents}
    table = ok(run_cli("agents", config=signed_in))
    assert table.splitlines()[0].split()[:2] == ["NAME", "STATUS"] and "lister" in table

    found = json.loads(ok(run_cli("search", "zebra", "--json", config=signed_in)))
    assert [p["content"] for p in found] == ["zebra crossing report"]
    assert "zebra crossing report" in ok(run_cli("search", "zebra", config=signed_in))

    log = json.loads(ok(run_cli("activity", "--json", "--action", "post.created", config=signed_in)))
    assert log and {a["action"] for a in log} == {"post.created"}
    assert "agent.registered" in ok(run_cli("activity", config=signed_in))


class Lines:
    """A subprocess stream read by a thread, so a test can wait for a line with a timeout."""

    def __init__(self, stream):
        self.seen, self._queue = [], queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream):
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)

    def wait(self, match, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._queue.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no matching line; got {self.seen}") from None
            assert line is not None, f"stream ended; got {self.seen}"
            self.seen.append(line)
            if match(line):
                return line


def start_tail(config, *args):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AGENTHQ_")}
    environ.update(NO_COLOR="1", AGENTHQ_CONFIG=str(config), PYTHONUNBUFFERED="1")
    process = subprocess.Popen([sys.executable, "-m", "agenthq", "tail", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=environ)
    return process, Lines(process.stdout), Lines(process.stderr)


def stop(process):
    """Ctrl-C, as a person would stop it; the exit status is returned."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        return process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def test_tail_shows_a_post_made_by_another_client(hub, signed_in):
    process, out, err = start_tail(signed_in, "--channel", "general", "--json")
    try:
        err.wait(lambda line: "listening on #general" in line)
        with SyncClient(hub.url) as other:
            other.login("owner@cli.test", PASSWORD)
            post = other.create_post(other.channel_id("general"), "seen by tail", title="Live")
        frame = json.loads(out.wait(lambda line: "seen by tail" in line))
        assert frame["type"] == "post.created" and frame["data"]["id"] == post["id"] and frame["seq"] > 0
        assert stop(process) == 130  # Ctrl-C ends it quietly, with the shell's code for SIGINT
    finally:
        stop(process)


def test_tail_survives_a_hub_restart(tmp_path, config_file):
    db = tmp_path / "restart.db"
    hub = HubProcess(db, log=tmp_path / "hub.log").start()
    try:
        with SyncClient(hub.url) as owner:
            owner.register("Restart Org", "restart-org", "r@cli.test", PASSWORD, "Rita")
            general = owner.channel_id("general")
            ok(run_cli("login", "--email", "r@cli.test", "--password", PASSWORD, config=config_file, url=hub.url))
            process, out, err = start_tail(config_file)
            try:
                err.wait(lambda line: "listening on #general" in line)
                owner.create_post(general, "one before")
                assert "#general Rita [update] one before" in out.wait(lambda line: "one before" in line)
                hub.stop()
                err.wait(lambda line: "reconnecting" in line)
                hub = HubProcess(db, port=hub.port, log=tmp_path / "hub2.log").start()
                owner.create_post(general, "two after")
                out.wait(lambda line: "two after" in line, timeout=30)
            finally:
                stop(process)
    finally:
        hub.stop()
    shown = [line for line in out.seen if "before" in line or "after" in line]
    assert len(shown) == 2, out.seen  # each post once, none repeated by the resume


def test_errors_are_one_line_and_a_nonzero_exit(hub, signed_in, tmp_path):
    failed(run_cli("login", "--email", "owner@cli.test", "--password", "wrong-password", config=signed_in,
                   url=hub.url), "INVALID_CREDENTIALS")
    failed(run_cli("post", "--channel", "no-such-channel", "hi", config=signed_in), "NOT_FOUND")
    failed(run_cli("post", "--channel", "general", config=signed_in, input="  \n"), "VALIDATION_ERROR")
    failed(run_cli("--agent", "never-registered", "agents", config=signed_in), "CONFIG_ERROR")
    failed(run_cli("agents", config=tmp_path / "empty.json", url=hub.url), "UNAUTHORIZED")
    failed(run_cli("agents", config=signed_in, env={"AGENTHQ_API_KEY": "ahq_" + "z" * 43}), "INVALID_API_KEY")
    # A closed port: bound here but never listening, so no other test can be behind it.
    with closed_port() as port:
        failed(run_cli("channels", config=tmp_path / "empty.json", url=f"http://127.0.0.1:{port}"), "CONNECTION_ERROR")
    usage = run_cli("post", "--type", "gossip", "x", config=signed_in)
    assert usage.returncode == 2 and "invalid choice" in usage.stderr


def test_console_script_and_serve_help(tmp_path):
    script = Path(sys.executable).parent / "agenthq"
    listed = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0
    for command in ("serve", "login", "agent", "post", "tail", "channels", "agents", "search", "activity"):
        assert command in listed.stdout
    serve = run_cli("serve", "--help", config=tmp_path / "c.json")
    assert serve.returncode == 0 and "--port" in serve.stdout and "--demo" in serve.stdout


# -- What a newcomer trips over (issue: first ten minutes) -----------------------------------


def test_every_bad_url_is_one_line_that_says_what_to_type(tmp_path):
    config = tmp_path / "c.json"
    for url in ("127.0.0.1:3000", "localhost:3000", "ftp://127.0.0.1:3000", "http://", "http://host:port"):
        failed(run_cli("--url", url, "channels", config=config), "BAD_URL")
    wrong = run_cli("--url", "http://127.0.0.1:3000/api/v1", "channels", config=config)
    failed(wrong, "BAD_URL")
    assert "http://127.0.0.1:3000 (not http://127.0.0.1:3000/api/v1)" in wrong.stderr


def test_a_hub_that_is_down_says_how_to_start_it(tmp_path):
    with closed_port() as port:
        result = run_cli("channels", config=tmp_path / "c.json", url=f"http://127.0.0.1:{port}")
    failed(result, "CONNECTION_ERROR")
    assert "is the hub running? start it with `python run.py`" in result.stderr


@pytest.mark.parametrize("command", [["channels", "--json"], ["channels"]])
def test_a_closed_pipe_ends_quietly(hub, signed_in, command):
    """`agenthq channels --json | head -c 0`: the reader is gone before the first byte (the
    table is buffered, the JSON flushed at once: both paths)."""
    read_end, write_end = os.pipe()
    # Buffered, as a pipe is by default: the table then meets the closed pipe at the last flush.
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AGENTHQ_") and k != "PYTHONUNBUFFERED"}
    environ.update(NO_COLOR="1", AGENTHQ_CONFIG=str(signed_in))
    process = subprocess.Popen([sys.executable, "-m", "agenthq", *command], stdout=write_end,
                               stderr=subprocess.PIPE, text=True, env=environ)
    os.close(write_end)
    os.close(read_end)  # as `head` exits: the CLI's first write meets a closed pipe
    stderr = process.communicate(timeout=60)[1]
    assert (process.returncode, stderr) == (141, "")  # 128 + SIGPIPE, as a Unix tool ends


def test_tail_into_a_closed_pipe_stops(hub, signed_in):
    """`agenthq tail | head -n 1`: once the reader is gone, tail ends instead of running on."""
    read_end, write_end = os.pipe()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AGENTHQ_")}
    environ.update(NO_COLOR="1", AGENTHQ_CONFIG=str(signed_in), PYTHONUNBUFFERED="1")
    process = subprocess.Popen([sys.executable, "-m", "agenthq", "tail", "--channel", "general"], stdout=write_end,
                               stderr=subprocess.PIPE, text=True, env=environ)
    os.close(write_end)
    err = Lines(process.stderr)
    try:
        err.wait(lambda line: "listening on #general" in line)
        os.close(read_end)
        with SyncClient(hub.url) as other:
            other.login("owner@cli.test", PASSWORD)
            other.create_post(other.channel_id("general"), "nobody reads this")
        assert process.wait(30) == 141
    finally:
        stop(process)
    rest = []
    while (line := err._queue.get(timeout=10)) is not None:  # the stream ends with the process
        rest.append(line)
    assert not [line for line in err.seen + rest if "Traceback" in line or "failed" in line], err.seen + rest


def test_login_without_flags_asks_at_a_terminal(hub, config_file):
    """A person types `agenthq login` and answers the prompts; the password is not echoed."""
    import pty

    environ = {k: v for k, v in os.environ.items() if not k.startswith("AGENTHQ_")}
    environ.update(NO_COLOR="1", AGENTHQ_CONFIG=str(config_file), AGENTHQ_URL=hub.url)
    pid, terminal = pty.fork()
    if pid == 0:  # the child, with the pseudo-terminal as its controlling terminal
        os.execve(sys.executable, [sys.executable, "-m", "agenthq", "login"], environ)
    shown = b""

    def read_until(text, timeout=30):
        nonlocal shown
        deadline = time.monotonic() + timeout
        while text.encode() not in shown:
            assert time.monotonic() < deadline, shown
            try:
                shown += os.read(terminal, 1024)
            except OSError:  # the child closed the terminal
                raise AssertionError(shown) from None

    try:
        read_until("Email: ")
        os.write(terminal, b"owner@cli.test\n")
        read_until("Password: ")
        os.write(terminal, PASSWORD.encode() + b"\n")
        read_until("Signed in to")
        read_until("\n", timeout=5)
    finally:
        status = os.waitpid(pid, 0)[1]
        os.close(terminal)
    assert os.waitstatus_to_exitcode(status) == 0, shown
    assert PASSWORD.encode() not in shown  # typed, but never echoed
    assert json.loads(config_file.read_text())["token"]


ESCAPES = {
    "clipboard": "\x1b]52;c;ZWNobyBwd25lZA==\x07",  # OSC 52: write the clipboard
    "title": "\x1b]0;owned\x07",  # set the window title
    "erase": "\x1b[2K\r",  # erase the line and go back: forge a row
    "c1": "\x9b31m",  # a one-byte CSI
}


def test_control_characters_are_shown_never_obeyed(hub, signed_in):
    hostile = "".join(ESCAPES.values())
    made = json.loads(ok(run_cli("agent", "register", f"bot{hostile}", "--json", config=signed_in)))
    with SyncClient(hub.url, api_key=made["apiKey"]) as bot:
        general = bot.channel_id("general")
        process, out, err = start_tail(signed_in, "--channel", "general")
        try:
            err.wait(lambda line: "listening on #general" in line)
            bot.create_post(general, f"quartz body {hostile} end", title=f"T{hostile}")
            live = out.wait(lambda line: "quartz body" in line)
        finally:
            stop(process)
    shown = {
        "tail": live,
        "agents": ok(run_cli("agents", config=signed_in)),
        "search": ok(run_cli("search", "quartz", config=signed_in)),
        "search --json": ok(run_cli("search", "quartz", "--json", config=signed_in)),
        "activity": ok(run_cli("activity", config=signed_in)),
    }
    for command, text in shown.items():
        assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text and "\r" not in text, command
    assert "\\x1b]52;c;ZWNobyBwd25lZA==\\x07" in shown["tail"] and "\\x9b31m" in shown["tail"]
    assert "\\x1b]0;owned" in shown["agents"]
    assert json.loads(shown["search --json"])[0]["content"] == f"quartz body {hostile} end"  # data intact


def test_activity_names_channels_and_agents(hub, signed_in):
    made = json.loads(ok(run_cli("agent", "register", "namer", "--json", config=signed_in)))
    ok(run_cli("--agent", "namer", "post", "--channel", "alerts", "named activity", config=signed_in))
    table = ok(run_cli("activity", "--limit", "2", config=signed_in))
    rows = table.splitlines()[1:]
    assert any("namer" in row and "post.created" in row and "in #alerts" in row for row in rows), table
    assert any("Olive Owner" in row and "agent.registered" in row and "agent namer" in row for row in rows), table
    assert made["agent"]["id"] not in table
