"""make deploy's orchestration: preflight first, then bucket -> stage -> endpoint and API, stopping at the first failure."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from scripts import deploy
from scripts.staging.sources import STAGED_BY

REPO_ROOT = Path(__file__).resolve().parent.parent
CDK = ["npx", "--no-install", "cdk"]
BUCKET = "translatemodelbucket-modelbucket-1a2b3c"
URL = "https://abc123.execute-api.us-east-1.amazonaws.com/prod/translate"
OUTPUTS = {
    "TranslateModelBucket": {"ModelBucketName": BUCKET},
    "TranslateEndpoint": {"EndpointName": "Endpoint-xyz"},
    "TranslateApi": {"TranslateUrl": URL, "ApiUrl": "https://abc123.execute-api.us-east-1.amazonaws.com/prod/"},
}
TEMPLATE = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})


class FakeRunner:
    """Records each command; `cdk deploy` writes the deployed stacks' outputs where --outputs-file says, as the CLI does."""

    def __init__(self, fail_at: int | None = None, write_outputs: bool = True):
        self.calls: list[list[str]] = []
        self.fail_at = fail_at
        self.write_outputs = write_outputs

    def __call__(self, argv):
        self.calls.append(list(argv))
        if self.fail_at == len(self.calls) - 1:
            return 3
        if argv[:4] == [*CDK, "deploy"] and self.write_outputs:
            target = Path(argv[argv.index("--outputs-file") + 1])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps({stack: OUTPUTS[stack] for stack in argv[4:] if stack in OUTPUTS}))
        return 0


class FakeVersion:
    def __init__(self):
        self.asked: list[tuple[str, str]] = []

    def __call__(self, s3_client, bucket, key):
        self.asked.append((bucket, key))
        return "3f2a9c"


@pytest.fixture
def account(aws_env):
    """moto with a CDK bootstrap stack, and a Service Quotas client under Stubber (moto lacks Service Quotas for sagemaker)."""
    boto3.client("cloudformation").create_stack(StackName="CDKToolkit", TemplateBody=TEMPLATE)
    client = boto3.client("service-quotas", region_name="us-east-1")
    quotas = [
        {
            "ServiceCode": "sagemaker",
            "QuotaCode": code,
            "QuotaName": f"{instance_type} for endpoint usage",
            "Value": 2.0,
        }
        for instance_type, code in (("ml.m4.xlarge", "L-97CF11BE"), ("ml.m5.xlarge", "L-2F737F8D"))
    ]
    with Stubber(client) as stubber:
        stubber.add_response("list_service_quotas", {"Quotas": quotas}, {"ServiceCode": "sagemaker", "MaxResults": 100})
        yield client
        stubber.assert_no_pending_responses()


def run(argv, account, tmp_path, runner, **kwargs):
    kwargs.setdefault("version_of", FakeVersion())
    kwargs.setdefault("interactive", False)
    return deploy.main(argv, runner=runner, quotas_client=account, outputs_dir=tmp_path, **kwargs)


def expected_calls(outputs: Path, context: list[str], source: list[str] | None = None) -> list[list[str]]:
    flags = ["--require-approval", "never", "--outputs-file", str(outputs)]
    return [
        # --exclusively: the CLI bundles no other stack's assets (the API's Lambda) for the bucket alone.
        [*CDK, "deploy", "TranslateModelBucket", "--exclusively", *flags, *context],
        [sys.executable, "scripts/stage_model.py", "--bucket", BUCKET, *(source or []), *context],
        [*CDK, "deploy", "TranslateEndpoint", "TranslateApi", *flags, *context, "-c", "model_version=3f2a9c"],
    ]


def test_deploy_runs_bucket_stage_endpoint_in_order_with_flags_passed_through(account, tmp_path, capsys):
    runner, version = FakeRunner(), FakeVersion()
    argv = ["--yes", "-c", "instance_type=ml.m5.xlarge", "--source", "s3://my-copy/seq2seq/", "-c", "throttle_rate=5"]
    assert run(argv, account, tmp_path, runner, version_of=version) == 0
    context = ["-c", "instance_type=ml.m5.xlarge", "-c", "throttle_rate=5"]
    assert runner.calls == expected_calls(tmp_path / "outputs.json", context, ["--source", "s3://my-copy/seq2seq/"])
    assert version.asked == [(BUCKET, "sagemaker/seq2seq/eng-german/pretrained_model/model.tar.gz")]
    out = capsys.readouterr().out
    assert [line.split(" ", 1)[0] for line in out.splitlines() if line.startswith("[")] == [
        "[1/4]",
        "[2/4]",
        "[3/4]",
        "[4/4]",
    ]
    assert "  ok    ml.m5.xlarge is offered in us-east-1; quota L-2F737F8D is 2, this deployment needs 1" in out
    assert "warn" not in out
    assert "about 10 minutes" in out
    assert f"The translation service is up: POST {URL}" in out
    assert f"curl -s -X POST {URL} -H 'Content-Type: application/json' -d '{{\"text\": \"I love you, too.\"}}'" in out
    assert "see the SageMaker pricing page for ml.m5.xlarge" in out and "make destroy" in out.splitlines()[-1]


def test_deploy_prints_the_hourly_cost_of_the_default_instance(account, tmp_path, capsys):
    assert run(["--yes"], account, tmp_path, FakeRunner()) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("The endpoint runs 1 x ml.m4.xlarge: about 0.28 USD per hour in us-east-1")
    assert last.endswith("Run `make destroy` when you are done.")


@pytest.mark.parametrize("failing", [0, 1, 2])
def test_deploy_stops_at_the_first_failed_phase(account, tmp_path, capsys, failing):
    runner = FakeRunner(fail_at=failing)
    assert run(["--yes"], account, tmp_path, runner) == 1
    assert runner.calls == expected_calls(tmp_path / "outputs.json", [])[: failing + 1]
    err = capsys.readouterr().err
    assert "failed (exit code 3); later phases did not run" in err
    assert "Traceback" not in err


def test_failed_precondition_deploys_nothing(aws_env, tmp_path, capsys):
    runner = FakeRunner()
    client = boto3.client("service-quotas", region_name="us-east-1")
    with Stubber(client) as stubber:  # Service Quotas stubbed: moto lacks it for sagemaker
        stubber.add_response(
            "list_service_quotas",
            {"Quotas": [{"QuotaCode": "L-97CF11BE", "QuotaName": "ml.m4.xlarge for endpoint usage", "Value": 1.0}]},
        )
        assert run(["--yes"], client, tmp_path, runner) == 1  # no CDKToolkit stack in moto
    assert runner.calls == []
    assert "deploy stopped: account 123456789012 is not bootstrapped" in capsys.readouterr().err


def test_without_credentials_deploy_says_so_and_deploys_nothing(no_aws_credentials, tmp_path, capsys):
    runner = FakeRunner()
    assert deploy.main(["--yes"], runner=runner, outputs_dir=tmp_path) == 1
    assert runner.calls == []
    assert "deploy stopped: no AWS credentials found" in capsys.readouterr().err


def test_without_a_terminal_deploy_needs_yes(account, tmp_path, capsys):
    runner = FakeRunner()
    assert run([], account, tmp_path, runner, interactive=False) == 1
    assert runner.calls == []
    assert "pass --yes" in capsys.readouterr().err


def test_answering_no_at_the_prompt_deploys_nothing(account, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    runner = FakeRunner()
    assert run([], account, tmp_path, runner, interactive=True) == 1
    assert runner.calls == []
    assert "deploy cancelled: nothing was deployed." in capsys.readouterr().err


def test_a_bad_setting_is_named_before_anything_runs(tmp_path, capsys):
    runner = FakeRunner()
    assert deploy.main(["--yes", "-c", "instance_count=0"], runner=runner, outputs_dir=tmp_path) == 2
    assert runner.calls == []
    assert capsys.readouterr().err.startswith(
        "deploy: setting 'instance_count' = '0' is not allowed: a whole number from 1 to 100"
    )


def test_a_model_version_flag_is_replaced_by_the_staged_version(account, tmp_path, capsys):
    runner = FakeRunner()
    assert run(["--yes", "-c", "model_version=old"], account, tmp_path, runner) == 0
    assert runner.calls == expected_calls(tmp_path / "outputs.json", [])
    assert "-c model_version is ignored" in capsys.readouterr().out


def test_skip_preflight_still_checks_credentials_but_not_quota_or_bootstrap(aws_env, tmp_path, capsys):
    runner = FakeRunner()
    assert (
        deploy.main(
            ["--yes", "--skip-preflight"],
            runner=runner,
            outputs_dir=tmp_path,
            version_of=FakeVersion(),
            interactive=False,
        )
        == 0
    )
    assert runner.calls == expected_calls(tmp_path / "outputs.json", [])
    assert "--skip-preflight: the instance quota and the CDK bootstrap were not checked" in capsys.readouterr().out


def test_outputs_are_read_from_the_stacks_when_the_cli_wrote_no_file(account, tmp_path, capsys):
    outputs = {"Outputs": {key: {"Value": value} for key, value in OUTPUTS["TranslateModelBucket"].items()}}
    template = json.dumps({**json.loads(TEMPLATE), **outputs})
    boto3.client("cloudformation").create_stack(StackName="TranslateModelBucket", TemplateBody=template)
    runner = FakeRunner(write_outputs=False)
    assert run(["--yes"], account, tmp_path, runner) == 1
    assert runner.calls == expected_calls(tmp_path / "outputs.json", [])  # the bucket came from CloudFormation
    assert "deploy failed: stack TranslateApi is not deployed in us-east-1" in capsys.readouterr().err


def test_the_staged_models_version_is_read_from_s3_and_passed_to_the_endpoint(account, tmp_path):
    s3 = boto3.client("s3")
    key = "sagemaker/seq2seq/eng-german/pretrained_model/model.tar.gz"

    def stage_into_moto(argv):
        if argv[1:2] == ["scripts/stage_model.py"]:  # what staging leaves behind: the model with its content id
            s3.create_bucket(Bucket=BUCKET)
            s3.put_object(
                Bucket=BUCKET,
                Key=key,
                Body=b"model",
                Metadata={"version": "0123456789abcdef", STAGED_BY[0]: STAGED_BY[1]},
            )
        return runner(argv)

    runner = FakeRunner()
    assert (
        deploy.main(["--yes"], runner=stage_into_moto, quotas_client=account, outputs_dir=tmp_path, interactive=False)
        == 0
    )
    assert runner.calls[-1][-2:] == ["-c", "model_version=0123456789abcdef"]


def test_a_missing_staged_model_stops_before_the_endpoint(account, tmp_path, capsys):
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    runner = FakeRunner()
    assert deploy.main(["--yes"], runner=runner, quotas_client=account, outputs_dir=tmp_path, interactive=False) == 1
    assert len(runner.calls) == 2
    assert "has no version: stage it again" in capsys.readouterr().err


def test_commands_run_in_the_repo_root_and_report_their_exit_code(capfd):
    from scripts.aws.cdk_cli import run_command

    code = run_command([sys.executable, "-c", "import os, sys; print(os.getcwd()); sys.exit(4)"])
    assert code == 4
    assert capfd.readouterr().out.strip() == str(REPO_ROOT)


def test_a_missing_program_is_named_not_a_traceback(capsys):
    from scripts.aws.cdk_cli import run_command

    assert run_command(["no-such-program-for-this-test"]) == 127
    assert "cannot run 'no-such-program-for-this-test': it is not installed" in capsys.readouterr().out


@pytest.mark.skipif(
    not (REPO_ROOT / "node_modules" / ".bin" / "cdk").exists(),
    reason="the pinned CDK CLI is not installed (make setup)",
)
def test_the_pinned_cdk_cli_runs_offline(capfd):
    from scripts.aws.cdk_cli import cdk, run_command

    assert run_command(cdk("--version")) == 0
    assert capfd.readouterr().out.startswith(
        json.loads((REPO_ROOT / "package.json").read_text())["devDependencies"]["aws-cdk"]
    )


def test_stack_and_output_names_come_from_the_stacks_names_module():
    tree = ast.parse(Path(deploy.__file__).read_text(encoding="utf-8"))
    assigned = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert not {"BUCKET_STACK", "ENDPOINT_STACK", "API_STACK"} & assigned
    imported = {
        alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == "stacks.names"
        for alias in node.names
    }
    assert {"BUCKET_STACK", "ENDPOINT_STACK", "API_STACK", "BUCKET_OUTPUT", "TRANSLATE_URL_OUTPUT"} <= imported
    literals = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert (
        not {"TranslateModelBucket", "TranslateEndpoint", "TranslateApi", "ModelBucketName", "TranslateUrl"} & literals
    )


def test_the_endpoints_log_group_gets_the_retention_setting(account, tmp_path, capsys):
    # SageMaker creates /aws/sagemaker/Endpoints/<name> itself, with no retention: deploy sets it.
    logs = boto3.client("logs")
    logs.create_log_group(logGroupName="/aws/sagemaker/Endpoints/Endpoint-xyz")
    assert run(["--yes", "-c", "log_retention_days=14"], account, tmp_path, FakeRunner()) == 0
    (group,) = logs.describe_log_groups(logGroupNamePrefix="/aws/sagemaker/Endpoints/")["logGroups"]
    assert group["retentionInDays"] == 14
    assert "  ok    endpoint logs /aws/sagemaker/Endpoints/Endpoint-xyz are kept 14 days" in capsys.readouterr().out


def test_a_log_group_not_created_yet_is_a_note_not_a_failure(account, tmp_path, capsys):
    assert run(["--yes"], account, tmp_path, FakeRunner()) == 0
    assert "  note  /aws/sagemaker/Endpoints/Endpoint-xyz does not exist yet" in capsys.readouterr().out


def test_a_model_not_staged_by_this_project_has_no_version(account, tmp_path, capsys):
    # Someone else's "version" metadata must not become model_version: deploy stops and says to stage again.
    s3 = boto3.client("s3")

    def foreign_object(argv):
        if argv[1:2] == ["scripts/stage_model.py"]:
            s3.create_bucket(Bucket=BUCKET)
            s3.put_object(
                Bucket=BUCKET,
                Key="sagemaker/seq2seq/eng-german/pretrained_model/model.tar.gz",
                Body=b"model",
                Metadata={"version": "0123456789abcdef"},
            )
        return runner(argv)

    runner = FakeRunner()
    assert (
        deploy.main(["--yes"], runner=foreign_object, quotas_client=account, outputs_dir=tmp_path, interactive=False)
        == 1
    )
    assert "has no version: stage it again" in capsys.readouterr().err
    assert len(runner.calls) == 2
