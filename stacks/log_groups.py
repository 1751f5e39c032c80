"""Log groups declared in the stacks, so that `cdk destroy` deletes them: none is left for a service to create."""

from __future__ import annotations

from aws_cdk import CfnResource, CustomResourceProviderBase, RemovalPolicy, Stack
from aws_cdk import aws_logs as logs

from stacks.settings import LOG_RETENTION_DAYS

# Each CloudWatch Logs period by its days, spelled out: pairing by position would shift silently if CDK added one.
_RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}
if set(_RETENTION) != set(LOG_RETENTION_DAYS):
    raise RuntimeError("stacks/settings.py LOG_RETENTION_DAYS and stacks/log_groups.py must list the same periods")


def retention(days: int) -> logs.RetentionDays:
    """The RetentionDays member for a validated log_retention_days setting."""
    return _RETENTION[days]


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
        if not (isinstance(handler, CfnResource) and handler.cfn_resource_type == "AWS::Lambda::Function"):
            raise TypeError(
                f"{construct.node.path}: a custom resource provider without its Handler function; aws-cdk-lib changed"
            )
        log_group = logs.LogGroup(
            construct, "Logs", retention=retention(retention_days), removal_policy=RemovalPolicy.DESTROY
        )
        # The provider's role carries AWSLambdaBasicExecutionRole, which may write to any log group.
        handler.add_property_override("LoggingConfig.LogGroup", log_group.log_group_name)
        declared.append(log_group)
    return declared
