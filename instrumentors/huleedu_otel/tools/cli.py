"""``huleedu-otel``: the command-line entry point."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="huleedu-otel", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="run an instrumented example service and show its telemetry"
    )
    demo.add_argument(
        "--keep-running", action="store_true", help="keep the service up for exploring"
    )
    commands.add_parser("doctor", help="show the resolved configuration and check the endpoint")
    args = parser.parse_args(argv)
    if args.command == "doctor":
        from huleedu_otel.tools import doctor as _doctor

        return _doctor.run()
    if args.command == "demo":
        from huleedu_otel.tools import demo as demo_module

        return demo_module.run(keep_running=args.keep_running)
    return 2
