"""The Lambda package is built locally (no Docker) with wheels for the function's platform; a failure is one line."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from stacks.python_bundling import _pip_error
from tests.fixtures.cdk_app import build_app

REPO = Path(__file__).resolve().parent.parent
# pip's index on a closed local port: bundling fails at once, as it does offline.
NO_INDEX = {
    "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
    "PIP_RETRIES": "0",
    "PIP_TIMEOUT": "2",
    "PIP_FIND_LINKS": "",
    "PIP_NO_INDEX": "",
}


@pytest.fixture(scope="module")
def lambda_asset(tmp_path_factory) -> Path:
    outdir = tmp_path_factory.mktemp("bundled")
    app, _ = build_app({"aws:cdk:bundling-stacks": ["TranslateApi"]}, bundle=True, outdir=outdir)
    assembly = app.synth()
    template = assembly.get_stack_by_name("TranslateApi").template
    function = next(
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
        and "ENDPOINT_NAME" in r["Properties"].get("Environment", {}).get("Variables", {})
    )
    asset_hash = function["Properties"]["Code"]["S3Key"].removesuffix(".zip")
    return outdir / f"asset.{asset_hash}"


@pytest.mark.bundling
def test_package_holds_the_handler_and_its_dependencies_for_arm64(lambda_asset):
    assert (lambda_asset / "handler.py").is_file()
    assert (lambda_asset / "openapi.json").is_file()
    assert (lambda_asset / "translator").is_dir()
    for package in ("aws_lambda_powertools", "sacremoses", "regex"):
        assert (lambda_asset / package).is_dir(), package
    assert not (lambda_asset / "fastjsonschema").exists(), "only the local server validates with it"
    (extension,) = list((lambda_asset / "regex").glob("_regex*.so"))
    assert extension.name == "_regex.cpython-314-aarch64-linux-gnu.so"


@pytest.mark.bundling
def test_package_has_no_bytecode_tests_or_pin_file(lambda_asset):
    assert not list(lambda_asset.rglob("__pycache__"))
    assert not list(lambda_asset.rglob("*.pyc"))
    assert not (lambda_asset / "requirements.txt").exists()
    assert not (lambda_asset / "boto3").exists(), "boto3 comes with the Lambda runtime"


@pytest.mark.bundling
def test_package_has_no_console_scripts_with_this_machines_interpreter(lambda_asset):
    # pip --target writes bin/ (e.g. sacremoses' script) with a shebang naming this machine's Python.
    assert not (lambda_asset / "bin").exists()
    assert not [
        p
        for p in lambda_asset.rglob("*")
        if p.is_file() and p.read_bytes()[:2] == b"#!" and sys.executable.encode() in p.read_bytes()
    ]


@pytest.mark.bundling
def test_package_fits_lambdas_limit(lambda_asset, tmp_path):
    unzipped = sum(p.stat().st_size for p in lambda_asset.rglob("*") if p.is_file())
    assert unzipped < 250 * 1024 * 1024
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in lambda_asset.rglob("*"):
            zipped.write(path, path.relative_to(lambda_asset))
    assert archive.stat().st_size < 50 * 1024 * 1024


def test_a_bundling_failure_stops_python_app_py_with_one_line_and_a_way_out(tmp_path):
    env = {**os.environ, **NO_INDEX, "CDK_OUTDIR": str(tmp_path)}
    env.pop("CDK_CONTEXT_JSON", None)
    result = subprocess.run([sys.executable, "app.py"], cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "jsii" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    # CDK's own progress lines (the custom resource functions' files copy without the index), then ours.
    assert lines[:-1] == [
        "Bundling asset TranslateEndpoint/StagedModel/Function/Code/Stage...",
        "Bundling asset TranslateApi/ApiGatewayLoggingRole/Function/Code/Stage...",
        "Bundling asset TranslateApi/TranslateFunction/Code/Stage...",
    ]
    error = lines[-1]
    assert error.startswith(
        "error: bundling the Lambda failed: pip could not install lambda/translate/requirements.txt"
    )
    assert "No matching distribution found for" in error
    assert "PIP_INDEX_URL" in error and "npx cdk synth --exclusively TranslateModelBucket TranslateEndpoint" in error


def test_pips_verdict_is_found_among_retries_and_colour_codes():
    output = "WARNING: Retrying (Retry(total=0)) after connection broken\n\x1b[31mERROR: No matching distribution found for x==1\x1b[0m\n\x1b[0m\n"
    assert _pip_error(output) == "No matching distribution found for x==1"
    assert _pip_error("ERROR: a\nERROR: b\n") == "b"
    assert _pip_error("") == "no output"


def test_the_staging_functions_package_is_exactly_its_files(tmp_path):
    from stacks.staged_model import PACKAGE_FILES

    app, _ = build_app({"aws:cdk:bundling-stacks": ["TranslateEndpoint"]}, bundle=True, outdir=tmp_path)
    template = app.synth().get_stack_by_name("TranslateEndpoint").template
    (function,) = [
        r
        for key, r in template["Resources"].items()
        if r["Type"] == "AWS::Lambda::Function" and key.startswith("StagedModelFunction")
    ]
    asset = tmp_path / f"asset.{function['Properties']['Code']['S3Key'].removesuffix('.zip')}"
    files = {str(path.relative_to(asset)) for path in asset.rglob("*") if path.is_file()}
    assert files == set(PACKAGE_FILES)
    assert (asset / "handler.py").read_bytes() == PACKAGE_FILES["handler.py"].read_bytes()
