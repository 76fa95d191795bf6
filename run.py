"""Run the AgentHQ hub: python run.py [--host H] [--port P] [--db PATH] [--demo]."""

from agenthq.config import Config
from agenthq.server import run

if __name__ == "__main__":
    config, args = Config.from_args()
    if args.demo:
        from agenthq.demo import run_demo

        run_demo(config)
    else:
        run(config)
