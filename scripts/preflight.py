"""make preflight: check the preconditions of make deploy (credentials, region, quota, CDK bootstrap) without deploying."""

from __future__ import annotations

import argparse
import sys

from scripts.aws.cdk_cli import add_context_option
from scripts.aws.checks import PreflightError, run_preflight
from scripts.aws.session import SessionError, aws_session
from stacks.settings import SettingsError, parse_overrides, settings_from_files


def main(argv: list[str] | None = None) -> int:
    """Check the preconditions of `make deploy` without deploying anything."""
    parser = argparse.ArgumentParser(prog="make preflight", description=main.__doc__)
    add_context_option(parser)
    args = parser.parse_args(argv)
    try:
        settings = settings_from_files(parse_overrides(args.context))
    except SettingsError as error:
        print(f"preflight: {error}", file=sys.stderr)
        return 2
    print("Checking the preconditions of make deploy:")
    try:
        run_preflight(settings, aws_session(), out=print, command="make preflight")
    except (PreflightError, SessionError) as error:
        print(f"preflight failed: {error}", file=sys.stderr)
        return 1
    print("All preconditions hold.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
