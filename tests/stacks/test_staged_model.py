"""stacks/staged_model.py: the StagedModel construct and its custom resource request, in a stack of their own."""

import json

import pytest
from aws_cdk import Stack
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from stacks.service import new_app
from stacks.staged_model import StagedModel, staged_model_resource

PREFIX = "models/seq2seq/"


@pytest.fixture(scope="module")
def template() -> Template:
    stack = Stack(new_app({}), "Staging")
    bucket = s3.Bucket(stack, "Bucket")
    StagedModel(stack, "Staged", bucket=bucket, prefix=PREFIX, requested_version="", keep=3, log_retention_days=7)
    return Template.from_stack(stack)


def test_the_resource_asks_to_stage_into_the_prefix_and_waits_past_the_functions_limit(template):
    template.has_resource_properties(
        "Custom::StagedModel",
        {"Mode": "stage", "Prefix": PREFIX, "RequestedVersion": "", "Keep": "3", "ServiceTimeout": "720"},
    )
    template.has_resource_properties("AWS::Lambda::Function", {"Timeout": 600, "Handler": "handler.handler"})


def test_the_resource_waits_for_the_functions_permissions(template):
    ((_, resource),) = template.find_resources("Custom::StagedModel").items()
    ((policy_id, _),) = template.find_resources("AWS::IAM::Policy").items()
    assert policy_id in resource["DependsOn"]


def test_the_function_reads_only_the_public_model_folders(template):
    ((_, policy),) = template.find_resources("AWS::IAM::Policy").items()
    public = [
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Action"] == ["s3:GetObject", "s3:GetObjectTagging"]
    ]
    assert len(public) == 1
    resources = json.dumps(public[0]["Resource"])
    assert "sagemaker-example-files-prod-" in resources and "sagemaker-sample-files" in resources
    assert resources.count("/models/seq2seq-data/*") == 2


def test_an_in_service_request_carries_its_mode_and_no_pruning():
    stack = Stack(new_app({}), "Reader")
    staged_model_resource(
        stack, "InService", "arn:aws:lambda:us-east-1:111111111111:function:f", "in-service", "b", PREFIX, ""
    )
    Template.from_stack(stack).has_resource_properties(
        "Custom::StagedModel",
        Match.object_equals(
            {
                "ServiceToken": "arn:aws:lambda:us-east-1:111111111111:function:f",
                "ServiceTimeout": "720",
                "Mode": "in-service",
                "Bucket": "b",
                "Prefix": PREFIX,
                "RequestedVersion": "",
                "Keep": "0",
            }
        ),
    )
