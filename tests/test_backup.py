"""Online backup: `agenthq backup PATH` while clients post; a hub started on the copy holds
every post acknowledged before the backup began (with its event), nothing it never
acknowledged, and the same accounts, keys and signing secret."""

import http.client
import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading
import time

from tests.support import ROOT, HubProcess, rest_call

PASSWORD = "backup-password"


class Poster(threading.Thread):
    """Posts as fast as it can over one keep-alive connection; records each acknowledged id."""

    def __init__(self, port, key, channel, acked, lock, stop):
        super().__init__(daemon=True)
        self.port, self.key, self.channel = port, key, channel
        self.acked, self.lock, self.stop, self.failures = acked, lock, stop, []

    def run(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"}
        n = 0
        while not self.stop.is_set():
            n += 1
            body = json.dumps({"channel_id": self.channel, "content": f"{self.name} post {n}"})
            connection.request("POST", "/api/v1/posts", body, headers)
            response = connection.getresponse()
            payload = json.loads(response.read())
            if response.status != 201:
                self.failures.append((response.status, payload))
                return
            with self.lock:
                self.acked.append(payload["data"]["id"])


def _all_posts(port, token, channel):
    ids, page = [], 1
    while True:
        status, payload = rest_call(f"http://127.0.0.1:{port}", "GET", f"/api/v1/channels/{channel}/posts?limit=100&page={page}", token=token)
        assert status == 200, payload
        ids += [post["id"] for post in payload["data"]]
        if not payload["pagination"]["hasMore"]:
            return ids
        page += 1


def test_backup_during_traffic_restores_everything_acknowledged_before_it(tmp_path):
    live_db, copy_db = tmp_path / "live.db", tmp_path / "copy.db"
    with HubProcess(live_db, env={"AGENTHQ_REST_RATE": "0"}) as hub:
        _, reg = rest_call(hub.url, "POST", "/api/v1/auth/register", {
            "orgName": "Backup", "orgSlug": "backup", "email": "owner@backup.test", "password": PASSWORD,
            "name": "Owner"})
        token = reg["data"]["accessToken"]
        _, agent = rest_call(hub.url, "POST", "/api/v1/auth/agents/register", {"name": "poster"}, token)
        key = agent["data"]["apiKey"]
        general = next(c["id"] for c in rest_call(hub.url, "GET", "/api/v1/channels", token=token)[1]["data"]
                       if c["name"] == "general")

        acked, lock, stop = [], threading.Lock(), threading.Event()
        posters = [Poster(hub.port, key, general, acked, lock, stop) for _ in range(3)]
        for poster in posters:
            poster.start()
        while len(acked) < 60:
            time.sleep(0.01)
        with lock:
            before = list(acked)
        result = subprocess.run([sys.executable, "-m", "agenthq", "backup", str(copy_db), "--db", str(live_db)],
                                capture_output=True, text=True, cwd=ROOT, timeout=120)
        posted_during = len(acked) - len(before)
        time.sleep(0.2)
        stop.set()
        for poster in posters:
            poster.join(20)
        assert result.returncode == 0, result.stderr
        assert "backed up" in result.stdout
        assert [p.failures for p in posters] == [[], [], []]  # the backup disturbed no client

    assert stat.S_IMODE(os.stat(copy_db).st_mode) == 0o600
    assert not os.path.exists(f"{copy_db}-wal")  # one self-contained file
    with HubProcess(copy_db) as restored:
        # The same accounts and the same signing secret: the old token and the key still work.
        status, me = rest_call(restored.url, "GET", "/api/v1/auth/me", token=token)
        assert status == 200 and me["data"]["user"]["email"] == "owner@backup.test"
        assert rest_call(restored.url, "GET", "/api/v1/auth/me", token=key)[0] == 200
        status, _ = rest_call(restored.url, "POST", "/api/v1/auth/login",
                         {"email": "owner@backup.test", "password": PASSWORD})
        assert status == 200
        restored_ids = _all_posts(restored.port, token, general)
        assert set(before) <= set(restored_ids)  # everything acknowledged before the backup
        assert set(restored_ids) <= set(acked)  # and nothing the live hub never acknowledged
        assert len(restored_ids) == len(set(restored_ids))
        # The restored hub takes new writes.
        assert rest_call(restored.url, "POST", "/api/v1/posts", {"channel_id": general, "content": "after"}, key)[0] == 201
    with sqlite3.connect(copy_db) as db:
        logged = {json.loads(data)["id"] for (data,) in db.execute(
            "SELECT data FROM event WHERE type = 'post.created'")}
    assert set(restored_ids) <= logged  # each post with its event
    print(f"backup: {len(before)} posts acknowledged before it, {posted_during} during it, "
          f"{len(restored_ids)} in the copy")


def test_backup_refuses_to_overwrite_or_invent(tmp_path):
    run = lambda *args: subprocess.run([sys.executable, "-m", "agenthq", "backup", *args],  # noqa: E731
                                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    missing = run(str(tmp_path / "copy.db"), "--db", str(tmp_path / "typo.db"))
    assert missing.returncode == 1 and "no database" in missing.stderr
    assert not (tmp_path / "typo.db").exists() and not (tmp_path / "copy.db").exists()
    source = tmp_path / "src.db"
    with sqlite3.connect(source) as db:
        db.execute("CREATE TABLE t (x)")
    (tmp_path / "copy.db").write_text("precious")
    refused = run(str(tmp_path / "copy.db"), "--db", str(source))
    assert refused.returncode == 1 and "exists" in refused.stderr
    assert (tmp_path / "copy.db").read_text() == "precious"
    assert run(str(source), "--db", str(source), "--force").returncode == 1
    assert run(str(tmp_path / "copy.db"), "--db", str(source), "--force").returncode == 0
    with sqlite3.connect(tmp_path / "copy.db") as db:
        assert db.execute("SELECT count(*) FROM t").fetchone() == (0,)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []
