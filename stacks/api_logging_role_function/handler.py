"""Custom resource: give API Gateway an account-wide CloudWatch Logs role only where the account and region have none.

API Gateway keeps one such role per account and region (its "account settings"), shared by every REST API there.
On create and update this sets ours only when none is set; on delete it does nothing, so other APIs that log with
the role keep working after `cdk destroy`. It runs with boto3 alone (the Lambda runtime's), free of CDK imports.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

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


def ensure_logging_role(
    apigateway: Any, iam: Any, *, role_name: str, policy_arn: str, sleep: Callable[[float], None] = time.sleep
) -> tuple[str, bool]:
    """The account's logging role once one is set, and whether this call set it: the one already there wins."""
    current = apigateway.get_account().get("cloudwatchRoleArn")
    if current:
        return current, False
    role_arn = _role_arn(iam, role_name, policy_arn)
    _set_account_role(apigateway, role_arn, sleep=sleep)
    return role_arn, True


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
        role_arn, set_now = ensure_logging_role(
            boto3.client("apigateway"),
            boto3.client("iam"),
            role_name=properties["RoleName"],
            policy_arn=properties["PolicyArn"],
        )
        reason = "Set our role" if set_now else "The account already had a role; left as it is"
        respond(event, physical_id=PHYSICAL_ID, status="SUCCESS", reason=reason, data={"RoleArn": role_arn})
    except Exception as error:  # noqa: BLE001 - any failure must reach CloudFormation, or it waits an hour
        respond(event, physical_id=PHYSICAL_ID, status="FAILED", reason=f"{type(error).__name__}: {error}")
