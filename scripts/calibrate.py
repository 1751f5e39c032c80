"""Measure a deployed endpoint's speed and print the model-speed settings to deploy with (docs/MODEL_SPEED.md)."""

from __future__ import annotations

import argparse
import sys

from scripts.aws.session import NO_REGION, SessionError, aws_session
from scripts.aws.stack_outputs import StackOutputError, stack_output
from scripts.calibration.measure import CLIENT_CONFIG, CalibrationError, context_settings, fit, measure
from stacks.names import ENDPOINT_OUTPUT, ENDPOINT_STACK


def main(argv: list[str] | None = None) -> int:
    """Measure, print the figures and the settings; 0 done, 1 the endpoint failed, 2 nothing to measure."""
    parser = argparse.ArgumentParser(prog="python -m scripts.calibrate", description=__doc__)
    parser.add_argument("--endpoint-name", metavar="NAME", help=f"default: the {ENDPOINT_STACK} stack's output")
    parser.add_argument("--repeat", type=int, default=3, help="calls per figure; medians are shown (default 3)")
    args = parser.parse_args(argv)
    try:
        session = aws_session()
        if not session.region_name:
            raise SessionError(NO_REGION)
        name = args.endpoint_name or stack_output(ENDPOINT_STACK, ENDPOINT_OUTPUT, session=session)
        client = session.client("sagemaker-runtime", config=CLIENT_CONFIG)
        print(
            f"measuring endpoint {name} in {session.region_name} (each figure the median of {args.repeat}) ...",
            flush=True,
        )
        measured = measure(client, name, repeat=max(1, args.repeat))
    except (SessionError, StackOutputError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except CalibrationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for size, seconds in measured.by_size.items():
        print(f"  {size:>3} sentences of {measured.tokens} tokens in one call: {seconds:.2f} s")
    for count, seconds in measured.concurrent.items():
        print(f"  {count} calls at once: all answered after {seconds:.2f} s")
    print("settings (deploy with these, or put them in cdk.json's context):")
    for line in context_settings(fit(measured)):
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
