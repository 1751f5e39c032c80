"""make pause: remove the endpoint (and its bill) through CloudFormation; the model, bucket and API stay."""

from __future__ import annotations

import argparse
import sys

from scripts.aws.checks import PreflightError, check_caller
from scripts.aws.pausing import BUSY, PausingError, set_paused
from scripts.aws.session import SessionError, aws_session
from stacks.names import ENDPOINT_START_MINUTES


def main(argv: list[str] | None = None) -> int:
    """Pause the endpoint; 0 when paused or pausing, 1 with one line saying why not."""
    argparse.ArgumentParser(prog="make pause", description=__doc__).parse_args(argv)
    try:
        session = aws_session()
        check_caller(session, "make pause")
        change = set_paused(session, True)
    except (SessionError, PreflightError, PausingError) as error:
        print(f"pause failed: {error}", file=sys.stderr)
        return 1
    if change.state == BUSY:
        print(f"pause not started: {change.reason}", file=sys.stderr)
        return 1
    print(f"endpoint {change.state}: {change.reason}")
    print(f"It costs nothing while paused; `make resume` starts it again (about {ENDPOINT_START_MINUTES} minutes).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
