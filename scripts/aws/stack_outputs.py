"""Read one output of a deployed CloudFormation stack, with an error a user can act on."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from scripts.aws.errors import error_code, error_message
from scripts.aws.session import NO_REGION, SessionError, aws_session


class StackOutputError(RuntimeError):
    """The output cannot be read; the message says why and what to do."""


class StackNotDeployed(StackOutputError):
    """The stack does not exist in the account and region."""


def stack_output(stack_name: str, output_key: str, *, session: boto3.Session | None = None) -> str:
    """The value of output_key of the deployed stack_name, in the session's account and region."""
    try:
        session = session or aws_session()
    except SessionError as error:
        raise StackOutputError(str(error)) from None
    region = session.region_name
    if not region:
        raise StackOutputError(NO_REGION)
    try:
        stacks = session.client("cloudformation", region_name=region).describe_stacks(StackName=stack_name)["Stacks"]
    except NoCredentialsError:
        raise StackOutputError(
            f"no AWS credentials found to read stack {stack_name}: configure them (aws configure, AWS_PROFILE or AWS_ACCESS_KEY_ID)"
        ) from None
    except NoRegionError:
        raise StackOutputError(NO_REGION) from None
    except ClientError as error:
        if error_code(error) == "ValidationError" and "does not exist" in error_message(error):
            raise StackNotDeployed(
                f"stack {stack_name} is not deployed in {region}: deploy it first (make deploy)"
            ) from None
        raise StackOutputError(
            f"could not read stack {stack_name} in {region}: {error_code(error)}: {error_message(error)}"
        ) from None
    except BotoCoreError as error:
        raise StackOutputError(f"could not read stack {stack_name} in {region}: {error}") from None
    if not stacks:
        raise StackNotDeployed(f"stack {stack_name} is not deployed in {region}: deploy it first (make deploy)")
    stack = stacks[0]
    status = stack.get("StackStatus", "")
    outputs = {item["OutputKey"]: item.get("OutputValue", "") for item in stack.get("Outputs", [])}
    if outputs.get(output_key):
        return outputs[output_key]
    known = ", ".join(sorted(outputs)) or "none"
    raise StackOutputError(
        f"stack {stack_name} in {region} ({status}) has no output {output_key} (its outputs: {known})"
    )


def output_from_file(outputs_file: Path, stack_name: str, output_key: str) -> str | None:
    """The output as the CDK CLI's --outputs-file recorded it; None when the file or the value is missing."""
    try:
        value = json.loads(outputs_file.read_text(encoding="utf-8"))[stack_name][output_key]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return str(value) if value else None


def deployed_output(outputs_file: Path, stack_name: str, output_key: str, session: boto3.Session) -> str:
    """The output from the CLI's outputs file (no call needed), else from the deployed stack itself."""
    return output_from_file(outputs_file, stack_name, output_key) or stack_output(
        stack_name, output_key, session=session
    )
