"""Run the AgentHQ hub from a checkout: python run.py [--host H] [--port P] [--db PATH] [--demo].

The same as `agenthq serve`, except that the default database is agenthq.db beside this file
(the product's layout), not in the folder it is started from."""

from pathlib import Path

from agenthq.config import Config
from agenthq.server import run

if __name__ == "__main__":
    config, args = Config.from_args(defaults={"db": str(Path(__file__).resolve().parent / "agenthq.db")})
    if args.demo:
        from agenthq.demo import run_demo

        run_demo(config)
    else:
        run(config)
