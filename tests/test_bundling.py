"""The Lambda package is built locally (no Docker) with wheels for the function's platform."""

import zipfile
from pathlib import Path

import pytest

from tests.fixtures.cdk_app import build_app

pytestmark = pytest.mark.bundling


@pytest.fixture(scope="module")
def lambda_asset(tmp_path_factory) -> Path:
    outdir = tmp_path_factory.mktemp("bundled")
    app, _ = build_app({"aws:cdk:bundling-stacks": ["TranslateApi"]}, bundle=True, outdir=outdir)
    assembly = app.synth()
    template = assembly.get_stack_by_name("TranslateApi").template
    function = next(r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function" and r["Properties"].get("Handler") == "handler.handler")
    asset_hash = function["Properties"]["Code"]["S3Key"].removesuffix(".zip")
    return outdir / f"asset.{asset_hash}"


def test_package_holds_the_handler_and_its_dependencies_for_arm64(lambda_asset):
    assert (lambda_asset / "handler.py").is_file()
    assert (lambda_asset / "openapi.json").is_file()
    assert (lambda_asset / "translator").is_dir()
    for package in ("aws_lambda_powertools", "sacremoses", "regex"):
        assert (lambda_asset / package).is_dir(), package
    assert not (lambda_asset / "fastjsonschema").exists(), "only the local server validates with it"
    (extension,) = list((lambda_asset / "regex").glob("_regex*.so"))
    assert extension.name == "_regex.cpython-314-aarch64-linux-gnu.so"


def test_package_has_no_bytecode_tests_or_pin_file(lambda_asset):
    assert not list(lambda_asset.rglob("__pycache__"))
    assert not list(lambda_asset.rglob("*.pyc"))
    assert not (lambda_asset / "requirements.txt").exists()
    assert not (lambda_asset / "boto3").exists(), "boto3 comes with the Lambda runtime"


def test_package_fits_lambdas_limit(lambda_asset, tmp_path):
    unzipped = sum(p.stat().st_size for p in lambda_asset.rglob("*") if p.is_file())
    assert unzipped < 250 * 1024 * 1024
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in lambda_asset.rglob("*"):
            zipped.write(path, path.relative_to(lambda_asset))
    assert archive.stat().st_size < 50 * 1024 * 1024
