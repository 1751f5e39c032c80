"""scripts/aws/stack_outputs.py: a deployed stack's output from CloudFormation (moto) or from the CLI's outputs file."""

from __future__ import annotations

import json

import boto3
import pytest

from scripts.aws.session import aws_session
from scripts.aws.stack_outputs import (
    StackNotDeployed,
    StackOutputError,
    deployed_output,
    output_from_file,
    stack_output,
)
from tests.fixtures.moto_server import set_region

TEMPLATE = "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties: {BucketName: %s}\nOutputs:\n  Name:\n    Value: !Ref B\n"


def test_an_output_of_a_deployed_stack(aws_env):
    boto3.client("cloudformation").create_stack(StackName="Mine", TemplateBody=TEMPLATE % "stack-made-bucket")
    assert stack_output("Mine", "Name") == "stack-made-bucket"


def test_a_stack_that_is_not_deployed_says_so(aws_env):
    with pytest.raises(StackNotDeployed, match="stack TranslateModelBucket is not deployed in us-east-1"):
        stack_output("TranslateModelBucket", "ModelBucketName")


def test_a_missing_output_names_the_outputs_there_are(aws_env):
    boto3.client("cloudformation").create_stack(StackName="Other", TemplateBody=TEMPLATE % "bucket-one")
    with pytest.raises(StackOutputError, match="has no output ModelBucketName .its outputs: Name"):
        stack_output("Other", "ModelBucketName")


def test_the_stack_is_read_in_the_region_aws_region_names(aws_env, monkeypatch, tmp_path):
    region = set_region("AWS_REGION alone", monkeypatch, tmp_path)
    boto3.client("cloudformation", region_name=region).create_stack(
        StackName="Mine", TemplateBody=TEMPLATE % "bucket-two"
    )
    assert stack_output("Mine", "Name") == "bucket-two"


def test_no_region_is_one_line_naming_aws_region(aws_env, monkeypatch, tmp_path):
    set_region("profile alone", monkeypatch, tmp_path)
    (tmp_path / "aws-config").write_text("[default]\n")
    with pytest.raises(StackOutputError, match=r"no AWS region configured: set AWS_REGION \(or AWS_DEFAULT_REGION"):
        stack_output("Mine", "Name")


def test_the_outputs_file_answers_first_and_the_stack_is_the_fallback(aws_env, tmp_path):
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"Mine": {"Name": "from-file", "Empty": ""}}))
    assert output_from_file(outputs, "Mine", "Name") == "from-file"
    assert output_from_file(outputs, "Mine", "Empty") is None
    assert output_from_file(tmp_path / "none.json", "Mine", "Name") is None
    assert deployed_output(outputs, "Mine", "Name", aws_session()) == "from-file"
    boto3.client("cloudformation").create_stack(StackName="Other", TemplateBody=TEMPLATE % "from-stack")
    assert deployed_output(outputs, "Other", "Name", aws_session()) == "from-stack"
