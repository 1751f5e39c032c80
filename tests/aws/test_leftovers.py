"""scripts/aws/leftovers.py: which SageMaker resources of the project are left, against moto's SageMaker."""

from __future__ import annotations

import boto3

from scripts.aws.leftovers import KINDS, Leftover, belongs_to_project, leftover_report, project_leftovers

PROJECT = [{"Key": "Project", "Value": "seq2seq-translate"}]


def create_model(name: str, tags: list[dict]) -> None:
    boto3.client("sagemaker").create_model(
        ModelName=name,
        PrimaryContainer={
            "Image": "811284229777.dkr.ecr.us-east-1.amazonaws.com/seq2seq:1",
            "ModelDataUrl": "s3://bucket/model.tar.gz",
        },
        ExecutionRoleArn="arn:aws:iam::123456789012:role/model-role",
        Tags=tags,
    )


def test_the_project_tag_or_one_of_its_stacks_makes_a_resource_the_projects():
    assert belongs_to_project({"Project": "seq2seq-translate"})
    assert belongs_to_project({"aws:cloudformation:stack-name": "TranslateEndpoint"})
    assert not belongs_to_project({"Project": "other", "aws:cloudformation:stack-name": "OtherStack"})
    assert not belongs_to_project({})


def test_only_the_projects_models_are_leftovers(aws_env):
    create_model("ours", PROJECT)
    create_model("stack-made", [{"Key": "aws:cloudformation:stack-name", "Value": "TranslateApi"}])
    create_model("theirs", [{"Key": "Project", "Value": "other"}])
    found = project_leftovers(boto3.client("sagemaker"))
    assert sorted(leftover.name for leftover in found) == ["ours", "stack-made"]
    assert {leftover.kind.label for leftover in found} == {"model"}


def test_the_report_lists_each_leftover_and_the_commands_in_deletion_order():
    endpoint, config, model = KINDS
    leftovers = [Leftover(endpoint, "e", "Deleting"), Leftover(config, "c", None), Leftover(model, "m", None)]
    report = leftover_report(leftovers, "eu-west-1").splitlines()
    assert report[0] == "3 SageMaker resource(s) of the project are still there in eu-west-1:"
    assert report[1:4] == ["  endpoint e (Deleting)", "  endpoint config c", "  model m"]
    assert "goes away by itself within minutes" in report[4]
    assert [line.strip() for line in report if line.strip().startswith("aws sagemaker")] == [
        "aws sagemaker delete-endpoint --endpoint-name e --region eu-west-1",
        "aws sagemaker delete-endpoint-config --endpoint-config-name c --region eu-west-1",
        "aws sagemaker delete-model --model-name m --region eu-west-1",
    ]
    assert report[-1] == "An endpoint bills until it is deleted."


def test_without_an_endpoint_deleting_the_report_does_not_say_to_wait():
    (_, _, model) = KINDS
    assert "within minutes" not in leftover_report([Leftover(model, "m", None)], "us-east-1")
