"""Run the AgentHQ hub: python run.py [--host H] [--port P] [--db PATH]."""

from agenthq.config import Config
from agenthq.server import run

if __name__ == "__main__":
    config, _ = Config.from_args()
    run(config)
