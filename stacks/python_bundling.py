"""Build a Python Lambda asset on this machine (no Docker): the sources plus pip-installed wheels for the target."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import jsii
from aws_cdk import BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

# Never copied into the package: caches, local-only data, and the pin file itself.
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "requirements.txt")
_PLATFORMS = {
    lambda_.Architecture.ARM_64.name: "manylinux2014_aarch64",
    lambda_.Architecture.X86_64.name: "manylinux2014_x86_64",
}


class BundlingError(RuntimeError):
    """The Lambda's dependencies could not be installed for its platform."""


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
            command = [
                sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--requirement", str(requirements), "--target", str(out),
                "--platform", self._platform, "--python-version", self._python_version,
                "--implementation", "cp", "--only-binary=:all:", "--no-compile",
            ]  # fmt: skip
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
                raise BundlingError(f"pip could not install {requirements.name} for {self._platform} / Python {self._python_version}: {detail[0]}")
        return True


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
