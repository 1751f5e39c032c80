"""The Lambda package is built locally (no Docker) with wheels for the function's platform; a failure is one line."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from stacks.python_bundling import LAMBDA_RUNTIME, _pip_error
from tests.fixtures.cdk_app import build_app
from tests.fixtures.package_index import NO_INDEX

REPO = Path(__file__).resolve().parent.parent


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
def test_package_holds_the_handler_and_exactly_the_dependencies_it_imports(lambda_asset):
    assert (lambda_asset / "handler.py").is_file()
    assert (lambda_asset / "openapi.json").is_file()
    assert (lambda_asset / "translator").is_dir()
    packages = {path.name for path in lambda_asset.iterdir() if path.is_dir() and not path.name.endswith(".dist-info")}
    modules = {path.name for path in lambda_asset.glob("*.py")}
    assert packages == {"aws_lambda_powertools", "sacremoses", "jmespath", "translator", "static"}
    assert modules == {"handler.py", "typing_extensions.py"}
    # sacremoses' dependencies serve its command line, normalizer and truecaser, which the function does not load;
    # fastjsonschema only the local server's validation.
    for unused in ("regex", "joblib", "tqdm", "click", "fastjsonschema"):
        assert not (lambda_asset / unused).exists(), unused
    # Pure Python only, so the wheels fit arm64 whatever pip chose.
    assert not list(lambda_asset.rglob("*.so"))


@pytest.mark.bundling
def test_package_has_no_foreign_bytecode_tests_or_pin_file(lambda_asset):
    # Bytecode only for the function's Python (when the synth's Python or one on PATH is that version), no other.
    tag = f"cpython-{LAMBDA_RUNTIME.name.removeprefix('python').replace('.', '')}"
    assert all(path.name.endswith(f".{tag}.pyc") for path in lambda_asset.rglob("*.pyc"))
    assert all(path.parent.name == "__pycache__" for path in lambda_asset.rglob("*.pyc"))
    assert all(path.suffix == ".pyc" for cache in lambda_asset.rglob("__pycache__") for path in cache.iterdir())
    assert not (lambda_asset / "requirements.txt").exists()
    assert not (lambda_asset / "boto3").exists(), "boto3 comes with the Lambda runtime"


HERE = f"{sys.version_info.major}.{sys.version_info.minor}"


# A Python Lambda runtime CDK knows that is not this Python: the function's version in tests where none is on PATH.
OTHER = "3.12" if HERE != "3.12" else "3.13"


def _runtime(version: str):
    from aws_cdk import aws_lambda as lambda_

    # Looked up, not made: a new Runtime joins Runtime.ALL for the whole process, and cdk-nag takes the latest from it.
    known = next((runtime for runtime in lambda_.Runtime.ALL if runtime.name == f"python{version}"), None)
    return known or pytest.skip(f"CDK knows no python{version} runtime")


def _bundle(tmp_path: Path, version: str, name: str = "out") -> Path:
    """A small package (a module and a package, no requirements.txt: no pip) bundled for Python `version`."""
    from aws_cdk import aws_lambda as lambda_

    from stacks.python_bundling import _PipBundler

    source = tmp_path / "source"
    if not source.exists():
        (source / "pkg").mkdir(parents=True)
        (source / "pkg" / "__init__.py").write_text("VALUE = 1\n")
        (source / "handler.py").write_text("VALUE = 1\n")
    out = tmp_path / name
    bundler = _PipBundler(source, _runtime(version), lambda_.Architecture.ARM_64)
    assert bundler.try_bundle(str(out), image=None) is True
    return out


def _pycs(out: Path) -> list[str]:
    return sorted(path.relative_to(out).as_posix() for path in out.rglob("*.pyc"))


def _assert_compiled_and_used(out: Path) -> None:
    tag = sys.implementation.cache_tag
    assert _pycs(out) == [f"__pycache__/handler.{tag}.pyc", f"pkg/__pycache__/__init__.{tag}.pyc"]
    data = (out / "__pycache__" / f"handler.{tag}.pyc").read_bytes()
    assert int.from_bytes(data[4:8], "little") == 0b01, "hash-based, unchecked"
    # The runtime uses it without looking at the source (changed here to show it), as on a read-only /var/task.
    (out / "handler.py").write_text("VALUE = 2\n")
    probe = f"import sys; sys.path[:0] = [{str(out)!r}]; import handler; print(handler.VALUE)"
    done = subprocess.run([sys.executable, "-B", "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "1"


@pytest.fixture
def path_dir(tmp_path, monkeypatch) -> Path:
    """PATH is only this folder (empty until a test puts an interpreter there); the no-bytecode line not yet said."""
    from stacks import python_bundling

    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.setattr(python_bundling, "_told_no_bytecode", False)
    return folder


def _script(path: Path, body: str) -> None:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def test_bytecode_is_compiled_when_this_python_is_the_functions(tmp_path, path_dir, capsys):
    _assert_compiled_and_used(_bundle(tmp_path, HERE))
    assert capsys.readouterr().err == ""


def test_bytecode_is_compiled_by_the_functions_python_found_on_path(tmp_path, path_dir, monkeypatch, capsys):
    from stacks import python_bundling

    # The synth runs under "another" Python; this one, on PATH under the function's version's name, compiles.
    monkeypatch.setattr(python_bundling, "_synth_python_version", lambda: "3.0")
    monkeypatch.setattr(python_bundling, "compile_bytecode", lambda root: pytest.fail("compiled in-process"))
    (path_dir / f"python{HERE}").symlink_to(sys.executable)
    _assert_compiled_and_used(_bundle(tmp_path, HERE))
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("interpreter", "reason"),
    [
        # A pyenv shim for a version pyenv does not have (or that is not selected).
        (f"echo 'pyenv: python{OTHER}: command not found' >&2; exit 127", "exited with code 127"),
        # A real Python under the wrong name: it must not write bytecode of its own version.
        (f'exec "{sys.executable}" "$@"', f"is Python {HERE}, not {OTHER}"),
        (f'exec "{sys.executable}" -c "import time; time.sleep(30)"', "did not compile the package within 1 s"),
        # Fails after writing some .pyc ($5 is the package folder): none of them stay.
        (f'"{sys.executable}" -m compileall -q -q "$5"; exit 1', "exited with code 1"),
    ],
    ids=["shim-exits", "other-version", "hangs", "fails-after-writing"],
)
def test_a_path_python_that_is_not_the_functions_or_fails_writes_no_bytecode(
    tmp_path, path_dir, monkeypatch, capsys, interpreter, reason
):
    from stacks import python_bundling

    monkeypatch.setattr(python_bundling, "_COMPILE_TIMEOUT_S", 1)
    _script(path_dir / f"python{OTHER}", interpreter)
    out = _bundle(tmp_path, OTHER)
    assert (out / "handler.py").is_file() and (out / "pkg" / "__init__.py").is_file()
    assert _pycs(out) == [] and not list(out.rglob("__pycache__"))
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(
        f"bundling: {path_dir / f'python{OTHER}'} {reason}, so the Lambda package ships without bytecode"
    )


def test_without_the_functions_python_the_package_has_no_bytecode_and_the_synth_says_so_once(
    tmp_path, path_dir, capsys
):
    # The app bundles several Python functions in one synth: one line for all of them.
    for name in ("first", "second"):
        assert _pycs(_bundle(tmp_path, OTHER, name)) == []
    (line,) = capsys.readouterr().err.splitlines()
    assert line == (
        f"bundling: no Python {OTHER} on PATH (python{OTHER}), so the Lambda package ships without bytecode and each "
        f"cold start compiles it (about 80-150 ms); install Python {OTHER} (as python{OTHER} on PATH) to ship compiled "
        "bytecode"
    )


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


@pytest.mark.slow
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
        "Bundling asset TranslateEndpoint/EndpointControl/Function/Code/Stage...",
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
