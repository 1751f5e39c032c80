"""make deploy's orchestration: preflight first, then bucket -> stage -> endpoint and API, stopping at the first failure."""

from __future__ import annotations

import ast
import hashlib
import json
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from scripts import deploy
from scripts.aws.checks import AUTOSCALING_SERVICE
from scripts.staging.versions import list_versions
from stacks.model_versions import model_key
from tests.fixtures.moto_server import REGION_CASES, create_bootstrap_stack, set_region

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
PREFIX = "sagemaker/seq2seq/eng-german/pretrained_model/"


class FakeRunner:
    """Records each command and its environment; `cdk deploy` does what the CLI does to the account (the bucket stack
    creates the bucket in moto, in the region the CLI was given) and writes the outputs where --outputs-file says."""

    def __init__(self, fail_at: int | None = None, write_outputs: bool = True):
        self.calls: list[list[str]] = []
        self.envs: list[dict[str, str]] = []
        self.fail_at = fail_at
        self.write_outputs = write_outputs

    def __call__(self, argv, *, env=None):
        self.calls.append(list(argv))
        self.envs.append(dict(env or {}))
        if self.fail_at == len(self.calls) - 1:
            return 3
        if "TranslateModelBucket" in argv:
            region = (env or {})["AWS_REGION"]
            location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
            boto3.client("s3", region_name=region).create_bucket(Bucket=BUCKET, **location)
        if argv[:4] == [*CDK, "deploy"] and self.write_outputs:
            target = Path(argv[argv.index("--outputs-file") + 1])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps({stack: OUTPUTS[stack] for stack in argv[4:] if stack in OUTPUTS}))
        return 0


def model_version(model_files) -> str:
    """The version staging gives a model read from a directory: its sha256, cut short."""
    return hashlib.sha256(model_files["model.tar.gz"]).hexdigest()[:16]


def quotas_client(region: str = "us-east-1"):
    """A Service Quotas client that botocore's Stubber answers (moto lacks Service Quotas for sagemaker)."""
    return boto3.client("service-quotas", region_name=region)


def publish_default_model(model_files, region: str = "us-east-1") -> None:
    """The example's public copy of the model, where staging looks by default, in moto."""
    s3 = boto3.client("s3", region_name=region)
    bucket = f"sagemaker-example-files-prod-{region}"
    s3.create_bucket(
        Bucket=bucket,
        **({} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}),
    )
    for name, data in model_files.items():
        s3.put_object(Bucket=bucket, Key=f"models/seq2seq-data/{name}", Body=data)


def staged_version(region: str = "us-east-1") -> str:
    (staged,) = list_versions(boto3.client("s3", region_name=region), BUCKET, PREFIX)
    return staged.version


@pytest.fixture
def account(aws_env, model_files):
    """moto with a CDK bootstrap stack and the public model, and a Service Quotas client under Stubber (moto lacks
    Service Quotas for sagemaker)."""
    create_bootstrap_stack()
    publish_default_model(model_files)
    client = quotas_client()
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


def run(argv, account, tmp_path, runner, model_dir=None, **kwargs):
    kwargs.setdefault("interactive", False)
    source = ["--source", str(model_dir)] if model_dir else []
    return deploy.main([*argv, *source], runner=runner, quotas_client=account, outputs_dir=tmp_path, **kwargs)


def expected_calls(outputs: Path, context: list[str], version: str) -> list[list[str]]:
    flags = ["--require-approval", "never", "--outputs-file", str(outputs)]
    return [
        # --exclusively: the CLI bundles no other stack's assets (the API's Lambda) for the bucket alone.
        [*CDK, "deploy", "TranslateModelBucket", "--exclusively", *flags, *context],
        [*CDK, "deploy", "TranslateEndpoint", "TranslateApi", *flags, *context, "-c", f"model_version={version}"],
    ]


def test_deploy_runs_bucket_stage_endpoint_in_order_with_flags_passed_through(
    account, tmp_path, model_dir, model_files, capsys
):
    runner = FakeRunner()
    argv = ["--yes", "-c", "instance_type=ml.m5.xlarge", "-c", "throttle_rate=5"]
    assert run(argv, account, tmp_path, runner, model_dir) == 0
    context = ["-c", "instance_type=ml.m5.xlarge", "-c", "throttle_rate=5"]
    version = model_version(model_files)
    assert runner.calls == expected_calls(tmp_path / "outputs.json", context, version)
    # Staged by a function call into the bucket the first phase made, at the settings' key.
    staged = boto3.client("s3").head_object(Bucket=BUCKET, Key=model_key(PREFIX, version))
    assert staged["Metadata"]["version"] == version
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


@pytest.mark.parametrize("failing", [0, 1])
def test_deploy_stops_at_the_first_failed_phase(account, tmp_path, capsys, failing):
    runner = FakeRunner(fail_at=failing)
    assert run(["--yes"], account, tmp_path, runner) == 1
    version = staged_version() if failing else "(never staged)"
    assert runner.calls == expected_calls(tmp_path / "outputs.json", [], version)[: failing + 1]
    err = capsys.readouterr().err
    assert "failed (exit code 3); later phases did not run" in err
    assert "Traceback" not in err


def test_a_staging_failure_stops_before_the_endpoint_in_one_line(account, tmp_path, capsys):
    runner = FakeRunner()
    assert run(["--yes", "--source", "s3://no-such-copy/models/"], account, tmp_path, runner) == 1
    assert len(runner.calls) == 1  # the bucket stack only
    err = capsys.readouterr().err
    (line,) = err.strip().splitlines()
    assert line.startswith("deploy failed: staging the model failed: cannot read model.tar.gz at s3://no-such-copy/")
    assert "404 NoSuchBucket" in line and "later phases did not run" in line


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
    assert run(["--yes", "-c", "model_version=0123456789abcdef"], account, tmp_path, runner) == 0
    assert runner.calls == expected_calls(tmp_path / "outputs.json", [], staged_version())
    assert "-c model_version is ignored" in capsys.readouterr().out


def test_skip_preflight_still_checks_credentials_but_not_quota_or_bootstrap(aws_env, model_files, tmp_path, capsys):
    publish_default_model(model_files)
    runner = FakeRunner()
    assert deploy.main(["--yes", "--skip-preflight"], runner=runner, outputs_dir=tmp_path, interactive=False) == 0
    assert runner.calls == expected_calls(tmp_path / "outputs.json", [], staged_version())
    assert "--skip-preflight: the instance quota and the CDK bootstrap were not checked" in capsys.readouterr().out


def test_outputs_are_read_from_the_stacks_when_the_cli_wrote_no_file(account, tmp_path, capsys):
    outputs = {"Outputs": {key: {"Value": value} for key, value in OUTPUTS["TranslateModelBucket"].items()}}
    template = json.dumps({**json.loads(TEMPLATE), **outputs})
    boto3.client("cloudformation").create_stack(StackName="TranslateModelBucket", TemplateBody=template)
    runner = FakeRunner(write_outputs=False)
    assert run(["--yes"], account, tmp_path, runner) == 1
    assert runner.calls == expected_calls(tmp_path / "outputs.json", [], staged_version())  # bucket from CloudFormation
    assert "deploy failed: stack TranslateApi is not deployed in us-east-1" in capsys.readouterr().err


def test_the_staged_models_version_is_passed_to_the_endpoint(account, tmp_path):
    runner = FakeRunner()
    assert run(["--yes"], account, tmp_path, runner) == 0
    version = staged_version()
    assert len(version) == 16 and runner.calls[-1][-2:] == ["-c", f"model_version={version}"]


def test_a_model_staged_before_is_not_staged_again(account, tmp_path, capsys):
    assert run(["--yes"], account, tmp_path, FakeRunner()) == 0
    first = staged_version()
    capsys.readouterr()
    runner = FakeRunner()
    assert run(["--yes"], account, tmp_path, runner) == 0
    assert "nothing uploaded" in capsys.readouterr().out
    assert runner.calls[-1][-1] == f"model_version={first}"


def test_a_rollback_to_a_staged_version_stages_nothing(account, tmp_path, capsys):
    assert run(["--yes"], account, tmp_path, FakeRunner()) == 0
    first = staged_version()
    capsys.readouterr()
    runner = FakeRunner()
    s3 = boto3.client("s3")
    calls = []
    s3.meta.events.register("before-call.s3.*", lambda model, **_: calls.append(model.name))
    assert run(["--yes", "--model-version", first], account, tmp_path, runner) == 0
    out = capsys.readouterr().out
    assert f"model version {first} is staged: nothing to copy" in out and "reading s3://" not in out
    assert runner.calls[-1][-2:] == ["-c", f"model_version={first}"]


def test_a_rollback_to_a_version_never_staged_stops_before_the_endpoint(account, tmp_path, capsys):
    runner = FakeRunner()
    assert run(["--yes", "--model-version", "0123456789abcdef"], account, tmp_path, runner) == 1
    assert len(runner.calls) == 1  # the bucket only
    err = capsys.readouterr().err
    assert "model version 0123456789abcdef is not staged in s3://" in err and "--list" in err


def test_a_model_version_that_is_not_one_is_a_usage_error(tmp_path, capsys):
    runner = FakeRunner()
    assert deploy.main(["--yes", "--model-version", "latest"], runner=runner, outputs_dir=tmp_path) == 2
    assert runner.calls == [] and "setting 'model_version' = 'latest'" in capsys.readouterr().err


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


@pytest.mark.parametrize("case", REGION_CASES)
def test_the_region_the_checks_used_is_the_one_the_cli_gets(case, aws_env, model_files, tmp_path, monkeypatch, capsys):
    region = set_region(case, monkeypatch, tmp_path)
    create_bootstrap_stack(region=region)
    publish_default_model(model_files, region)
    runner = FakeRunner()
    assert (
        deploy.main(
            ["--yes"],
            runner=runner,
            quotas_client=stubbed_quotas(region),
            outputs_dir=tmp_path / "out",
            interactive=False,
        )
        == 0
    )
    out = capsys.readouterr().out
    assert f"Target: account 123456789012, region {region}." in out
    assert runner.envs == [{"AWS_REGION": region, "AWS_DEFAULT_REGION": region}] * 2
    assert staged_version(region)  # staged in that region's bucket, from that region's public copy


def stubbed_quotas(region: str):
    client = quotas_client(region)
    stubber = Stubber(client)  # Service Quotas stubbed: moto lacks it for sagemaker
    quota = {"QuotaCode": "L-97CF11BE", "QuotaName": "ml.m4.xlarge for endpoint usage", "Value": 2.0}
    stubber.add_response("list_service_quotas", {"Quotas": [quota]})
    stubber.activate()
    return client


def test_with_autoscaling_a_missing_service_linked_role_is_a_warning_not_a_stop(account, tmp_path, capsys):
    runner = FakeRunner()
    assert run(["--yes", "-c", "max_instance_count=2"], account, tmp_path, runner) == 0
    out = capsys.readouterr().out
    assert "warn  the service-linked role AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint" in out
    assert f"--aws-service-name {AUTOSCALING_SERVICE}" in out


def test_the_cost_per_hour_day_and_month_is_shown_before_the_prompt(account, tmp_path, capsys):
    runner = FakeRunner()
    assert run(["-c", "max_instance_count=2"], account, tmp_path, runner, interactive=False) == 1
    assert runner.calls == []
    out = capsys.readouterr().out
    assert (
        "Cost while the endpoint runs: about 0.28 USD per hour, 6.72 per day, 204.40 per month "
        "(on-demand prices in us-east-1)." in out
    )
    assert "Scaled out: about 0.56 USD per hour, 13.44 per day, 408.80 per month" in out


def test_with_auto_pause_an_example_month_is_shown(account, tmp_path, capsys):
    assert run(["-c", "auto_pause_idle_minutes=60"], account, tmp_path, FakeRunner(), interactive=False) == 1
    # 8 hours of use and 1 idle hour a day: 9 x 0.28 USD x 730 / 24 days.
    out = capsys.readouterr().out
    assert (
        "For example, with auto-pause after 60 idle minutes and 8 hours of use a day, about 76.65 USD per month" in out
    )


def test_a_paused_endpoint_stays_paused_and_costs_nothing(account, tmp_path, capsys):
    from tests.fixtures.control_stack import deploy_endpoint_stack

    deploy_endpoint_stack(paused=True)
    runner = FakeRunner()
    assert run(["--yes"], account, tmp_path, runner) == 0
    # No --parameters: the CDK CLI keeps the deployed stack's Paused value.
    assert all("--parameters" not in call for call in runner.calls)
    out = capsys.readouterr().out
    assert "The endpoint is paused and stays paused: 0 USD until `make resume` (then about 0.28 USD per hour" in out
    assert (
        out.splitlines()[-1] == "The endpoint is paused (0 USD per hour): `make resume` starts it (about 10 minutes)."
    )


@pytest.mark.parametrize("value", ["true", "false"])
def test_paused_flag_sets_the_endpoint_stacks_parameter(account, tmp_path, capsys, value):
    runner = FakeRunner()
    assert run(["--yes", "--paused", value], account, tmp_path, runner) == 0
    first, second = runner.calls
    assert "--parameters" not in first
    assert second[second.index("--parameters") + 1] == f"TranslateEndpoint:Paused={value}"
    assert ("stays paused" in capsys.readouterr().out) == (value == "true")
