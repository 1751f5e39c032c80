"""Build Python Lambda assets on this machine (no Docker): sources plus wheels for the target, or chosen files."""

from __future__ import annotations

import compileall
import py_compile
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

# Never copied into the package: caches, local-only data, and the pin file itself.
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "requirements.txt")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Every function of the project: the newest Python Lambda runs, on Graviton (cheaper per GB-second than x86).
LAMBDA_RUNTIME = lambda_.Runtime.PYTHON_3_14
LAMBDA_ARCHITECTURE = lambda_.Architecture.ARM_64
_PLATFORMS = {
    lambda_.Architecture.ARM_64.name: "manylinux2014_aarch64",
    lambda_.Architecture.X86_64.name: "manylinux2014_x86_64",
}
# Compiling this package takes a second or two; a hung interpreter must not hold the synth for longer than this.
_COMPILE_TIMEOUT_S = 300
# Run by another interpreter found on PATH (argv: function's version, package folder): it refuses to write unless it
# is that version (a pyenv shim or a misnamed link may be another), then compiles as compile_bytecode does.
_COMPILE_IN_CHILD = """\
import compileall, py_compile, sys
version, root = sys.argv[1:]
if "%d.%d" % sys.version_info[:2] != version:
    print("%d.%d" % sys.version_info[:2])
    sys.exit(3)
compileall.compile_dir(root, quiet=2, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
"""
_WRONG_VERSION = 3
# A synth bundles several Python functions: the missing-bytecode line is said once per process, not per asset.
_told_no_bytecode = False


class BundlingError(RuntimeError):
    """The Lambda's dependencies could not be installed for its platform."""


# try_bundle runs as a jsii callback: what it raises reaches the app as a bare RuntimeError wrapped in CDK's
# "Failed to bundle asset" and a long trace. Kept here so that bundling_errors() can raise the original instead.
_failures: list[BundlingError] = []


@contextmanager
def bundling_errors() -> Iterator[None]:
    """Let a local bundling failure inside the block surface as the BundlingError it was, with its one-line message."""
    seen = len(_failures)
    try:
        yield
    except RuntimeError as error:
        if isinstance(error, BundlingError) or len(_failures) == seen:
            raise
        raise _failures[-1] from None


@jsii.implements(ILocalBundling)
class _PipBundler:
    def __init__(self, source: Path, runtime: lambda_.Runtime, architecture: lambda_.Architecture) -> None:
        self._source = source
        self._python_version = runtime.name.removeprefix("python")
        self._platform = _PLATFORMS[architecture.name]

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_: object) -> bool:
        out = Path(output_dir)
        shutil.copytree(self._source, out, dirs_exist_ok=True, ignore=_SKIP)
        requirements = self._source / "requirements.txt"
        if requirements.is_file():
            # Wheels for the function's platform, not this machine's; .pyc files would be for the wrong Python.
            # --no-deps: requirements.txt lists every package the function imports, and nothing it does not.
            command = [
                sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--requirement", str(requirements), "--target", str(out), "--no-deps",
                "--platform", self._platform, "--python-version", self._python_version,
                "--implementation", "cp", "--only-binary=:all:", "--no-compile", "--no-color",
            ]  # fmt: skip
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                where = f"{self._source.parent.name}/{self._source.name}/{requirements.name}"
                failure = BundlingError(
                    f"bundling the Lambda failed: pip could not install {where} for {self._platform} / Python {self._python_version} "
                    f"({_pip_error(result.stderr or result.stdout)}); bundling downloads wheels from the package index at synth time"
                )
                _failures.append(failure)
                raise failure
            # pip's console scripts: their shebang holds this machine's interpreter path, and Lambda never runs them.
            if not (self._source / "bin").exists():
                shutil.rmtree(out / "bin", ignore_errors=True)
        if self._python_version == _synth_python_version():
            compile_bytecode(out)
        else:
            problem = _compile_with_path_python(out, self._python_version)
            if problem:
                _tell_no_bytecode(problem, self._python_version)
        return True


def _synth_python_version() -> str:
    """The version ("3.11") of the Python running this synth."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def compile_bytecode(root: Path) -> None:
    """Write .pyc files for every source under root, as the function's Python would, for a read-only /var/task.

    Only a Python of the function's version can write them (a .pyc of another version is ignored): this one when it is,
    else one found on PATH (_compile_with_path_python). Hash-based and unchecked: a zip keeps file times only to 2 s,
    so timestamp-checked .pyc could be judged stale; the package never changes once deployed.
    """
    compileall.compile_dir(str(root), quiet=2, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)


def _compile_with_path_python(root: Path, version: str) -> str | None:
    """Compile root with the python<version> on PATH; None when done, else what stopped it (root then has no .pyc).

    Not a bundling failure: the package works without bytecode, it only starts slower.
    """
    name = f"python{version}"
    interpreter = shutil.which(name)
    if interpreter is None:
        return f"no Python {version} on PATH ({name})"
    # -I: PYTHON* variables (PYTHONPYCACHEPREFIX would write the .pyc elsewhere) and user site-packages do not apply.
    command = [interpreter, "-I", "-c", _COMPILE_IN_CHILD, version, str(root)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=_COMPILE_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        problem = f"{interpreter} did not compile the package within {_COMPILE_TIMEOUT_S} s"
    except OSError as error:
        problem = f"{interpreter} did not start ({error.strerror or error})"
    else:
        if result.returncode == 0:
            return None
        found = result.stdout.strip()
        problem = (
            f"{interpreter} is Python {found}, not {version}"
            if result.returncode == _WRONG_VERSION and found
            else f"{interpreter} exited with code {result.returncode}"
        )
    # Whatever it wrote before failing goes too, so the package ships no bytecode, as the warning line says.
    for cache in list(root.rglob("__pycache__")):
        shutil.rmtree(cache, ignore_errors=True)
    return problem


def _tell_no_bytecode(problem: str, version: str) -> None:
    # A warning, not an error: the synth goes on, and CDK prints the app's stderr as it does its own bundling lines.
    global _told_no_bytecode
    if _told_no_bytecode:
        return
    _told_no_bytecode = True
    print(
        f"bundling: {problem}, so the Lambda package ships without bytecode and each cold start compiles it "
        f"(about 80-150 ms); install Python {version} (as python{version} on PATH) to ship compiled bytecode",
        file=sys.stderr,
    )


def _pip_error(output: str) -> str:
    # pip ends with its verdict ("ERROR: No matching distribution found for ..."), after retries and warnings;
    # under the CDK CLI (FORCE_COLOR) it may still colour it.
    lines = [line.strip() for line in _ANSI.sub("", output).splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    return (errors or lines or ["no output"])[-1].removeprefix("ERROR:").strip()


def python_code(source: Path, runtime: lambda_.Runtime, architecture: lambda_.Architecture) -> lambda_.Code:
    """Lambda code from a source folder and its requirements.txt, bundled locally for the function's platform."""
    return lambda_.Code.from_asset(
        str(source),
        bundling=BundlingOptions(
            # Only used if local bundling declined, which it never does; CDK requires an image anyway.
            image=runtime.bundling_image,
            local=_PipBundler(source, runtime, architecture),
        ),
    )


@jsii.implements(ILocalBundling)
class _FileCopier:
    def __init__(self, files: dict[str, Path]) -> None:
        self._files = files

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_: object) -> bool:
        for name, source in self._files.items():
            target = Path(output_dir) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        return True


def files_code(source: Path, files: dict[str, Path], runtime: lambda_.Runtime) -> lambda_.Code:
    """Lambda code of exactly `files` (package path -> file on this machine); source only anchors the asset."""
    return lambda_.Code.from_asset(
        str(source),
        # The package's own files decide its hash, wherever they come from in the repository.
        asset_hash_type=AssetHashType.OUTPUT,
        bundling=BundlingOptions(image=runtime.bundling_image, local=_FileCopier(files)),
    )
