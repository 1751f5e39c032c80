"""Synth: wall seconds of a fresh process synthesizing our app (bundling skipped) vs one synthesizing an empty CDK app."""

from __future__ import annotations

import sys
import tempfile
import time

from benchmarks import REPO_ROOT
from benchmarks.child import run_child
from benchmarks.local_aws import offline_env
from benchmarks.report import Row, median

# Each script gets a fresh output folder as argv[1]; bundling is skipped as in `make test` (it is measured under "package").
APP_SCRIPT = (
    "import sys\n"
    "from stacks.service import build_service, new_app\n"
    "from stacks.settings import default_context\n"
    "app = new_app({**default_context(), 'aws:cdk:bundling-stacks': []}, outdir=sys.argv[1])\n"
    "build_service(app)\n"
    "app.synth()\n"
)
EMPTY_SCRIPT = (
    "import sys\nfrom aws_cdk import App, Stack\napp = App(outdir=sys.argv[1])\nStack(app, 'Empty')\napp.synth()\n"
)
# A synth takes seconds; this is reached only when jsii or the app hangs.
SYNTH_TIMEOUT_SECONDS = 300


class SynthError(RuntimeError):
    """A synth script failed; the message carries its last line of output."""


def wall_seconds(script: str, repeat: int) -> float:
    """Median wall seconds of `python -c script OUTDIR` in fresh processes, each with a fresh OUTDIR."""
    samples = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as outdir:
            started = time.perf_counter()
            run_child(
                [sys.executable, "-c", script, outdir],
                failure="synth failed",
                timeout=SYNTH_TIMEOUT_SECONDS,
                error=SynthError,
                cwd=REPO_ROOT,
                env=offline_env(),
            )
            samples.append(time.perf_counter() - started)
    return median(samples)


def run(repeat: int, app_script: str = APP_SCRIPT, empty_script: str = EMPTY_SCRIPT) -> list[Row]:
    """One row: our app's synth time next to the empty app's."""
    return [
        Row(
            "synth",
            "our app (3 stacks, no bundling)",
            wall_seconds(app_script, repeat),
            "empty CDK app",
            wall_seconds(empty_script, repeat),
            "s",
            note="fresh process, wall time",
        )
    ]
