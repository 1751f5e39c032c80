"""The endpoint's own log group against moto's CloudWatch Logs: retention set on deploy, deleted on destroy."""

from __future__ import annotations

import boto3
from botocore.stub import Stubber

from scripts.aws import endpoint_logs


def test_delete_reports_a_refusal_with_the_command_and_ignores_a_missing_group(aws_env):
    logs = boto3.client("logs")
    assert endpoint_logs.delete(logs, "never-created") is None
    # moto allows everything; a refusal is played by botocore's Stubber.
    with Stubber(logs) as stubber:
        stubber.add_client_error("delete_log_group", "AccessDeniedException", "not allowed", 400)
        problem = endpoint_logs.delete(logs, "translate-endpoint")
    assert problem == (
        "could not delete the endpoint's log group /aws/sagemaker/Endpoints/translate-endpoint (AccessDeniedException): "
        "aws logs delete-log-group --log-group-name /aws/sagemaker/Endpoints/translate-endpoint --region us-east-1"
    )


def test_delete_removes_only_the_endpoints_group(aws_env):
    logs = boto3.client("logs")
    for name in ("/aws/sagemaker/Endpoints/mine", "/aws/sagemaker/Endpoints/other"):
        logs.create_log_group(logGroupName=name)
    assert endpoint_logs.delete(logs, "mine") is None
    assert [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]] == ["/aws/sagemaker/Endpoints/other"]


def test_keep_for_sets_the_retention_and_names_a_refusal_by_its_code(aws_env):
    logs = boto3.client("logs")
    logs.create_log_group(logGroupName="/aws/sagemaker/Endpoints/mine")
    assert (
        endpoint_logs.keep_for(logs, "mine", 30)
        == "  ok    endpoint logs /aws/sagemaker/Endpoints/mine are kept 30 days"
    )
    assert logs.describe_log_groups()["logGroups"][0]["retentionInDays"] == 30
    with Stubber(logs) as stubber:  # moto allows everything; a refusal is played by botocore's Stubber
        stubber.add_client_error("put_retention_policy", "AccessDeniedException", "not allowed", 400)
        line = endpoint_logs.keep_for(logs, "mine", 30)
    assert line.startswith(
        "  warn  could not set the retention of /aws/sagemaker/Endpoints/mine (AccessDeniedException)"
    )
