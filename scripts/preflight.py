"""Preconditions of `make deploy`, each checked in seconds: credentials, region and image, instance quota, CDK bootstrap."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python scripts/preflight.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from scripts.aws.cdk_cli import add_context_option
from stacks.image_map import ImageMapError, seq2seq_image_map
from stacks.settings import CDK_JSON, Settings, SettingsError, parse_overrides, settings_from_files

OFFLINE_HINT = (
    "Without AWS you can still try the project offline: `make test` (the test suite), "
    "`make local` (the API and web page on 127.0.0.1 against a stand-in model), "
    "`make synth` (the CloudFormation templates in cdk.out/)."
)
# Short timeouts and few retries: a precondition answers in seconds or says why it can't.
CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=15, retries={"max_attempts": 2, "mode": "standard"})
# Service Quotas codes of the two usual types; other instance types are found by their quota's name alone.
KNOWN_QUOTA_CODES = {"ml.m4.xlarge": "L-97CF11BE", "ml.m5.xlarge": "L-2F737F8D"}
DEFAULT_TOOLKIT_STACK = "CDKToolkit"
DEFAULT_QUALIFIER = "hnb659fds"
_USABLE_STACK_STATES = {
    "CREATE_COMPLETE",
    "UPDATE_COMPLETE",
    "UPDATE_ROLLBACK_COMPLETE",
    "IMPORT_COMPLETE",
    "IMPORT_ROLLBACK_COMPLETE",
}
_EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired"}

Out = Callable[[str], None]


class PreflightError(Exception):
    """A precondition does not hold; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class Caller:
    """Who and where the deployment would go."""

    account: str
    arn: str
    region: str


@dataclass(frozen=True)
class Quota:
    """One Service Quotas entry for SageMaker."""

    name: str
    code: str
    value: float
    applied: bool


@dataclass(frozen=True)
class Preflight:
    """What the checks found: the target and any warnings the user should read."""

    caller: Caller
    warnings: list[str] = field(default_factory=list)


def describe_error(error: Exception) -> str:
    """A one-line account of an AWS error: its code and message, without a traceback."""
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code', 'Error')}: {details.get('Message', '') or error}"
    return str(error) or type(error).__name__


def aws_session() -> boto3.Session:
    """The boto3 session from the environment (AWS_PROFILE, AWS_REGION, ...), with a clear message for a bad profile."""
    try:
        return boto3.Session()
    except BotoCoreError as error:
        raise PreflightError(
            f"the AWS configuration could not be read ({error}): check AWS_PROFILE and ~/.aws/config."
        ) from None


def check_caller(session: boto3.Session, command: str = "make deploy") -> Caller:
    """Credentials first (locally, so their absence is reported at once), then the region, then STS says who we are.

    `command` is what the user ran, named in the messages.
    """
    try:
        credentials = session.get_credentials()
    except BotoCoreError as error:
        raise PreflightError(
            f"AWS credentials could not be loaded ({error}). Renew them (e.g. `aws sso login`) and try again. {OFFLINE_HINT}"
        ) from None
    if credentials is None:
        raise PreflightError(
            f"no AWS credentials found: `{command}` needs an AWS account. Set AWS_PROFILE, run `aws configure` "
            f"(or `aws sso login`), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. {OFFLINE_HINT}"
        )
    region = session.region_name
    if not region:
        raise PreflightError(
            "no AWS region set: choose one that has the seq2seq image, e.g. `export AWS_REGION=us-east-1` "
            f"(or `aws configure set region us-east-1`), and run {command} again."
        )
    try:
        identity = session.client("sts", region_name=region, config=CLIENT_CONFIG).get_caller_identity()
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        what = "expired" if code in _EXPIRED else "were rejected"
        raise PreflightError(
            f"the AWS credentials {what} ({describe_error(error)}): renew them (`aws sso login`, `aws configure`) "
            f"or check AWS_PROFILE / AWS_ACCESS_KEY_ID. {OFFLINE_HINT}"
        ) from None
    except BotoCoreError as error:
        raise PreflightError(
            f"could not check the AWS credentials with STS in {region} ({error}): check the network, a proxy, or `aws sso login`."
        ) from None
    return Caller(account=str(identity["Account"]), arn=str(identity["Arn"]), region=region)


def check_image(region: str) -> str:
    """The registry account of the seq2seq image in this region, or why the region can't be used."""
    try:
        registries = seq2seq_image_map().registries
    except ImageMapError as error:
        raise PreflightError(str(error)) from None
    if region not in registries:
        raise PreflightError(
            f"SageMaker's seq2seq image is not offered in {region}. Regions that have it: {', '.join(sorted(registries))}. "
            "Deploy to one of them, e.g. `AWS_REGION=us-east-1 make deploy`."
        )
    return registries[region]


def quota_name(instance_type: str) -> str:
    """The Service Quotas name of an instance type's endpoint quota."""
    return f"{instance_type} for endpoint usage"


def find_endpoint_quota(client: Any, instance_type: str) -> Quota | None:
    """The account's endpoint quota for an instance type (applied value, else AWS default); None if the region lists none."""
    wanted_name = quota_name(instance_type).lower()
    wanted_code = KNOWN_QUOTA_CODES.get(instance_type)
    # The applied list omits quotas that only have a default value, so the default list is read second.
    for operation, applied in (("list_service_quotas", True), ("list_aws_default_service_quotas", False)):
        for page in client.get_paginator(operation).paginate(
            ServiceCode="sagemaker", PaginationConfig={"PageSize": 100}
        ):
            for entry in page.get("Quotas", []):
                name, code = str(entry.get("QuotaName", "")), str(entry.get("QuotaCode", ""))
                if name.strip().lower() == wanted_name or (wanted_code and code == wanted_code):
                    return Quota(name=name, code=code, value=float(entry.get("Value", 0)), applied=applied)
    return None


def _quota_label(instance_type: str, code: str | None) -> str:
    return f"'{quota_name(instance_type)}' (Service Quotas, service code sagemaker{', quota code ' + code if code else ''})"


def check_instance_quota(client: Any, settings: Settings, region: str) -> tuple[str | None, list[str]]:
    """Check the instance type is offered and its quota covers the fleet: what was proven (None if unreadable), and warnings."""
    instance_type = settings.instance_type
    needed = max(settings.instance_count, settings.max_instance_count)
    try:
        quota = find_endpoint_quota(client, instance_type)
    except (ClientError, BotoCoreError) as error:
        label = _quota_label(instance_type, KNOWN_QUOTA_CODES.get(instance_type))
        return None, [
            (
                f"could not read Service Quotas ({describe_error(error)}), so the instance type and its quota are unchecked. "
                f"Check by hand that {label} in {region} is at least {needed} (Service Quotas console > AWS services > "
                "Amazon SageMaker): with 0 the endpoint fails after several minutes with ResourceLimitExceeded."
            )
        ]
    if quota is None:
        raise PreflightError(
            f"{instance_type} is not offered for SageMaker endpoints in {region}: "
            f"Service Quotas lists no '{quota_name(instance_type)}' there. "
            "Choose another instance type, e.g. `make deploy ARGS='-c instance_type=ml.m5.xlarge'`, or another region."
        )
    value = int(quota.value)
    label = _quota_label(instance_type, quota.code)
    if value < needed:
        desired = 2 * needed  # room for a rolling update, see the warning below
        raise PreflightError(
            f"the account's quota {label} in {region} is {value}, and this deployment needs {needed} "
            f"(max of instance_count {settings.instance_count} and max_instance_count {settings.max_instance_count}). "
            f"Request an increase: `aws service-quotas request-service-quota-increase --service-code sagemaker --quota-code {quota.code} "
            f"--desired-value {desired} --region {region}` (or the Service Quotas console); approval can take from minutes to a day. "
            "Then run make deploy again."
        )
    source = "" if quota.applied else ", the AWS default"
    proven = (
        f"{instance_type} is offered in {region}; quota {quota.code} is {value}{source}, this deployment needs {needed}"
    )
    warnings = []
    if value < 2 * needed:
        warnings.append(
            f"quota {label} is {value}: enough to run {needed}, but rolling out a new model brings up a second fleet beside the first, "
            f"which needs up to {2 * needed}; below that the update fails with ResourceLimitExceeded (the old endpoint keeps serving). "
            "Other endpoints of this account using the same type count against the quota too."
        )
    return proven, warnings


def cdk_toolkit(cdk_json: Path = CDK_JSON) -> tuple[str, str]:
    """The toolkit stack name and bootstrap qualifier the CDK CLI would use for this project."""
    data = json.loads(cdk_json.read_text(encoding="utf-8"))
    stack = data.get("toolkitStackName") or DEFAULT_TOOLKIT_STACK
    qualifier = data.get("context", {}).get("@aws-cdk/core:bootstrapQualifier") or DEFAULT_QUALIFIER
    return str(stack), str(qualifier)


def check_bootstrap(cloudformation: Any, ssm: Any, caller: Caller, stack_name: str, qualifier: str) -> str:
    """Confirm the CDK bootstrap stack (or the qualifier's version parameter) exists; what was found."""
    command = f"npx cdk bootstrap aws://{caller.account}/{caller.region}"
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if "does not exist" not in describe_error(error):
            raise PreflightError(
                f"could not read the CDK bootstrap stack {stack_name} ({describe_error(error)}): "
                "the deploying identity needs cloudformation:DescribeStacks."
            ) from None
        stacks = []
    except BotoCoreError as error:
        raise PreflightError(f"could not reach CloudFormation in {caller.region} ({error}).") from None
    if stacks:
        status = str(stacks[0].get("StackStatus", ""))
        if status in _USABLE_STACK_STATES:
            return f"{stack_name} ({status})"
        if status.endswith("_IN_PROGRESS"):
            raise PreflightError(
                f"the CDK bootstrap stack {stack_name} is {status}: wait until it finishes, then run make deploy again."
            )
        raise PreflightError(
            f"the CDK bootstrap stack {stack_name} is {status}: delete it in the CloudFormation console if it cannot be updated, "
            f"then run `{command}` and make deploy again."
        )
    # A bootstrap under another toolkit stack name still writes its version parameter for the qualifier.
    parameter = f"/cdk-bootstrap/{qualifier}/version"
    try:
        version = ssm.get_parameter(Name=parameter)["Parameter"]["Value"]
        return f"qualifier {qualifier} (bootstrap version {version})"
    except (ClientError, BotoCoreError):
        pass
    raise PreflightError(
        f"account {caller.account} is not bootstrapped for the CDK in {caller.region} (no {stack_name} stack, no {parameter} parameter): "
        f"run `{command}` once, then make deploy again."
    )


def run_preflight(
    settings: Settings,
    session: boto3.Session,
    *,
    quotas_client: Any = None,
    out: Out = print,
    command: str = "make deploy",
) -> Preflight:
    """Run every precondition in order, printing each result; raises PreflightError at the first that fails."""
    caller = check_caller(session, command)
    out(f"  ok    credentials: {caller.arn} (account {caller.account})")
    image_account = check_image(caller.region)
    out(f"  ok    region {caller.region}: the seq2seq image is published there (registry {image_account})")
    quotas = quotas_client or session.client("service-quotas", region_name=caller.region, config=CLIENT_CONFIG)
    proven, warnings = check_instance_quota(quotas, settings, caller.region)
    if proven:
        out(f"  ok    {proven}")
    for warning in warnings:
        out(f"  warn  {warning}")
    stack_name, qualifier = cdk_toolkit()
    found = check_bootstrap(
        session.client("cloudformation", region_name=caller.region, config=CLIENT_CONFIG),
        session.client("ssm", region_name=caller.region, config=CLIENT_CONFIG),
        caller,
        stack_name,
        qualifier,
    )
    out(f"  ok    CDK bootstrap: {found}")
    return Preflight(caller=caller, warnings=warnings)


def main(argv: list[str] | None = None) -> int:
    """Check the preconditions of `make deploy` without deploying anything."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    add_context_option(parser)
    args = parser.parse_args(argv)
    try:
        settings = settings_from_files(parse_overrides(args.context))
    except SettingsError as error:
        print(f"preflight: {error}", file=sys.stderr)
        return 2
    print("Checking the preconditions of make deploy:")
    try:
        run_preflight(settings, aws_session(), command="make preflight")
    except PreflightError as error:
        print(f"preflight failed: {error}", file=sys.stderr)
        return 1
    print("All preconditions hold.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
