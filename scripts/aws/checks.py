"""Preconditions of a deploy, each checked in seconds: credentials, region and image, quota, CDK bootstrap, roles."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from scripts.aws.errors import describe_error, error_code
from scripts.aws.session import CHECK_CONFIG
from stacks.image_map import ImageMapError, seq2seq_image_map
from stacks.instance_types import endpoint_quota_code, endpoint_quota_name
from stacks.settings import CDK_JSON, Settings

OFFLINE_HINT = (
    "Without AWS you can still try the project offline: `make test` (the test suite), "
    "`make local` (the API and web page on 127.0.0.1 against a stand-in model), "
    "`make synth` (the CloudFormation templates in cdk.out/)."
)
DEFAULT_TOOLKIT_STACK = "CDKToolkit"
DEFAULT_QUALIFIER = "hnb659fds"
# The synthesized templates' CheckBootstrapVersion rule refuses older bootstrap stacks (a test reads the rule).
MIN_BOOTSTRAP_VERSION = 6
BOOTSTRAP_VERSION_OUTPUT = "BootstrapVersion"
# Application Auto Scaling's role for SageMaker endpoints: created by the first scalable target of the account.
AUTOSCALING_SERVICE = "sagemaker.application-autoscaling.amazonaws.com"
AUTOSCALING_ROLE = "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
AUTOSCALING_ROLE_PATH = f"/aws-service-role/{AUTOSCALING_SERVICE}/"
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
            f"(or AWS_DEFAULT_REGION, or `aws configure set region us-east-1`), and run {command} again."
        )
    try:
        identity = session.client("sts", region_name=region, config=CHECK_CONFIG).get_caller_identity()
    except ClientError as error:
        what = "expired" if error_code(error) in _EXPIRED else "were rejected"
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


def find_endpoint_quota(client: Any, instance_type: str) -> Quota | None:
    """The account's endpoint quota for an instance type (applied value, else AWS default); None if the region lists none."""
    return find_quota(client, endpoint_quota_name(instance_type), endpoint_quota_code(instance_type))


def transform_quota_name(instance_type: str) -> str:
    """The Service Quotas name of an instance type's Batch Transform quota (its code is not published: found by name)."""
    return f"{instance_type} for transform job usage"


def find_quota(client: Any, name: str, code: str | None = None) -> Quota | None:
    """A SageMaker quota by name (or code): applied value, else AWS default; None if the region lists none."""
    wanted_name, wanted_code = name.lower(), code
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
    return f"'{endpoint_quota_name(instance_type)}' (Service Quotas, service code sagemaker{', quota code ' + code if code else ''})"


def check_instance_quota(client: Any, settings: Settings, region: str) -> tuple[str | None, list[str]]:
    """Check the instance type is offered and its quota covers the fleet: what was proven (None if unreadable), and warnings."""
    instance_type = settings.instance_type
    needed = max(settings.instance_count, settings.max_instance_count)
    try:
        quota = find_endpoint_quota(client, instance_type)
    except (ClientError, BotoCoreError) as error:
        label = _quota_label(instance_type, endpoint_quota_code(instance_type))
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
            f"Service Quotas lists no '{endpoint_quota_name(instance_type)}' there. "
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


def check_transform_quota(client: Any, instance_type: str, count: int, region: str) -> tuple[str | None, list[str]]:
    """Check a transform job of `count` instances fits the account's quota: what was proven (None if unreadable), warnings."""
    name = transform_quota_name(instance_type)
    try:
        quota = find_quota(client, name)
    except (ClientError, BotoCoreError) as error:
        return None, [
            (
                f"could not read Service Quotas ({describe_error(error)}): check by hand that '{name}' in {region} is at "
                f"least {count}; with less the job fails at once with ResourceLimitExceeded"
            )
        ]
    if quota is None:
        raise PreflightError(
            f"{instance_type} is not offered for SageMaker transform jobs in {region}: Service Quotas lists no '{name}' "
            "there; choose another type, e.g. -c batch_instance_type=ml.m5.xlarge"
        )
    value = int(quota.value)
    if value < count:
        raise PreflightError(
            f"the account's quota '{name}' ({quota.code}) in {region} is {value} and the job needs {count}: request an "
            f"increase with `aws service-quotas request-service-quota-increase --service-code sagemaker --quota-code "
            f"{quota.code} --desired-value {count} --region {region}` (or the Service Quotas console), then run it again"
        )
    return f"quota '{name}' ({quota.code}) in {region} is {value}, the job needs {count}", []


def cdk_toolkit(cdk_json: Path = CDK_JSON) -> tuple[str, str]:
    """The toolkit stack name and bootstrap qualifier the CDK CLI would use for this project."""
    data = json.loads(cdk_json.read_text(encoding="utf-8"))
    stack = data.get("toolkitStackName") or DEFAULT_TOOLKIT_STACK
    qualifier = data.get("context", {}).get("@aws-cdk/core:bootstrapQualifier") or DEFAULT_QUALIFIER
    return str(stack), str(qualifier)


def bootstrap_parameter(qualifier: str) -> str:
    """The SSM parameter holding the bootstrap version, which the templates' CheckBootstrapVersion rule reads."""
    return f"/cdk-bootstrap/{qualifier}/version"


def _toolkit_stack(cloudformation: Any, stack_name: str, caller: Caller, command: str) -> dict | None:
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if "does not exist" not in describe_error(error):
            raise PreflightError(
                f"could not read the CDK bootstrap stack {stack_name} ({describe_error(error)}): "
                "the deploying identity needs cloudformation:DescribeStacks."
            ) from None
        return None
    except BotoCoreError as error:
        raise PreflightError(f"could not reach CloudFormation in {caller.region} ({error}).") from None
    if not stacks:
        return None
    status = str(stacks[0].get("StackStatus", ""))
    if status.endswith("_IN_PROGRESS"):
        raise PreflightError(
            f"the CDK bootstrap stack {stack_name} is {status}: wait until it finishes, then run make deploy again."
        )
    if status not in _USABLE_STACK_STATES:
        raise PreflightError(
            f"the CDK bootstrap stack {stack_name} is {status}: delete it in the CloudFormation console if it cannot be updated, "
            f"then run `{command}` and make deploy again."
        )
    return stacks[0]


def _parameter_version(ssm: Any, qualifier: str) -> str | None:
    try:
        return str(ssm.get_parameter(Name=bootstrap_parameter(qualifier))["Parameter"]["Value"])
    except (ClientError, BotoCoreError):
        return None


def check_bootstrap(cloudformation: Any, ssm: Any, caller: Caller, stack_name: str, qualifier: str) -> str:
    """Confirm the CDK bootstrap exists and is recent enough for the templates; what was found."""
    command = f"npx cdk bootstrap aws://{caller.account}/{caller.region}"
    stack = _toolkit_stack(cloudformation, stack_name, caller, command)
    parameter = bootstrap_parameter(qualifier)
    if stack is None:
        # A bootstrap under another toolkit stack name still writes its version parameter for the qualifier.
        version = _parameter_version(ssm, qualifier)
        if version is None:
            raise PreflightError(
                f"account {caller.account} is not bootstrapped for the CDK in {caller.region} (no {stack_name} stack, "
                f"no {parameter} parameter): run `{command}` once, then make deploy again."
            )
        found = f"qualifier {qualifier}"
    else:
        outputs = {item["OutputKey"]: item.get("OutputValue", "") for item in stack.get("Outputs", [])}
        version = outputs.get(BOOTSTRAP_VERSION_OUTPUT) or _parameter_version(ssm, qualifier)
        found = f"{stack_name} ({stack['StackStatus']})"
    number = int(version) if version is not None and version.strip().isdigit() else None
    if number is None or number < MIN_BOOTSTRAP_VERSION:
        what = (
            f"is version {version}"
            if version
            else f"has no version (no {BOOTSTRAP_VERSION_OUTPUT} output, no {parameter})"
        )
        raise PreflightError(
            f"the CDK bootstrap in account {caller.account}, {caller.region} {what}; this project's templates need "
            f"version {MIN_BOOTSTRAP_VERSION} or later: run `{command}` (it upgrades in place), then make deploy again."
        )
    return f"{found}, bootstrap version {number}"


def check_autoscaling_role(iam: Any) -> tuple[str | None, list[str]]:
    """Whether Application Auto Scaling's role for SageMaker exists: what was proven (None if not), and warnings."""
    create = f"aws iam create-service-linked-role --aws-service-name {AUTOSCALING_SERVICE}"
    try:
        # Found by its path, which the service fixes, rather than by a name that could change case.
        roles = [
            role
            for page in iam.get_paginator("list_roles").paginate(PathPrefix=AUTOSCALING_ROLE_PATH)
            for role in page.get("Roles", [])
        ]
    except (ClientError, BotoCoreError) as error:
        return None, [
            (
                f"could not check for the service-linked role {AUTOSCALING_ROLE} ({describe_error(error)}): if the "
                "account lacks it, deploying with autoscaling creates it and needs iam:CreateServiceLinkedRole; "
                f"or create it once: `{create}`"
            )
        ]
    if not roles:
        return None, [
            (
                f"the service-linked role {AUTOSCALING_ROLE} does not exist yet: deploying with autoscaling creates it, "
                f"which needs iam:CreateServiceLinkedRole for {AUTOSCALING_SERVICE}; without that permission, "
                f"have an administrator run `{create}` once"
            )
        ]
    return f"autoscaling: service-linked role {roles[0]['RoleName']} exists", []


def run_preflight(
    settings: Settings,
    session: boto3.Session,
    *,
    quotas_client: Any = None,
    out: Out = lambda line: None,
    command: str = "make deploy",
) -> Preflight:
    """Run every precondition in order, reporting each result to `out`; raises PreflightError at the first that fails."""
    caller = check_caller(session, command)
    out(f"  ok    credentials: {caller.arn} (account {caller.account})")
    image_account = check_image(caller.region)
    out(f"  ok    region {caller.region}: the seq2seq image is published there (registry {image_account})")

    def client(service: str) -> Any:
        return session.client(service, region_name=caller.region, config=CHECK_CONFIG)

    warnings: list[str] = []

    def report(proven: str | None, found: list[str]) -> None:
        if proven:
            out(f"  ok    {proven}")
        for warning in found:
            out(f"  warn  {warning}")
        warnings.extend(found)

    report(*check_instance_quota(quotas_client or client("service-quotas"), settings, caller.region))
    stack_name, qualifier = cdk_toolkit()
    found = check_bootstrap(client("cloudformation"), client("ssm"), caller, stack_name, qualifier)
    out(f"  ok    CDK bootstrap: {found}")
    if settings.autoscaling:
        report(*check_autoscaling_role(client("iam")))
    return Preflight(caller=caller, warnings=warnings)
