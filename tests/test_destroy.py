"""make destroy: cdk destroy, then the leftover check against moto's SageMaker."""

from __future__ import annotations

import ast
from pathlib import Path

import boto3
import pytest

from scripts import destroy
from scripts.aws import leftovers
from stacks.names import PROJECT_TAG, STACK_NAMES
from tests.fixtures.moto_server import REGION_CASES, set_region

REPO_ROOT = Path(__file__).resolve().parent.parent
DESTROY = ["npx", "--no-install", "cdk", "destroy", "--all", "--force"]
PROJECT = [{"Key": "Project", "Value": "seq2seq-translate"}]


class FakeRunner:
    """Records each command and answers with an exit code; `on_call` plays what the real CLI would do to the account."""

    def __init__(self, code: int = 0, on_call=None):
        self.calls: list[list[str]] = []
        self.envs: list[dict[str, str]] = []
        self.code = code
        self.on_call = on_call

    def __call__(self, argv, *, env=None):
        self.calls.append(list(argv))
        self.envs.append(dict(env or {}))
        if self.on_call:
            self.on_call()
        return self.code


def create_endpoint(name: str, tags: list[dict]) -> None:
    """A model, its endpoint config and an endpoint, all named after `name`, in moto's SageMaker."""
    sagemaker = boto3.client("sagemaker")
    sagemaker.create_model(
        ModelName=f"{name}-model",
        PrimaryContainer={
            "Image": "811284229777.dkr.ecr.us-east-1.amazonaws.com/seq2seq:1",
            "ModelDataUrl": "s3://bucket/model.tar.gz",
        },
        ExecutionRoleArn="arn:aws:iam::123456789012:role/model-role",
        Tags=tags,
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=f"{name}-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": f"{name}-model",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m4.xlarge",
            }
        ],
        Tags=tags,
    )
    sagemaker.create_endpoint(EndpointName=f"{name}-endpoint", EndpointConfigName=f"{name}-config", Tags=tags)


def delete_endpoint(name: str) -> None:
    sagemaker = boto3.client("sagemaker")
    sagemaker.delete_endpoint(EndpointName=f"{name}-endpoint")
    sagemaker.delete_endpoint_config(EndpointConfigName=f"{name}-config")
    sagemaker.delete_model(ModelName=f"{name}-model")


def test_destroy_removes_all_stacks_and_confirms_nothing_is_left(aws_env, capsys):
    create_endpoint("translate", PROJECT)
    runner = FakeRunner(on_call=lambda: delete_endpoint("translate"))  # what a successful cdk destroy does
    assert destroy.main(["-c", "instance_type=ml.m5.xlarge"], runner=runner) == 0
    assert runner.calls == [[*DESTROY, "-c", "instance_type=ml.m5.xlarge"]]
    out = capsys.readouterr().out
    assert "Done: no model, endpoint config or endpoint of the project is left in us-east-1" in out


def test_leftovers_of_the_project_are_named_with_the_commands_that_delete_them(aws_env, capsys):
    create_endpoint("translate", PROJECT)
    assert destroy.main([], runner=FakeRunner()) == 1
    err = capsys.readouterr().err
    assert "3 SageMaker resource(s) of the project are still there in us-east-1:" in err
    for listed in (
        "endpoint translate-endpoint (InService)",
        "endpoint config translate-config",
        "model translate-model",
    ):
        assert f"  {listed}\n" in err
    commands = [line.strip() for line in err.splitlines() if line.strip().startswith("aws sagemaker")]
    assert commands == [
        "aws sagemaker delete-endpoint --endpoint-name translate-endpoint --region us-east-1",
        "aws sagemaker delete-endpoint-config --endpoint-config-name translate-config --region us-east-1",
        "aws sagemaker delete-model --model-name translate-model --region us-east-1",
    ]


def test_resources_made_by_the_project_stacks_count_even_without_the_project_tag(aws_env, capsys):
    create_endpoint("stackmade", [{"Key": "aws:cloudformation:stack-name", "Value": "TranslateEndpoint"}])
    assert destroy.main([], runner=FakeRunner()) == 1
    assert "3 SageMaker resource(s) of the project" in capsys.readouterr().err


def test_other_projects_resources_are_left_alone(aws_env, capsys):
    other = [
        {"Key": "Project", "Value": "something-else"},
        {"Key": "aws:cloudformation:stack-name", "Value": "OtherStack"},
    ]
    create_endpoint("other", other)
    assert destroy.main([], runner=FakeRunner()) == 0
    assert "Done:" in capsys.readouterr().out
    assert [e["EndpointName"] for e in boto3.client("sagemaker").list_endpoints()["Endpoints"]] == ["other-endpoint"]


def test_a_failed_cdk_destroy_still_reports_what_is_left(aws_env, capsys):
    create_endpoint("translate", PROJECT)
    assert destroy.main([], runner=FakeRunner(code=5)) == 5
    assert "endpoint translate-endpoint (InService)" in capsys.readouterr().err


def test_a_failed_cdk_destroy_with_nothing_left_still_fails(aws_env, capsys):
    assert destroy.main([], runner=FakeRunner(code=5)) == 5
    assert "cdk destroy failed (exit code 5); no SageMaker resource of the project is left" in capsys.readouterr().err


def test_without_credentials_destroy_says_so_and_runs_nothing(no_aws_credentials, capsys):
    runner = FakeRunner()
    assert destroy.main([], runner=runner) == 1
    assert runner.calls == []
    assert "destroy stopped: no AWS credentials found" in capsys.readouterr().err


def test_a_bad_setting_is_named_before_anything_runs(capsys):
    runner = FakeRunner()
    assert destroy.main(["-c", "nonsense"], runner=runner) == 2
    assert runner.calls == []
    assert "-c 'nonsense' is not allowed: use -c key=value" in capsys.readouterr().err


def test_project_tag_and_stack_names_come_from_the_stacks_names_module():
    assert leftovers.PROJECT_STACKS == frozenset(STACK_NAMES) and leftovers.PROJECT_TAG == PROJECT_TAG
    for module in (destroy, leftovers):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        literals = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
        assert not {*STACK_NAMES, PROJECT_TAG[1]} & literals


def test_destroy_no_longer_touches_log_groups_the_stack_owns_them(aws_env, capsys):
    # The endpoint stack declares /aws/sagemaker/Endpoints/<its name> (tests/stacks/test_endpoint.py): cdk destroy
    # deletes it after the endpoint, so destroy itself leaves every log group alone.
    boto3.client("logs").create_log_group(logGroupName="/aws/sagemaker/Endpoints/someone-elses")
    assert destroy.main([], runner=FakeRunner()) == 0
    groups = [group["logGroupName"] for group in boto3.client("logs").describe_log_groups()["logGroups"]]
    assert groups == ["/aws/sagemaker/Endpoints/someone-elses"]


def test_a_stack_that_is_not_deployed_is_no_warning(aws_env, capsys):
    assert destroy.main([], runner=FakeRunner()) == 0
    assert "warn" not in capsys.readouterr().err


@pytest.mark.parametrize("case", REGION_CASES)
def test_destroy_checks_and_destroys_in_the_region_the_user_set(case, aws_env, monkeypatch, tmp_path, capsys):
    region = set_region(case, monkeypatch, tmp_path)
    runner = FakeRunner()
    assert destroy.main([], runner=runner) == 0
    assert runner.envs == [{"AWS_REGION": region, "AWS_DEFAULT_REGION": region}]
    out = capsys.readouterr().out
    assert f"region {region}" in out and f"left in {region}" in out
