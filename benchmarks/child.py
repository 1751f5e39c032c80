"""Child processes with a time limit: a hung pip, jsii or handler ends the figure with one line, not a hung `make bench`."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path


def last_line(output: str | None) -> str:
    """The last line of a child's output (on stderr its exception, as a rule), or 'no output'."""
    return ((output or "").strip().splitlines() or ["no output"])[-1]


def run_child(
    command: Sequence[str],
    *,
    failure: str,
    timeout: float,
    error: type[RuntimeError] = RuntimeError,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdout: int = subprocess.PIPE,
) -> subprocess.CompletedProcess[str]:
    """Run command (stderr captured as text); raise `error` "<failure>: <reason>" on a non-zero exit or after timeout seconds."""
    # Its own process group, so that a timeout or Ctrl-C also stops what it started (pip under CDK bundling, jsii's Node).
    with subprocess.Popen(
        list(command), cwd=cwd, env=env, stdout=stdout, stderr=subprocess.PIPE, text=True, start_new_session=True
    ) as process:
        try:
            out, err = process.communicate(timeout=timeout)
        except BaseException as stopped:
            _kill_group(process)
            if isinstance(stopped, subprocess.TimeoutExpired):
                raise error(f"{failure}: no answer within {timeout:g} s, stopped") from None
            raise
    if process.returncode != 0:
        # compileall, for one, reports on stdout.
        raise error(f"{failure}: {last_line(err if err and err.strip() else out)}")
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _kill_group(process: subprocess.Popen[str]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # already gone
    process.wait()
