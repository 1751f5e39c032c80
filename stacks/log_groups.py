"""Log groups declared in the stacks, so that `cdk destroy` deletes them: none is left for a service to create."""

from __future__ import annotations

from aws_cdk import CfnResource, CustomResourceProviderBase, RemovalPolicy, Stack
from aws_cdk import aws_logs as logs

from stacks.settings import LOG_RETENTION_DAYS


def retention(days: int) -> logs.RetentionDays:
    """The RetentionDays member for a validated log_retention_days setting."""
    # RetentionDays lists the same periods as LOG_RETENTION_DAYS, in the same order, then INFINITE.
    return dict(zip(LOG_RETENTION_DAYS, logs.RetentionDays, strict=False))[days]


def declare_provider_log_groups(stack: Stack, *, retention_days: int) -> list[logs.LogGroup]:
    """Give every CDK-internal custom resource provider of a stack (e.g. the bucket's auto-delete) a log group of its own.

    Such a provider is a bare AWS::Lambda::Function with no log settings: Lambda would create /aws/lambda/<name> on its
    first run, with no retention, and nothing would delete it. Pointing the function's LoggingConfig at a declared
    group also orders deletion right: the function depends on the group, so the group goes after the function.
    """
    declared = []
    for construct in stack.node.find_all():
        if not isinstance(construct, CustomResourceProviderBase):
            continue
        handler = construct.node.find_child("Handler")
        assert isinstance(handler, CfnResource) and handler.cfn_resource_type == "AWS::Lambda::Function", construct.node.path
        log_group = logs.LogGroup(construct, "Logs", retention=retention(retention_days), removal_policy=RemovalPolicy.DESTROY)
        # The provider's role carries AWSLambdaBasicExecutionRole, which may write to any log group.
        handler.add_property_override("LoggingConfig.LogGroup", log_group.log_group_name)
        declared.append(log_group)
    return declared
