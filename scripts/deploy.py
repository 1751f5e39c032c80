"""make deploy: check preconditions, deploy the bucket, stage the model, deploy the endpoint and API, print the URL."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import boto3
from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError

from scripts.aws.cdk_cli import REPO_ROOT, ProgramNotFound, Runner, add_context_option, cdk, context_flags, run_command
from scripts.aws.checks import PreflightError, check_caller, check_image, run_preflight
from scripts.aws.cost import auto_pause_example, cost_text
from scripts.aws.errors import describe_error
from scripts.aws.pausing import paused_now
from scripts.aws.session import SessionError, aws_session, region_environment
from scripts.aws.stack_outputs import StackOutputError, deployed_output, output_from_file
from scripts.staging.artifacts import ArtifactError
from scripts.staging.s3_write import Interrupted, StageError
from scripts.staging.sources import SourceError, choose_sources, tqdm_progress
from scripts.staging.stage import stage, staging_client
from scripts.staging.versions import is_staged
from stacks.instance_types import cost_reminder
from stacks.names import (
    API_STACK,
    API_URL_OUTPUT,
    BUCKET_OUTPUT,
    BUCKET_STACK,
    ENDPOINT_STACK,
    ENDPOINT_START_MINUTES,
    PAUSED_PARAMETER,
    PAUSED_VALUES,
    TRANSLATE_URL_OUTPUT,
)
from stacks.settings import Settings, SettingsError, parse_overrides, settings_from_files

OUTPUTS_FILE = "outputs.json"
SAMPLE_TEXT = "I love you, too."
RETRY = "Fix the cause shown above and run make deploy again; `make destroy` removes what was created."
# The example usage the auto-pause estimate before the prompt assumes: a working day.
EXAMPLE_HOURS_USED_PER_DAY = 8


class DeployError(Exception):
    """A deploy phase failed; the message says what happened and what to do."""


def build_parser() -> argparse.ArgumentParser:
    """The command line of make deploy (make deploy ARGS='...')."""
    parser = argparse.ArgumentParser(
        prog="make deploy", description="Deploy the translation service to your AWS account and region."
    )
    add_context_option(parser)
    parser.add_argument(
        "--source",
        help="where to copy the model from (S3 prefix, HTTP(S) base URL or local directory); default: the public copies",
    )
    parser.add_argument(
        "--model-version",
        help="deploy this staged version without staging (a rollback: python -m scripts.stage_model --list shows them)",
    )
    parser.add_argument(
        "--yes",
        action="store_true",
        help="deploy without asking for confirmation (needed when not run from a terminal)",
    )
    parser.add_argument(
        "--paused",
        choices=PAUSED_VALUES,
        help="deploy the endpoint paused (true) or running (false); default: as it is now (running when new)",
    )
    parser.add_argument(
        "--skip-preflight",
        action="store_true",
        help="skip the quota and bootstrap checks (credentials and region are always checked)",
    )
    return parser


def _cost(settings: Settings, region: str) -> str:
    return cost_reminder(settings.instance_type, settings.instance_count, settings.max_instance_count, region)


def _cost_lines(settings: Settings, region: str, paused: bool) -> list[str]:
    """What the endpoint about to be deployed costs, shown before the prompt."""
    running = cost_text(settings.instance_type, settings.instance_count, region)
    if paused:
        return [f"The endpoint is paused and stays paused: 0 USD until `make resume` (then {running})."]
    lines = [f"Cost while the endpoint runs: {running}."]
    if settings.max_instance_count > settings.instance_count:
        lines.append(f"Scaled out: {cost_text(settings.instance_type, settings.max_instance_count, region)}.")
    if settings.auto_pause_idle_minutes:
        example = auto_pause_example(
            settings.instance_type,
            settings.instance_count,
            settings.auto_pause_idle_minutes,
            EXAMPLE_HOURS_USED_PER_DAY,
        )
        if example:
            lines.append(f"For example, {example}.")
    return lines


def _confirmed(yes: bool, interactive: bool) -> bool:
    if yes:
        return True
    if not interactive:
        print(
            "deploy stopped: this creates resources that cost money; to deploy without a prompt, pass --yes (make deploy ARGS=--yes).",
            file=sys.stderr,
        )
        return False
    try:
        answer = input("Deploy now? [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() not in {"y", "yes"}:
        print("deploy cancelled: nothing was deployed.", file=sys.stderr)
        return False
    return True


def _run_phase(runner: Runner, argv: Sequence[str], region: str, what: str, advice: str) -> None:
    # The CLI deploys to the region the checks used, whatever else the environment or profile says.
    code = runner(list(argv), env=region_environment(region))
    if code != 0:
        raise DeployError(f"{what} failed (exit code {code}); later phases did not run. {advice}")


def _stage(session: boto3.Session, bucket: str, settings: Settings, source: str | None) -> str:
    try:
        sources = choose_sources(source, session.region_name)
        return stage(
            staging_client(session),
            bucket,
            settings.model_prefix,
            sources,
            keep=settings.keep_model_versions,
            progress=tqdm_progress(True),
            say=lambda line: print(f"      {line}"),
            warn=lambda line: print(f"  warn  {line}", file=sys.stderr),
        )
    except (ValueError, StageError, SourceError, ArtifactError) as error:
        raise DeployError(f"staging the model failed: {error}; later phases did not run. {RETRY}") from None
    except (ClientError, BotoCoreError, Boto3Error, OSError) as error:
        raise DeployError(
            f"staging the model failed ({describe_error(error)}); later phases did not run. {RETRY}"
        ) from None


def _staged_version(session: boto3.Session, bucket: str, settings: Settings, version: str) -> str:
    """The requested version once checked to be staged: a rollback copies nothing."""
    try:
        staged = is_staged(staging_client(session), bucket, settings.model_prefix, version)
    except (ClientError, BotoCoreError) as error:
        raise DeployError(f"cannot check model version {version}: {describe_error(error)}. {RETRY}") from None
    if not staged:
        raise DeployError(
            f"model version {version} is not staged in s3://{bucket}/{settings.model_prefix} "
            "(python -m scripts.stage_model --list shows the staged ones); later phases did not run."
        )
    print(f"      model version {version} is staged: nothing to copy")
    return version


def main(
    argv: list[str] | None = None,
    *,
    runner: Runner = run_command,
    session: boto3.Session | None = None,
    quotas_client: Any = None,
    outputs_dir: Path | None = None,
    interactive: bool | None = None,
) -> int:
    """Deploy the service end to end; 0 when its URL is printed, non-zero with one clear message otherwise."""
    args = build_parser().parse_args(argv)
    try:
        settings = settings_from_files(parse_overrides(args.context))
        if args.model_version is not None:
            settings_from_files({**parse_overrides(args.context), "model_version": args.model_version})
            if not args.model_version or args.source:
                raise SettingsError("--model-version takes a staged version (16 hex digits) and no --source")
    except SettingsError as error:
        print(f"deploy: {error}", file=sys.stderr)
        return 2
    passthrough = [pair for pair in args.context if pair.partition("=")[0].strip() != "model_version"]
    if len(passthrough) != len(args.context):
        print("note: -c model_version is ignored: deploy sets it to the staged model's version (use --model-version).")
    context = context_flags(passthrough)
    outputs_file = (outputs_dir or REPO_ROOT / "cdk.out") / OUTPUTS_FILE
    try:
        print("[1/4] Checking preconditions (a few seconds)")
        session = session or aws_session()
        if args.skip_preflight:
            caller = check_caller(session)
            check_image(caller.region)
            print(f"  ok    credentials: {caller.arn}; region {caller.region} has the seq2seq image")
            print("  warn  --skip-preflight: the instance quota and the CDK bootstrap were not checked")
        else:
            caller = run_preflight(settings, session, quotas_client=quotas_client, out=print).caller
        region = caller.region
        print(f"Target: account {caller.account}, region {region}. {_cost(settings, region)}")
        # cdk deploy keeps a deployed stack's parameter values: a paused endpoint stays paused unless --paused says.
        paused = args.paused == PAUSED_VALUES[1] if args.paused else bool(paused_now(session))
        for line in _cost_lines(settings, region, paused):
            print(line)
        if not _confirmed(args.yes, sys.stdin.isatty() if interactive is None else interactive):
            return 1

        print(f"[2/4] Deploying the model bucket ({BUCKET_STACK})")
        deploy_flags = ["--require-approval", "never", "--outputs-file", str(outputs_file)]
        # The bucket stack depends on nothing, so --exclusively deploys the same; it also makes the CLI bundle this
        # stack's assets only, not pip-install the API's Lambda for nothing (which needs the package index).
        first = cdk("deploy", BUCKET_STACK, "--exclusively", *deploy_flags, *context)
        _run_phase(runner, first, region, f"cdk deploy {BUCKET_STACK}", RETRY)
        bucket = deployed_output(outputs_file, BUCKET_STACK, BUCKET_OUTPUT, session)

        if args.model_version:
            print(
                f"[3/4] Checking that model version {args.model_version} is staged in s3://{bucket}/{settings.model_prefix}"
            )
            version = _staged_version(session, bucket, settings, args.model_version)
        else:
            print(f"[3/4] Staging the model into s3://{bucket}/{settings.model_prefix}")
            version = _stage(session, bucket, settings, args.source)

        print(f"[4/4] Deploying the endpoint and the API ({ENDPOINT_STACK}, {API_STACK}) with model_version={version}")
        if paused:
            print("      The endpoint stays paused: SageMaker creates nothing until `make resume`.")
        else:
            print(
                "      Creating the endpoint takes about 10 minutes (4 to 15) while SageMaker starts an instance and loads the model."
            )
        endpoint_advice = (
            "If the endpoint failed with ResourceLimitExceeded, request a higher instance quota (the preflight names it). "
            + RETRY
        )
        parameters = ["--parameters", f"{ENDPOINT_STACK}:{PAUSED_PARAMETER}={args.paused}"] if args.paused else []
        second = cdk(
            "deploy", ENDPOINT_STACK, API_STACK, *deploy_flags, *parameters, *context, "-c", f"model_version={version}"
        )
        _run_phase(runner, second, region, f"cdk deploy {ENDPOINT_STACK} {API_STACK}", endpoint_advice)
        url = deployed_output(outputs_file, API_STACK, TRANSLATE_URL_OUTPUT, session)
    except (PreflightError, SessionError) as error:
        print(f"deploy stopped: {error}", file=sys.stderr)
        return 1
    except (DeployError, StackOutputError, ProgramNotFound) as error:
        print(f"deploy failed: {error}", file=sys.stderr)
        return 1
    except Interrupted as error:
        print(
            f"\ndeploy {error}; run make deploy again to finish, or make destroy to remove what was created.",
            file=sys.stderr,
        )
        return 130
    except KeyboardInterrupt:
        print(
            "\ndeploy interrupted: run make deploy again to finish, or make destroy to remove what was created.",
            file=sys.stderr,
        )
        return 130

    sample = json.dumps({"text": SAMPLE_TEXT})
    print()
    print(f"The translation service is up: POST {url}")
    page = output_from_file(outputs_file, API_STACK, API_URL_OUTPUT)
    if page:
        print(f"Web page: {page}")
    print("Try it:")
    print(f"  curl -s -X POST {shlex.quote(url)} -H 'Content-Type: application/json' -d {shlex.quote(sample)}")
    if paused:
        print(
            f"The endpoint is paused (0 USD per hour): `make resume` starts it (about {ENDPOINT_START_MINUTES} minutes)."
        )
    else:
        print(_cost(settings, region))
    return 0


if __name__ == "__main__":
    sys.exit(main())
