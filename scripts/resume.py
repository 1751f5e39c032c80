"""make resume: start the paused endpoint again through CloudFormation, on the same model version."""

from __future__ import annotations

import argparse
import sys

from scripts.aws.checks import PreflightError, check_caller
from scripts.aws.pausing import BUSY, WAIT_LIMIT_MINUTES, EndpointState, PausingError, set_paused, wait_for
from scripts.aws.session import SessionError, aws_session
from stacks.names import ENDPOINT_START_MINUTES


def _progress(state: EndpointState, minutes: float) -> None:
    print(
        f"  {minutes:4.1f} min: {state.state} (stack {state.stack_status}, endpoint {state.endpoint_status or 'absent'})"
    )


def main(argv: list[str] | None = None) -> int:
    """Resume the endpoint (and with --wait, wait until it serves); 0 on success, 1 with one line saying why not."""
    parser = argparse.ArgumentParser(prog="make resume", description=__doc__)
    parser.add_argument(
        "--wait", action="store_true", help=f"wait until the endpoint serves (at most {WAIT_LIMIT_MINUTES} minutes)"
    )
    args = parser.parse_args(argv)
    try:
        session = aws_session()
        check_caller(session, "make resume")
        change = set_paused(session, False)
        if change.state == BUSY:
            print(f"resume not started: {change.reason}", file=sys.stderr)
            return 1
        print(f"endpoint {change.state}: {change.reason}")
        if not args.wait:
            print(f"Starting takes about {ENDPOINT_START_MINUTES} minutes; `make status` shows when it serves.")
            return 0
        print(f"Waiting until it serves (about {ENDPOINT_START_MINUTES} minutes; Ctrl-C stops waiting, not the resume)")
        wait_for(session, False, progress=_progress)
    except (SessionError, PreflightError, PausingError) as error:
        print(f"resume failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopped waiting; the endpoint keeps starting (`make status` shows it).", file=sys.stderr)
        return 130
    print("The endpoint is in service.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
