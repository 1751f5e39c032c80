"""make destroy: remove every stack, then confirm no SageMaker model, endpoint config or endpoint of the project is left."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python scripts/destroy.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from scripts.aws import endpoint_logs
from scripts.aws.cdk_cli import Runner, add_context_option, cdk, context_flags, run_command
from scripts.aws.stack_outputs import StackNotDeployed, StackOutputError, stack_output
from scripts.preflight import CLIENT_CONFIG, PreflightError, aws_session, check_caller, describe_error
from stacks.names import ENDPOINT_LOG_GROUP_PREFIX, ENDPOINT_OUTPUT, ENDPOINT_STACK, PROJECT_TAG, STACK_NAMES
from stacks.settings import SettingsError, parse_overrides, settings_from_files

# stacks/names.py is free of CDK imports: reading the names costs nothing and they can't drift from the stacks'.
PROJECT_STACKS = frozenset(STACK_NAMES)


@dataclass(frozen=True)
class Kind:
    """One kind of billable SageMaker resource: how to list it and how to delete it by hand."""

    label: str
    list_operation: str
    items_key: str
    name_key: str
    arn_key: str
    delete_command: str


# Deletion order matters: an endpoint uses its config, a config names its model.
KINDS = (
    Kind("endpoint", "list_endpoints", "Endpoints", "EndpointName", "EndpointArn", "delete-endpoint --endpoint-name"),
    Kind(
        "endpoint config",
        "list_endpoint_configs",
        "EndpointConfigs",
        "EndpointConfigName",
        "EndpointConfigArn",
        "delete-endpoint-config --endpoint-config-name",
    ),
    Kind("model", "list_models", "Models", "ModelName", "ModelArn", "delete-model --model-name"),
)


@dataclass(frozen=True)
class Leftover:
    """A SageMaker resource of the project that still exists."""

    kind: Kind
    name: str
    status: str | None

    def delete_command(self, region: str) -> str:
        return f"aws sagemaker {self.kind.delete_command} {self.name} --region {region}"


def belongs_to_project(tags: dict[str, str]) -> bool:
    """Tagged with the project's tag, or created by one of its stacks (CloudFormation tags what it creates)."""
    return tags.get(PROJECT_TAG[0]) == PROJECT_TAG[1] or tags.get("aws:cloudformation:stack-name") in PROJECT_STACKS


def _tags(sagemaker: Any, arn: str) -> dict[str, str] | None:
    tags: dict[str, str] = {}
    try:
        for page in sagemaker.get_paginator("list_tags").paginate(ResourceArn=arn):
            tags.update({tag["Key"]: tag["Value"] for tag in page.get("Tags", [])})
    except ClientError as error:
        # Deleted between listing and tagging: nothing is left of it.
        if error.response.get("Error", {}).get("Code") in {"ValidationException", "ResourceNotFound"}:
            return None
        raise
    return tags


def project_leftovers(sagemaker: Any) -> list[Leftover]:
    """Every SageMaker endpoint, endpoint config and model of the project that still exists, in deletion order."""
    leftovers = []
    for kind in KINDS:
        for page in sagemaker.get_paginator(kind.list_operation).paginate():
            for item in page.get(kind.items_key, []):
                tags = _tags(sagemaker, item[kind.arn_key])
                if tags is not None and belongs_to_project(tags):
                    leftovers.append(Leftover(kind=kind, name=item[kind.name_key], status=item.get("EndpointStatus")))
    return leftovers


def leftover_report(leftovers: list[Leftover], region: str) -> str:
    """What is left and the exact commands that delete it."""
    lines = [f"{len(leftovers)} SageMaker resource(s) of the project are still there in {region}:"]
    for leftover in leftovers:
        status = f" ({leftover.status})" if leftover.status else ""
        lines.append(f"  {leftover.kind.label} {leftover.name}{status}")
    if any(leftover.status == "Deleting" for leftover in leftovers):
        lines.append(
            "An endpoint that is Deleting goes away by itself within minutes: run make destroy again to confirm."
        )
    lines.append("Delete them (in this order) with the AWS CLI, or in the SageMaker console:")
    lines.extend(f"  {leftover.delete_command(region)}" for leftover in leftovers)
    lines.append("An endpoint bills until it is deleted.")
    return "\n".join(lines)


def deployed_endpoint_name(session: boto3.Session) -> str | None:
    """The endpoint stack's endpoint, read before destroying it: its log group is SageMaker's, not the stack's."""
    try:
        return stack_output(ENDPOINT_STACK, ENDPOINT_OUTPUT, session=session)
    except StackNotDeployed:
        return None
    except StackOutputError as error:
        # The stacks can still go; only the group's name is unknown, so say where to look afterwards.
        print(
            f"  warn  {error}; after destroy, delete the endpoint's log group by hand if one is left "
            f"(aws logs describe-log-groups --log-group-name-prefix {ENDPOINT_LOG_GROUP_PREFIX})",
            file=sys.stderr,
        )
        return None


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
    endpoint_name = None
    try:
        print("[1/3] Checking credentials")
        session = session or aws_session()
        caller = check_caller(session, "make destroy")
        print(f"  ok    {caller.arn}, region {caller.region}")
        endpoint_name = deployed_endpoint_name(session)
        print("[2/3] Removing every stack (cdk destroy --all --force); deleting the endpoint takes a few minutes")
        code = runner(cdk("destroy", "--all", "--force", *context_flags(args.context)))
        print("[3/3] Checking that no SageMaker model, endpoint config or endpoint of the project is left")
        sagemaker = session.client("sagemaker", region_name=caller.region, config=CLIENT_CONFIG)
        leftovers = project_leftovers(sagemaker)
        # Only once the endpoint is gone: a running one would create its group again.
        logs_left = None
        if endpoint_name and not leftovers:
            logs_left = endpoint_logs.delete(
                session.client("logs", region_name=caller.region, config=CLIENT_CONFIG), endpoint_name
            )
    except PreflightError as error:
        print(f"destroy stopped: {error}", file=sys.stderr)
        return 1
    except (ClientError, BotoCoreError) as error:
        print(
            f"destroy could not list SageMaker resources ({describe_error(error)}): check by hand with "
            "`aws sagemaker list-endpoints`, `list-endpoint-configs` and `list-models` that none of the project's is left.",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        # The rerun may find the stack gone and so no name for the endpoint's log group: name it now.
        logs_hint = ""
        if endpoint_name:
            logs_hint = f" If the stacks are gone already, delete the endpoint's log group: {endpoint_logs.delete_command(endpoint_name, caller.region)}"
        print(
            f"\ndestroy interrupted: run make destroy again; an endpoint bills until it is deleted.{logs_hint}",
            file=sys.stderr,
        )
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
    if logs_left:
        print(f"destroy incomplete: {logs_left}", file=sys.stderr)
        return 1
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
