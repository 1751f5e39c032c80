"""`python -m benchmarks`: run every figure (or some), print the table, write .bench/results.json."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from benchmarks import REPO_ROOT, batch, cold_start, model_time, request_overhead, staging, synth, text_cost
from benchmarks.report import Row, format_table, write_json
from stacks.quiet_jsii import quiet_jsii

FIGURES = ("cold-start", "requests", "text-cost", "model-time", "batch", "staging", "synth")
DEFAULT_REPEAT = 3
DEFAULT_OUTPUT = REPO_ROOT / ".bench" / "results.json"


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    model = next(
        (line.split(":", 1)[1].strip() for line in _cpuinfo() if line.startswith("model name")),
        platform.processor() or "?",
    )
    return {"cpus": os.cpu_count(), "cpu": model, "python": platform.python_version(), "os": platform.platform()}


def commit() -> str:
    """The short commit the work tree is on (`git rev-parse --short HEAD`), or "unknown" without git or a repository."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else "unknown"


def _cpuinfo() -> list[str]:
    try:
        return Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
    except OSError:
        return []


def positive(text: str) -> int:
    """An argparse type: a whole number from 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1")
    return value


def run_figures(figures: list[str], repeat: int, package: bool) -> list[Row]:
    """Rows of the chosen figures, in FIGURES order."""
    runners = {
        "cold-start": lambda: cold_start.run(repeat, package=package),
        "requests": lambda: request_overhead.run(repeat),
        "text-cost": lambda: text_cost.run(repeat),
        "model-time": lambda: model_time.run(repeat),
        "batch": lambda: batch.run(),
        "staging": lambda: staging.run(repeat),
        "synth": lambda: synth.run(repeat),
    }
    rows: list[Row] = []
    for figure in FIGURES:
        if figure in figures:
            print(f"measuring {figure} ...", file=sys.stderr, flush=True)
            rows += runners[figure]()
    return rows


def main(argv: list[str] | None = None) -> int:
    """Command line entry point: 0 measured, 1 a benchmark failed, 2 usage error."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--repeat",
        type=positive,
        default=DEFAULT_REPEAT,
        help="runs per figure; medians are shown (default %(default)s)",
    )
    parser.add_argument(
        "--only", action="append", choices=FIGURES, help="measure only this figure (repeatable; default all)"
    )
    parser.add_argument(
        "--no-package", action="store_true", help="skip building the deployment package (it needs the package registry)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="where to write the JSON results (default .bench/results.json)",
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    # jsii's Node end-of-life banner would otherwise land in the output of every synth child.
    quiet_jsii()
    started = time.perf_counter()
    try:
        rows = run_figures(args.only or list(FIGURES), args.repeat, package=not args.no_package)
    # A child process's failure or time-out already arrives as a RuntimeError; SubprocessError is the net under it.
    except (RuntimeError, OSError, subprocess.SubprocessError, ClientError, BotoCoreError) as error:
        print(f"benchmarks: failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("benchmarks: interrupted; every server and process it started is stopped", file=sys.stderr)
        return 130
    command = "python -m benchmarks " + " ".join(argv if argv is not None else sys.argv[1:])
    meta = {
        **machine(),
        "commit": commit(),
        "command": command.strip(),
        "repeat": args.repeat,
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(format_table(rows))
    print(
        f"\nmedians of {args.repeat} runs at commit {meta['commit']}; {meta['cpus']} CPUs, {meta['cpu']}, Python {meta['python']}, "
        f"{meta['os']}; {meta['seconds']} s in all"
    )
    try:
        write_json(rows, args.output, meta)
    except OSError as error:
        print(f"benchmarks: cannot write {args.output}: {error.strerror or error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
