"""make deploy: check preconditions, deploy the bucket, stage the model, deploy the endpoint and API, print the URL."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python scripts/deploy.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from scripts.aws import endpoint_logs
from scripts.aws.cdk_cli import REPO_ROOT, Runner, add_context_option, cdk, context_flags, run_command
from scripts.preflight import (
    CLIENT_CONFIG,
    PreflightError,
    aws_session,
    check_caller,
    check_image,
    describe_error,
    run_preflight,
)
from stacks.names import (
    API_STACK,
    API_URL_OUTPUT,
    BUCKET_OUTPUT,
    BUCKET_STACK,
    ENDPOINT_OUTPUT,
    ENDPOINT_STACK,
    TRANSLATE_URL_OUTPUT,
)
from stacks.settings import Settings, SettingsError, parse_overrides, settings_from_files

OUTPUTS_FILE = "outputs.json"
# On-demand real-time inference in us-east-1 (third-party price tables, 2026); other regions and types: the SageMaker pricing page.
HOURLY_USD_US_EAST_1 = {"ml.m4.xlarge": 0.28}
SAMPLE_TEXT = "I love you, too."

VersionOf = Callable[[Any, str, str], str]


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
        help="where to copy the model from (S3 prefix, HTTP(S) base URL or local directory); default: the staging script's list",
    )
    parser.add_argument(
        "--yes",
        action="store_true",
        help="deploy without asking for confirmation (needed when not run from a terminal)",
    )
    parser.add_argument(
        "--skip-preflight",
        action="store_true",
        help="skip the quota and bootstrap checks (credentials and region are always checked)",
    )
    return parser


def cost_reminder(settings: Settings, region: str) -> str:
    """What the endpoint costs while it exists, and how to stop paying."""
    count, largest = settings.instance_count, settings.max_instance_count
    fleet = f"{count} x {settings.instance_type}" + (f" (up to {largest} when scaled out)" if largest > count else "")
    price = HOURLY_USD_US_EAST_1.get(settings.instance_type)
    if price is None:
        rate = f"see the SageMaker pricing page for {settings.instance_type} in {region}"
    else:
        rate = f"about {price * count:.2f} USD per hour in us-east-1" + (
            f", up to {price * largest:.2f}" if largest > count else ""
        )
        if region != "us-east-1":
            rate += f" (prices in {region} differ: see the SageMaker pricing page)"
    return f"The endpoint runs {fleet}: {rate}, billed while the endpoint exists, serving or not. Run `make destroy` when you are done."


def _read_output(outputs_file: Path, stack: str, key: str, session: boto3.Session) -> str:
    # The CLI's outputs file answers without a call; the stack itself is the fallback.
    try:
        value = json.loads(outputs_file.read_text(encoding="utf-8"))[stack][key]
        if value:
            return str(value)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    from scripts.aws.stack_outputs import StackOutputError, stack_output

    try:
        return stack_output(stack, key, session=session)
    except StackOutputError as error:
        raise DeployError(str(error)) from None


def _optional_output(outputs_file: Path, stack: str, key: str) -> str | None:
    try:
        return str(json.loads(outputs_file.read_text(encoding="utf-8"))[stack][key]) or None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _staged_version(session: boto3.Session, region: str, bucket: str, key: str, version_of: VersionOf | None) -> str:
    if version_of is None:
        from scripts.stage_model import staged_model_version as version_of
    try:
        version = version_of(session.client("s3", region_name=region, config=CLIENT_CONFIG), bucket, key)
    except (ClientError, BotoCoreError) as error:
        where = f"s3://{bucket}/{key}"
        raise DeployError(
            f"could not read the staged model {where} ({describe_error(error)}): run make deploy again."
        ) from None
    if not version:
        raise DeployError(
            f"the staged model s3://{bucket}/{key} has no version: stage it again (make deploy re-runs the staging)."
        )
    return version


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


def _run_phase(runner: Runner, argv: Sequence[str], what: str, advice: str) -> None:
    code = runner(list(argv))
    if code != 0:
        raise DeployError(f"{what} failed (exit code {code}); later phases did not run. {advice}")


def main(
    argv: list[str] | None = None,
    *,
    runner: Runner = run_command,
    session: boto3.Session | None = None,
    quotas_client: Any = None,
    version_of: VersionOf | None = None,
    outputs_dir: Path | None = None,
    interactive: bool | None = None,
) -> int:
    """Deploy the service end to end; 0 when its URL is printed, non-zero with one clear message otherwise."""
    args = build_parser().parse_args(argv)
    try:
        overrides = parse_overrides(args.context)
        settings = settings_from_files(overrides)
    except SettingsError as error:
        print(f"deploy: {error}", file=sys.stderr)
        return 2
    passthrough = [pair for pair in args.context if pair.partition("=")[0].strip() != "model_version"]
    if len(passthrough) != len(args.context):
        print("note: -c model_version is ignored: deploy sets it to the staged model's version.")
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
            caller = run_preflight(settings, session, quotas_client=quotas_client).caller
        print(f"Target: account {caller.account}, region {caller.region}. {cost_reminder(settings, caller.region)}")
        if not _confirmed(args.yes, sys.stdin.isatty() if interactive is None else interactive):
            return 1

        print(f"[2/4] Deploying the model bucket ({BUCKET_STACK})")
        retry = "Fix the cause shown above and run make deploy again; `make destroy` removes what was created."
        deploy_flags = ["--require-approval", "never", "--outputs-file", str(outputs_file)]
        # The bucket stack depends on nothing, so --exclusively deploys the same; it also makes the CLI bundle this
        # stack's assets only, not pip-install the API's Lambda for nothing (which needs the package index).
        first = cdk("deploy", BUCKET_STACK, "--exclusively", *deploy_flags, *context)
        _run_phase(runner, first, f"cdk deploy {BUCKET_STACK}", retry)
        bucket = _read_output(outputs_file, BUCKET_STACK, BUCKET_OUTPUT, session)

        print(f"[3/4] Staging the model into s3://{bucket}/{settings.model_prefix}")
        source = ["--source", args.source] if args.source else []
        stage = [sys.executable, "scripts/stage_model.py", "--bucket", bucket, *source, *context]
        _run_phase(runner, stage, "staging the model", retry)
        version = _staged_version(session, caller.region, bucket, settings.model_key, version_of)

        print(f"[4/4] Deploying the endpoint and the API ({ENDPOINT_STACK}, {API_STACK}) with model_version={version}")
        print(
            "      Creating the endpoint takes about 10 minutes (4 to 15) while SageMaker starts an instance and loads the model."
        )
        endpoint_advice = (
            "If the endpoint failed with ResourceLimitExceeded, request a higher instance quota (the preflight names it). "
            + retry
        )
        second = cdk("deploy", ENDPOINT_STACK, API_STACK, *deploy_flags, *context, "-c", f"model_version={version}")
        _run_phase(runner, second, f"cdk deploy {ENDPOINT_STACK} {API_STACK}", endpoint_advice)
        url = _read_output(outputs_file, API_STACK, TRANSLATE_URL_OUTPUT, session)
    except PreflightError as error:
        print(f"deploy stopped: {error}", file=sys.stderr)
        return 1
    except DeployError as error:
        print(f"deploy failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "\ndeploy interrupted: run make deploy again to finish, or make destroy to remove what was created.",
            file=sys.stderr,
        )
        return 130

    endpoint_name = _optional_output(outputs_file, ENDPOINT_STACK, ENDPOINT_OUTPUT)
    if endpoint_name:
        logs = session.client("logs", region_name=caller.region, config=CLIENT_CONFIG)
        print(endpoint_logs.keep_for(logs, endpoint_name, settings.log_retention_days))
    sample = json.dumps({"text": SAMPLE_TEXT})
    print()
    print(f"The translation service is up: POST {url}")
    page = _optional_output(outputs_file, API_STACK, API_URL_OUTPUT)
    if page:
        print(f"Web page: {page}")
    print("Try it:")
    print(f"  curl -s -X POST {shlex.quote(url)} -H 'Content-Type: application/json' -d {shlex.quote(sample)}")
    print(cost_reminder(settings, caller.region))
    return 0


if __name__ == "__main__":
    sys.exit(main())
