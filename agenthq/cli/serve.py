"""`agenthq serve` and `python run.py`: the same flags (config.build_parser), plus --demo."""

from ..config import Config


def main(argv=None):
    config, args = Config.from_args(argv)
    if args.demo:
        from ..demo import run_demo  # only the demo needs the SDK

        run_demo(config)
    else:
        from ..server import run

        run(config)
    return 0
