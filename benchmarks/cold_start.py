"""Cold start: import time of the Lambda handler vs boto3 alone, and the deployment package's size vs our own code's."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

from benchmarks import REPO_ROOT
from benchmarks.child import last_line, run_child
from benchmarks.local_aws import offline_env
from benchmarks.report import Row, median
from scripts.local.lambda_package import LAMBDA_ROOT
from stacks.api_contract import lambda_environment
from stacks.model_versions import source_vocabulary_key
from stacks.quiet_jsii import quiet_jsii
from stacks.settings import settings_from_files

# A staged model version, as staging names one: the benchmarks' vocabulary key is one a deployment really has.
MODEL_VERSION = "be0c4ba5e1ec7ed0"
# The deployed function's environment; nothing is called at import, so no server is needed.
LAMBDA_ENV = lambda_environment(
    settings_from_files(),
    endpoint_name="translate-bench",
    model_bucket="bench-model-bucket",
    source_vocabulary_key=source_vocabulary_key(settings_from_files().model_prefix, MODEL_VERSION),
)
# Measured inside the child, so interpreter start-up (the same for both) is left out.
_TIMED_IMPORT = "import sys, time; sys.path[:0] = {path!r}; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
_OWN_CODE_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "requirements.txt")
# Generous limits (an import takes a second, pip and the bundling a minute): reached only when something hangs.
IMPORT_TIMEOUT_SECONDS = 120
BUNDLING_TIMEOUT_SECONDS = 900
PIP_TIMEOUT_SECONDS = 600
COMPILEALL_TIMEOUT_SECONDS = 300


class PackageError(RuntimeError):
    """The deployment package could not be built or measured."""


def import_seconds(module: str, path: list[str], repeat: int, env: dict[str, str] | None = None) -> float:
    """Median seconds of `import module` in `repeat` fresh interpreters with `path` first on sys.path."""
    samples = []
    for _ in range(repeat):
        done = run_child(
            [sys.executable, "-c", _TIMED_IMPORT.format(path=path, module=module)],
            failure=f"import {module} failed",
            timeout=IMPORT_TIMEOUT_SECONDS,
            error=PackageError,
            cwd=REPO_ROOT,
            env=env or offline_env(**LAMBDA_ENV),
        )
        try:
            samples.append(float(done.stdout.strip().splitlines()[-1]))
        except (IndexError, ValueError):
            raise PackageError(f"import {module} printed no time: {last_line(done.stdout)[:200]}") from None
    return median(samples)


def tree_bytes(root: Path) -> int:
    """Bytes of every file under root."""
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


def zipped_bytes(root: Path, archive: Path) -> int:
    """Size of root zipped with deflate (as the CDK zips a Lambda asset)."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(root.rglob("*")):
            zipped.write(path, path.relative_to(root))
    return archive.stat().st_size


def build_package(outdir: Path) -> Path:
    """Synthesize the app with the Lambda bundled locally (needs the package registry); return the asset folder."""
    # A child process: the jsii runtime and pip's output stay out of this one.
    script = (
        "import json, sys\n"
        "from stacks.service import build_service, new_app\n"
        "from stacks.settings import default_context\n"
        "app = new_app({**default_context(), 'aws:cdk:bundling-stacks': ['TranslateApi']}, outdir=sys.argv[1])\n"
        "build_service(app)\n"
        "template = app.synth().get_stack_by_name('TranslateApi').template\n"
        # The stack's other functions (custom resources) share the handler name: the translate function is the one
        # with the translate function's environment.
        "keys = [r['Properties']['Code']['S3Key'] for r in template['Resources'].values()\n"
        "        if r['Type'] == 'AWS::Lambda::Function'\n"
        "        and set(sys.argv[2:]) <= set(r['Properties'].get('Environment', {}).get('Variables', {}))]\n"
        "print(json.dumps(keys))\n"
    )
    done = run_child(
        [sys.executable, "-c", script, str(outdir), *LAMBDA_ENV],
        timeout=BUNDLING_TIMEOUT_SECONDS,
        error=PackageError,
        failure="bundling the Lambda failed (it needs the package registry; --no-package skips it)",
        cwd=REPO_ROOT,
        env=offline_env(),
    )
    return outdir / f"asset.{handler_asset_key(done.stdout).removesuffix('.zip')}"


def handler_asset_key(stdout: str) -> str:
    """The one S3 key of the handler's code that the synth script prints as its last line (a JSON list)."""
    try:
        keys = json.loads((stdout.strip().splitlines() or [""])[-1])
    except ValueError:
        keys = None
    if not isinstance(keys, list) or len(keys) != 1 or not isinstance(keys[0], str):
        raise PackageError(
            f"expected the S3 key of one Lambda function with the translate function's environment in TranslateApi, "
            f"the synth printed {last_line(stdout)[:200]}"
        )
    return keys[0]


def host_package(target: Path) -> Path:
    """The Lambda's sources and dependencies for this machine's Python, without bytecode, as the bundle ships them."""
    shutil.copytree(LAMBDA_ROOT, target, ignore=_OWN_CODE_SKIP)
    run_child(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
            "--no-deps",
            "--only-binary=:all:",
            "--requirement",
            str(LAMBDA_ROOT / "requirements.txt"),
            "--target",
            str(target),
        ],
        failure="pip could not install the Lambda's requirements",
        timeout=PIP_TIMEOUT_SECONDS,
        error=PackageError,
    )
    return target


def paired_import_seconds(repeat: int) -> tuple[float, float]:
    """Median seconds of `import handler` and of `import boto3`, both from bytecode, their samples taken in turn.

    pip compiled boto3 when it installed it; the Lambda's sources are compiled here first (an edit, or an environment
    with PYTHONDONTWRITEBYTECODE, leaves them without), and each import runs once untimed, so that neither side pays
    a compile or a cold file cache. Taking the samples in turn spreads a busy moment of the machine over both.
    """
    run_child(
        [sys.executable, "-m", "compileall", "-q", str(LAMBDA_ROOT)],
        failure="compileall of the Lambda's sources failed",
        timeout=COMPILEALL_TIMEOUT_SECONDS,
        error=PackageError,
    )
    handler, boto3 = [], []
    for index in range(repeat + 1):
        handler_seconds = import_seconds("handler", [str(LAMBDA_ROOT)], 1)
        boto3_seconds = import_seconds("boto3", [], 1)
        if index:  # the first pair only warms up
            handler.append(handler_seconds)
            boto3.append(boto3_seconds)
    return median(handler), median(boto3)


def run(repeat: int, package: bool = True) -> list[Row]:
    """Rows: import time of the handler vs boto3; with package, the bundle's size and the cost of shipping no bytecode."""
    handler_seconds, boto3_seconds = paired_import_seconds(repeat)
    rows = [
        Row(
            "cold start",
            "import handler",
            handler_seconds,
            "import boto3",
            boto3_seconds,
            "s",
            note="fresh interpreter, both from bytecode",
        )
    ]
    if not package:
        return rows
    with tempfile.TemporaryDirectory() as scratch:
        scratch_dir = Path(scratch)
        asset = build_package(scratch_dir / "cdk.out")
        own = scratch_dir / "own"
        shutil.copytree(LAMBDA_ROOT, own, ignore=_OWN_CODE_SKIP)
        rows.append(
            Row(
                "package",
                "deployment package, unzipped",
                tree_bytes(asset),
                "our own code",
                tree_bytes(own),
                "B",
                note="Lambda's limit: 250 MiB",
            )
        )
        rows.append(
            Row(
                "package",
                "deployment package, zipped",
                zipped_bytes(asset, scratch_dir / "asset.zip"),
                "our own code",
                zipped_bytes(own, scratch_dir / "own.zip"),
                "B",
                note="Lambda's limit: 50 MiB",
            )
        )
        # The bundle has no .pyc (pip --no-compile) and /var/task is read-only: every cold start compiles the sources.
        host = host_package(scratch_dir / "host")
        env = offline_env(**LAMBDA_ENV, PYTHONDONTWRITEBYTECODE="1")
        cold = import_seconds("handler", [str(host)], repeat, env)
        run_child(
            [sys.executable, "-m", "compileall", "-q", str(host)],
            failure="compileall of the host package failed",
            timeout=COMPILEALL_TIMEOUT_SECONDS,
            error=PackageError,
        )
        compiled = import_seconds("handler", [str(host)], repeat, env)
        rows.append(
            Row(
                "cold start",
                "import handler, package as bundled (no .pyc)",
                cold,
                "same package with .pyc",
                compiled,
                "s",
                note=f"Python {sys.version_info.major}.{sys.version_info.minor} here",
            )
        )
    return rows


if __name__ == "__main__":
    quiet_jsii()
    from benchmarks.report import format_table

    print(format_table(run(3)))
