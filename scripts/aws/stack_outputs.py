"""Read one output of a deployed CloudFormation stack, with an error a user can act on."""

from __future__ import annotations

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError


class StackOutputError(RuntimeError):
    """The output cannot be read; the message says why and what to do."""


class StackNotDeployed(StackOutputError):
    """The stack does not exist in the account and region."""


def stack_output(stack_name: str, output_key: str, *, session: boto3.session.Session | None = None) -> str:
    """The value of output_key of the deployed stack_name, in the session's account and region."""
    session = session or boto3.session.Session()
    region = session.region_name
    if not region:
        raise StackOutputError(
            "no AWS region configured: set AWS_REGION (or AWS_DEFAULT_REGION, or a profile's region)"
        )
    try:
        stacks = session.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    except NoCredentialsError:
        raise StackOutputError(
            f"no AWS credentials found to read stack {stack_name}: configure them (aws configure, AWS_PROFILE or AWS_ACCESS_KEY_ID)"
        ) from None
    except NoRegionError:
        raise StackOutputError("no AWS region configured: set AWS_REGION (or AWS_DEFAULT_REGION)") from None
    except ClientError as error:
        detail = error.response.get("Error", {})
        if detail.get("Code") == "ValidationError" and "does not exist" in detail.get("Message", ""):
            raise StackNotDeployed(
                f"stack {stack_name} is not deployed in {region}: deploy it first (make deploy)"
            ) from None
        raise StackOutputError(
            f"could not read stack {stack_name} in {region}: {detail.get('Code')}: {detail.get('Message')}"
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
