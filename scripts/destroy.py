"""make destroy: remove every stack, then confirm no SageMaker model, endpoint config or endpoint of the project is left."""

from __future__ import annotations

import argparse
import sys

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from scripts.aws.cdk_cli import ProgramNotFound, Runner, add_context_option, cdk, context_flags, run_command
from scripts.aws.checks import PreflightError, check_caller
from scripts.aws.errors import describe_error
from scripts.aws.leftovers import leftover_report, project_leftovers
from scripts.aws.session import CHECK_CONFIG, SessionError, aws_session, region_environment
from stacks.settings import SettingsError, parse_overrides, settings_from_files


def main(argv: list[str] | None = None, *, runner: Runner = run_command, session: boto3.Session | None = None) -> int:
    """Destroy every stack and confirm nothing of the project is left; non-zero, with what to do, otherwise."""
    parser = argparse.ArgumentParser(
        prog="make destroy", description="Remove every stack; check that nothing keeps billing."
    )
    add_context_option(parser)
    args = parser.parse_args(argv)
    try:
        settings = settings_from_files(parse_overrides(args.context))
    except SettingsError as error:
        print(f"destroy: {error}", file=sys.stderr)
        return 2
    try:
        print("[1/3] Checking credentials")
        session = session or aws_session()
        caller = check_caller(session, "make destroy")
        print(f"  ok    {caller.arn}, region {caller.region}")
        print("[2/3] Removing every stack (cdk destroy --all --force); deleting the endpoint takes a few minutes")
        # The CLI destroys in the region the checks used, whatever else the environment or profile says.
        code = runner(
            cdk("destroy", "--all", "--force", *context_flags(args.context)), env=region_environment(caller.region)
        )
        print("[3/3] Checking that no SageMaker model, endpoint config or endpoint of the project is left")
        leftovers = project_leftovers(session.client("sagemaker", region_name=caller.region, config=CHECK_CONFIG))
    except (PreflightError, SessionError) as error:
        print(f"destroy stopped: {error}", file=sys.stderr)
        return 1
    except ProgramNotFound as error:
        print(f"destroy failed: {error}", file=sys.stderr)
        return 127
    except (ClientError, BotoCoreError) as error:
        print(
            f"destroy could not list SageMaker resources ({describe_error(error)}): check by hand with "
            "`aws sagemaker list-endpoints`, `list-endpoint-configs` and `list-models` that none of the project's is left.",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("\ndestroy interrupted: run make destroy again; an endpoint bills until it is deleted.", file=sys.stderr)
        return 130
    if leftovers:
        print(f"destroy incomplete: {leftover_report(leftovers, caller.region)}", file=sys.stderr)
        return code or 1
    if code != 0:
        print(
            f"destroy incomplete: cdk destroy failed (exit code {code}); no SageMaker resource of the project is left, "
            "but other resources may be. Fix the cause shown above and run make destroy again.",
            file=sys.stderr,
        )
        return code
    print(
        f"Done: no model, endpoint config or endpoint of the project is left in {caller.region}; the endpoint no longer bills."
    )
    if settings.retain_model_bucket:
        print(
            "The model bucket was kept (retain_model_bucket=true): empty and delete it in the S3 console when you no longer need it."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
