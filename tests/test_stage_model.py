"""stage_model, the command: arguments, the bucket from the deployed stack, one line per failure, run as a module."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from scripts import stage_model
from scripts.stage_model import main
from scripts.staging.versions import list_versions, record_in_service
from stacks.model_versions import model_key
from tests.fixtures.artifacts import valid_artifacts, write_artifacts
from tests.fixtures.moto_server import REGION_CASES, set_region
from tests.staging.support import BUCKET, MODEL_KEY, PREFIX, assert_one_line_failure, staged_bytes, version_of

REPO = Path(__file__).resolve().parent.parent
BUCKET_STACK_TEMPLATE = """
Resources:
  ModelBucket:
    Type: AWS::S3::Bucket
    Properties: {BucketName: %s}
Outputs:
  ModelBucketName:
    Value: !Ref ModelBucket
"""


@pytest.fixture
def s3(aws_env):
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--no-progress"])
    out, err = capsys.readouterr()
    return code, out, err


def test_bucket_comes_from_the_bucket_stack_output(s3, model_dir, capsys):
    boto3.client("cloudformation").create_stack(
        StackName="TranslateModelBucket", TemplateBody=BUCKET_STACK_TEMPLATE % "stack-made-bucket"
    )
    code, out, err = run(capsys, "--source", str(model_dir))
    assert (code, err) == (0, "")
    assert "s3://stack-made-bucket/" + PREFIX in out
    assert boto3.client("s3").head_object(Bucket="stack-made-bucket", Key=MODEL_KEY)["ContentLength"] > 0


def test_missing_stack_or_output_is_one_clear_line(s3, model_dir, capsys):
    code, _, err = run(capsys, "--source", str(model_dir))
    assert code == 1
    assert_one_line_failure(err, "stack TranslateModelBucket is not deployed in us-east-1")


def test_no_credentials_is_one_clear_line(aws_env, model_dir, monkeypatch, capsys):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    code, _, err = run(capsys, "--source", str(model_dir))
    assert code == 1
    assert_one_line_failure(err, "no AWS credentials")


def test_stack_and_output_names_come_from_the_stacks_names_module():
    tree = ast.parse(Path(stage_model.__file__).read_text(encoding="utf-8"))
    assigned = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert not {"BUCKET_STACK", "BUCKET_OUTPUT"} & assigned
    imports = [node for node in tree.body if isinstance(node, ast.ImportFrom) and node.module == "stacks.names"]
    imported = {alias.name for node in imports for alias in node.names}
    assert {"BUCKET_STACK", "BUCKET_OUTPUT"} <= imported


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["-c", "model_prefix=/abs/"], "setting 'model_prefix'"),
        (["-c", "no_such_setting=1"], "unknown setting"),
        (["--source", "ftp://host/models/"], "unsupported scheme 'ftp'"),
        (["--source", "does/not/exist"], "is not a directory"),
        (["--source", "s3:///prefix/"], "names no bucket"),
        (["--bucket", "Not_A_Bucket"], "not an S3 bucket name"),
    ],
)
def test_usage_errors_exit_2_with_one_line(argv, expected, aws_env, capsys):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert_one_line_failure(err, "usage error", expected)


def test_s3_endpoint_variable_is_honoured(s3, model_dir, model_files, monkeypatch, capsys):
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", os.environ["AWS_ENDPOINT_URL"])
    monkeypatch.setenv(
        "AWS_ENDPOINT_URL", "http://127.0.0.1:9"
    )  # nothing listens there: only S3's own variable can work
    assert run(capsys, "--source", str(model_dir), "--bucket", BUCKET)[0] == 0
    assert staged_bytes(s3) == model_files


def test_runs_as_a_module_from_the_repo_root(s3, model_dir, model_files):
    done = subprocess.run(
        [sys.executable, "-m", "scripts.stage_model", "--source", str(model_dir), "--bucket", BUCKET, "--no-progress"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert done.returncode == 0, done.stderr
    assert "staged model.tar.gz" in done.stdout
    assert staged_bytes(s3) == model_files


@pytest.mark.parametrize("case", REGION_CASES)
def test_the_bucket_stack_and_default_sources_are_looked_up_in_the_users_region(
    case, aws_env, model_files, monkeypatch, tmp_path, capsys
):
    region = set_region(case, monkeypatch, tmp_path)
    s3 = boto3.client("s3", region_name=region)
    location = {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=f"sagemaker-example-files-prod-{region}", **location)
    for name, data in model_files.items():
        s3.put_object(Bucket=f"sagemaker-example-files-prod-{region}", Key=f"models/seq2seq-data/{name}", Body=data)
    boto3.client("cloudformation", region_name=region).create_stack(
        StackName="TranslateModelBucket", TemplateBody=BUCKET_STACK_TEMPLATE % "regional-bucket"
    )
    code, out, err = run(capsys)
    assert (code, err) == (0, "")
    assert f"from s3://sagemaker-example-files-prod-{region}/models/seq2seq-data/" in out
    (staged,) = list_versions(s3, "regional-bucket", PREFIX)
    assert s3.head_object(Bucket="regional-bucket", Key=model_key(PREFIX, staged.version))["ContentLength"] > 0


def test_staging_prints_the_command_that_deploys_the_version(s3, model_dir, model_files, capsys):
    code, out, _ = run(capsys, "--source", str(model_dir), "--bucket", BUCKET)
    version = version_of(model_files)
    assert code == 0 and f"npx cdk deploy --all -c model_version={version}" in out


def test_list_shows_versions_newest_first_with_the_one_in_service(s3, tmp_path, model_dir, model_files, capsys):
    assert run(capsys, "--source", str(model_dir), "--bucket", BUCKET)[0] == 0
    first = version_of(model_files)
    record_in_service(s3, BUCKET, PREFIX, first)
    newer = valid_artifacts(seed=3)
    assert run(capsys, "--source", str(write_artifacts(tmp_path / "newer", newer)), "--bucket", BUCKET)[0] == 0
    code, out, err = run(capsys, "--list", "--bucket", BUCKET)
    assert (code, err) == (0, "")
    lines = out.strip().splitlines()
    assert {line.split()[0] for line in lines} == {first, version_of(newer)}
    (serving,) = [line for line in lines if line.endswith("in service")]
    assert serving.startswith(first) and " staged 20" in serving


def test_list_of_an_empty_bucket_says_so(s3, capsys):
    code, out, _ = run(capsys, "--list", "--bucket", BUCKET)
    assert code == 0 and f"no model version is staged in s3://{BUCKET}/{PREFIX}" in out
