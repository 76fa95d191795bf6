"""Start-up: time from Popen of `python run.py` (fresh database, so the schema is created) to
the first 200 from GET /health. Usage: python bench/startup.py [--runs 5]"""

import argparse
import http.client
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from hubproc import ROOT, cores, pinned  # noqa: E402


def once():
    with tempfile.TemporaryDirectory(prefix="agenthq-bench-") as directory:
        command = pinned([sys.executable, str(ROOT / "run.py"), "--port", "0", "--db", str(Path(directory) / "s.db"),
                          "--log-level", "WARNING"], 0)
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            line = process.stdout.readline()
            match = re.search(r"http://([\d.]+):(\d+)", line)
            if not match:
                raise RuntimeError(f"hub did not start: {line}")
            port = int(match.group(2))
            while True:
                try:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    connection.request("GET", "/health")
                    if connection.getresponse().status == 200:
                        return time.perf_counter() - start
                except OSError:
                    pass
                if time.perf_counter() - start > 30:
                    raise RuntimeError("no 200 from /health within 30 s")
                time.sleep(0.002)
        finally:
            process.terminate()
            process.wait(10)


def measure(runs):
    return [once() for _ in range(runs)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    times = measure(args.runs)
    print(f"cores: {cores()}  start-up to /health 200: median {statistics.median(times) * 1000:.0f} ms "
          f"[{min(times) * 1000:.0f}-{max(times) * 1000:.0f}]")


if __name__ == "__main__":
    main()
