"""API Gateway's account-wide CloudWatch Logs role, set only where the account and region have none, never removed."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Aws, CustomResource, Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from stacks.custom_resource_function import custom_resource_function
from stacks.names import API_GATEWAY_LOGGING_ROLE

FUNCTION_SOURCE = Path(__file__).resolve().parent / "api_logging_role_function"
# The handler and the CloudFormation answer it shares with the other custom resource; boto3 comes with the runtime.
PACKAGE_FILES = {
    "handler.py": FUNCTION_SOURCE / "handler.py",
    "stacks/__init__.py": FUNCTION_SOURCE.parent / "__init__.py",
    "stacks/cloudformation_response.py": FUNCTION_SOURCE.parent / "cloudformation_response.py",
}
POLICY_ARN = f"arn:{Aws.PARTITION}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
ROLES_OF_THIS_ACCOUNT = f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/*"
# The handler waits up to a minute for a new role to reach API Gateway.
TIMEOUT = Duration.minutes(2)


class ApiGatewayLoggingRole(Construct):
    """Makes sure the account has an API Gateway logging role before a stage with access logs is created.

    Why a custom resource and not AWS::ApiGateway::Account (CDK's cloud_watch_role): that resource replaces whatever
    role the account and region have, for every API there, and destroying the stack deleted the role they may log
    with. This one reads the account setting first: a role already set is left alone unless it is a role of this
    account that no longer exists; where none is set (or that deleted one), it creates API_GATEWAY_LOGGING_ROLE (or
    reuses it: IAM roles are global) and sets it. On delete it does nothing: other APIs may have started logging with
    our role, and a role set in the account's settings is account infrastructure.
    The role is created by the function, not declared, so the stack never deletes it and no Retain policy is needed;
    the README says how to remove it once no API of the account logs to CloudWatch.
    """

    def __init__(self, scope: Construct, construct_id: str, *, log_retention_days: int) -> None:
        super().__init__(scope, construct_id)
        self.function = custom_resource_function(
            self,
            description="Sets API Gateway's CloudWatch Logs role for the account and region when none is set",
            source=FUNCTION_SOURCE,
            files=PACKAGE_FILES,
            timeout=TIMEOUT,
            log_retention_days=log_retention_days,
        )
        self._grant(self.function)
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.function.function_arn,
            resource_type="Custom::ApiGatewayLoggingRole",
            properties={"RoleName": API_GATEWAY_LOGGING_ROLE, "PolicyArn": POLICY_ARN},
        )
        # The function must hold its permissions before CloudFormation first invokes it.
        role = self.function.role
        if role is not None:
            self.resource.node.add_dependency(role.node.find_child("DefaultPolicy"))

    @staticmethod
    def _grant(function: lambda_.Function) -> None:
        account_settings = f"arn:{Aws.PARTITION}:apigateway:{Aws.REGION}::/account"
        role_arn = f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/{API_GATEWAY_LOGGING_ROLE}"
        function.add_to_role_policy(
            iam.PolicyStatement(actions=["apigateway:GET", "apigateway:PATCH"], resources=[account_settings])
        )
        function.add_to_role_policy(iam.PolicyStatement(actions=["iam:CreateRole"], resources=[role_arn]))
        # Reading any role of this account (names only, no policies) tells a deleted role set in the account's
        # settings from a live one; roles of other accounts are left alone unread.
        function.add_to_role_policy(iam.PolicyStatement(actions=["iam:GetRole"], resources=[ROLES_OF_THIS_ACCOUNT]))
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["iam:AttachRolePolicy"],
                resources=[role_arn],
                conditions={"ArnEquals": {"iam:PolicyARN": POLICY_ARN}},
            )
        )
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "apigateway.amazonaws.com"}},
            )
        )
