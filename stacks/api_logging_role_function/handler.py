"""Custom resource: give API Gateway an account-wide CloudWatch Logs role where the account and region lack a live one.

API Gateway keeps one such role per account and region (its "account settings"), shared by every REST API there.
On create and update this sets ours only when none is set, or when the one set is a role of this account that no
longer exists (a dead role logs nothing for any API); on delete it does nothing, so other APIs that log with
the role keep working after `cdk destroy`. It runs with boto3 alone (the Lambda runtime's), free of CDK imports.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import boto3
from botocore.exceptions import ClientError

from stacks.cloudformation_response import respond

ROLE_ARN_PATH = "/cloudwatchRoleArn"
API_GATEWAY_PRINCIPAL = "apigateway.amazonaws.com"
# A new role takes a few seconds to reach API Gateway, which refuses it meanwhile ("does not have required
# permissions"): try for up to a minute, well inside the function's timeout.
SET_ROLE_ATTEMPTS = 12
SET_ROLE_DELAY_SECONDS = 5


def _trust_policy() -> str:
    statement = {"Effect": "Allow", "Principal": {"Service": API_GATEWAY_PRINCIPAL}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _role_arn(iam: Any, role_name: str, policy_arn: str) -> str:
    """Our logging role, created once per account (roles are global) and reused by later deploys in any region."""
    try:
        arn = iam.create_role(
            RoleName=role_name,
            AssumeRolePolicyDocument=_trust_policy(),
            Description="Lets API Gateway write access logs to CloudWatch Logs (account setting, kept on destroy)",
        )["Role"]["Arn"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
        arn = iam.get_role(RoleName=role_name)["Role"]["Arn"]
    iam.attach_role_policy(RoleName=role_name, PolicyArn=policy_arn)
    return arn


def _set_account_role(apigateway: Any, role_arn: str, *, sleep: Callable[[float], None]) -> None:
    operation = {"op": "replace", "path": ROLE_ARN_PATH, "value": role_arn}
    for attempt in range(1, SET_ROLE_ATTEMPTS + 1):
        try:
            apigateway.update_account(patchOperations=[operation])
            return
        except ClientError as error:
            if error.response["Error"]["Code"] != "BadRequestException" or attempt == SET_ROLE_ATTEMPTS:
                raise
            sleep(SET_ROLE_DELAY_SECONDS)


PHYSICAL_ID = "api-gateway-account-logging-role"


class LoggingRole(NamedTuple):
    """The account's logging role after the call, whether the call set it, and why (reported to CloudFormation)."""

    role_arn: str
    set_now: bool
    reason: str


def _why_keep(iam: Any, current: str, account: str) -> str | None:
    """Why the role the account has must stay, or None when it is a role of this account that no longer exists.

    An older version of this project, like any stack with CDK's cloud_watch_role and RemovalPolicy.DESTROY, deleted
    its role on destroy or upgrade and left the account pointing at it: API Gateway then writes no API's logs.
    """
    parts = current.split(":", 5)
    if len(parts) != 6 or parts[2] != "iam" or not parts[5].startswith("role/"):
        return f"The account's role {current} is not an IAM role ARN we can check; left as it is"
    if parts[4] != account:
        return f"The account's role {current} belongs to another account; left as it is"
    try:
        # GetRole takes the name alone: the last part of the ARN, after any path.
        iam.get_role(RoleName=parts[5].rsplit("/", 1)[-1])
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code == "NoSuchEntity":
            return None
        return f"Could not check the account's role {current} ({code}); left as it is"
    return f"The account already has the role {current}; left as it is"


def ensure_logging_role(
    apigateway: Any,
    iam: Any,
    *,
    account: str,
    role_name: str,
    policy_arn: str,
    sleep: Callable[[float], None] = time.sleep,
) -> LoggingRole:
    """Make sure the account and region have a logging role that exists; one already set wins unless known deleted."""
    current = apigateway.get_account().get("cloudwatchRoleArn")
    if current:
        keep = _why_keep(iam, current, account)
        if keep is not None:
            return LoggingRole(current, False, keep)
        reason = f"The account's role {current} no longer exists; set ours"
    else:
        reason = "The account had no role; set ours"
    role_arn = _role_arn(iam, role_name, policy_arn)
    _set_account_role(apigateway, role_arn, sleep=sleep)
    return LoggingRole(role_arn, True, reason)


def _account_of(stack_id: str) -> str:
    """The account the stack, and so this function, runs in: the fifth field of the stack's ARN."""
    return stack_id.split(":", 5)[4]


def handler(event: dict[str, Any], context: Any) -> None:
    """Create/Update: make sure the account has a logging role; Delete: leave the account's setting as it is."""
    try:
        if event["RequestType"] == "Delete":
            respond(
                event,
                physical_id=PHYSICAL_ID,
                status="SUCCESS",
                reason="The account's API Gateway logging role is left as it is",
            )
            return
        properties = event["ResourceProperties"]
        outcome = ensure_logging_role(
            boto3.client("apigateway"),
            boto3.client("iam"),
            account=_account_of(event["StackId"]),
            role_name=properties["RoleName"],
            policy_arn=properties["PolicyArn"],
        )
        respond(
            event, physical_id=PHYSICAL_ID, status="SUCCESS", reason=outcome.reason, data={"RoleArn": outcome.role_arn}
        )
    except Exception as error:  # noqa: BLE001 - any failure must reach CloudFormation, or it waits an hour
        respond(event, physical_id=PHYSICAL_ID, status="FAILED", reason=f"{type(error).__name__}: {error}")
