"""Run the AgentHQ hub from a checkout: python run.py [--host H] [--port P] [--db PATH] [--demo]
[--open].

The same as `agenthq serve`, except that the default database is agenthq.db beside this file
(the product's layout), not in the folder it is started from."""

from pathlib import Path

from agenthq.cli.serve import main

if __name__ == "__main__":
    raise SystemExit(main(defaults={"db": str(Path(__file__).resolve().parent / "agenthq.db")}))
