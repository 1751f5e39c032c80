"""Run the project's pinned CDK CLI (and other commands) from the repo root, streaming their output."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

REPO_ROOT = Path(__file__).resolve().parents[2]
# --no-install: use the CLI pinned in package.json (make setup installs it), never fetch another one.
CDK = ("npx", "--no-install", "cdk")


class ProgramNotFound(RuntimeError):
    """The program to run is not installed; the message says how to install it."""


class Runner(Protocol):
    """Runs one command (argv) with extra environment variables and returns its exit code."""

    def __call__(self, argv: Sequence[str], *, env: Mapping[str, str] | None = None) -> int: ...


def cdk(*args: str) -> list[str]:
    """The argv of one CDK CLI call."""
    return [*CDK, *args]


def context_flags(pairs: Sequence[str]) -> list[str]:
    """-c key=value flags, as the CDK CLI and the project's scripts take them."""
    return [flag for pair in pairs for flag in ("-c", pair)]


def add_context_option(parser: argparse.ArgumentParser) -> None:
    """The repeatable -c KEY=VALUE option every project script shares with the CDK CLI."""
    parser.add_argument(
        "-c",
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting, as for the CDK CLI (repeatable)",
    )


def run_command(argv: Sequence[str], *, env: Mapping[str, str] | None = None) -> int:
    """Run argv in the repo root with the terminal's stdout/stderr and `env` over this environment; its exit code.

    Raises ProgramNotFound when the program is not installed.
    """
    child_env = {**os.environ, **(env or {})}
    # Our own lines first: a piped stdout is block-buffered and would otherwise print after the child's output.
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        return subprocess.run(list(argv), cwd=REPO_ROOT, env=child_env, check=False).returncode
    except FileNotFoundError:
        raise ProgramNotFound(
            f"cannot run {argv[0]!r}: it is not installed or not on PATH (make setup installs Node.js tooling and the CDK CLI)"
        ) from None
