"""stacks/log_groups.py: retention periods, and a declared log group for each CDK-internal provider function."""

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from stacks.log_groups import declare_provider_log_groups
from stacks.service import new_app


def test_every_allowed_retention_synthesizes_as_that_many_days():
    # One small stack with a log group per allowed period: the template says what CloudWatch will keep.
    from aws_cdk import Stack
    from aws_cdk import aws_logs as logs
    from aws_cdk.assertions import Template

    from stacks.log_groups import retention
    from stacks.settings import LOG_RETENTION_DAYS

    stack = Stack(new_app({}), "Retentions")
    for days in LOG_RETENTION_DAYS:
        logs.LogGroup(stack, f"Keep{days}Days", retention=retention(days))
    groups = Template.from_stack(stack).find_resources("AWS::Logs::LogGroup")
    kept = {logical_id: group["Properties"]["RetentionInDays"] for logical_id, group in groups.items()}
    assert len(kept) == len(LOG_RETENTION_DAYS)
    for days in LOG_RETENTION_DAYS:
        (logical_id,) = [logical_id for logical_id in kept if logical_id.startswith(f"Keep{days}Days")]
        assert kept[logical_id] == days, logical_id


def bucket_stack() -> Stack:
    # A bucket that empties itself on delete: CDK adds its own provider function to do that.
    stack = Stack(new_app({}), "Providers")
    s3.Bucket(stack, "Bucket", auto_delete_objects=True, removal_policy=RemovalPolicy.DESTROY)
    return stack


def test_each_provider_function_logs_to_a_declared_group_that_goes_with_the_stack():
    stack = bucket_stack()
    declared = declare_provider_log_groups(stack, retention_days=14)
    assert len(declared) == 1
    template = Template.from_stack(stack)
    ((group_id, group),) = template.find_resources("AWS::Logs::LogGroup").items()
    assert group["Properties"]["RetentionInDays"] == 14
    assert group["DeletionPolicy"] == "Delete"
    ((_, function),) = template.find_resources("AWS::Lambda::Function").items()
    assert function["Properties"]["LoggingConfig"] == {"LogGroup": {"Ref": group_id}}


def test_a_stack_without_providers_gets_no_log_group():
    stack = Stack(new_app({}), "Plain")
    s3.Bucket(stack, "Bucket")
    assert declare_provider_log_groups(stack, retention_days=14) == []
    assert Template.from_stack(stack).find_resources("AWS::Logs::LogGroup") == {}
