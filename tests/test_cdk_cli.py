"""The pinned CDK CLI runs the app from cdk.json: no credentials, no network, clear setting errors."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.package_index import NO_INDEX

REPO = Path(__file__).resolve().parent.parent
CDK = [shutil.which("npx") or "npx", "--no-install", "cdk"]

pytestmark = pytest.mark.skipif(
    not (REPO / "node_modules" / ".bin" / "cdk").exists(), reason="the pinned CDK CLI is installed by make setup"
)


def run_cdk_env(offline_index=False):
    # Without the jsii silencing variables (conftest.py and the Makefile set them): the app must set its own.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "JSII_SILENCE_"))}
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, CI="true")
    if offline_index:
        env.update(NO_INDEX)
    return env


def run_cdk(*args, tmp_path, offline_index=False):
    env = run_cdk_env(offline_index)
    return subprocess.run(
        [*CDK, *args, "--output", str(tmp_path / "cdk.out")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.mark.slow
def test_bad_setting_fails_synth_with_one_line_of_its_own(tmp_path):
    result = run_cdk("synth", "TranslateModelBucket", "-c", "instance_type=m4.xlarge", tmp_path=tmp_path)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    # The app's one line, then the CLI's own trailer, which the CLI prints for any app that exits non-zero.
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("error: setting 'instance_type' = 'm4.xlarge' is not allowed: ")
    assert lines[0].endswith("(set it in cdk.json or with -c instance_type=...)")
    assert lines[1].endswith("app.py: Subprocess exited with error 1")


@pytest.mark.slow
def test_synth_with_override_and_no_credentials(tmp_path):
    # No package index either: with --exclusively the CLI bundles only the named stack's assets (make deploy's first
    # phase relies on this for the bucket stack).
    result = run_cdk(
        "synth",
        "TranslateEndpoint",
        "--exclusively",
        "--quiet",
        "-c",
        "instance_type=ml.m5.xlarge",
        tmp_path=tmp_path,
        offline_index=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    # run_cdk leaves the jsii silencing variables out: app.py sets them for its own jsii runtime.
    assert not any(k.startswith("JSII_SILENCE_") for k in run_cdk_env())
    assert "end-of-life" not in result.stderr and "!!!!" not in result.stderr
    template = json.loads((tmp_path / "cdk.out" / "TranslateEndpoint.template.json").read_text())
    config = next(r for r in template["Resources"].values() if r["Type"] == "AWS::SageMaker::EndpointConfig")
    assert config["Properties"]["ProductionVariants"][0]["InstanceType"] == "ml.m5.xlarge"
    # The translate Lambda's package holds its translator/ package (the logging role's function is copied, not bundled).
    assert not list(tmp_path.glob("cdk.out/asset.*/translator")), (
        "the API stack's Lambda was not bundled for this stack"
    )


@pytest.mark.slow
def test_a_bundling_failure_is_one_line_naming_what_failed_and_the_way_out(tmp_path):
    result = run_cdk("synth", "--quiet", tmp_path=tmp_path, offline_index=True)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "jsii" not in result.stderr
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert "\x1b[" not in error, "pip's colour codes"
    assert error.startswith(
        "error: bundling the Lambda failed: pip could not install lambda/translate/requirements.txt"
    )
    assert (
        "No matching distribution found for" in error
        and "--exclusively TranslateModelBucket TranslateEndpoint" in error
    )
