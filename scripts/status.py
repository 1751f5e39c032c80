"""make status: the endpoint's state, instances, cost per hour now and time since the last request."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from scripts.aws.checks import PreflightError, check_caller
from scripts.aws.endpoint_state import report
from scripts.aws.pausing import PausingError, read_state
from scripts.aws.session import SessionError, aws_session


def main(argv: list[str] | None = None) -> int:
    """Print the endpoint's state; 0 when it could be read, 1 with one line saying why not."""
    argparse.ArgumentParser(prog="make status", description=__doc__).parse_args(argv)
    now = datetime.now(UTC)
    try:
        session = aws_session()
        caller = check_caller(session, "make status")
        state = read_state(session, now=now)
    except (SessionError, PreflightError, PausingError) as error:
        print(f"status failed: {error}", file=sys.stderr)
        return 1
    print("\n".join(report(state, region=caller.region, now=now)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
