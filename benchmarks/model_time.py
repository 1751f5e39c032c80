"""A maximal request against the stand-in at the model's speed: its time next to API Gateway's 29 s, instances per
call, and the endpoint's work wasted on timed-out or retried calls (goal 0), also with an endpoint slower than planned."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from itertools import cycle
from pathlib import Path

from benchmarks import REPO_ROOT
from benchmarks.child import run_child
from benchmarks.local_aws import offline_env
from benchmarks.report import Row
from benchmarks.request_overhead import SENTENCES, rest_event

GATEWAY_SECONDS = 29.0
# How much slower than its settings say the endpoint is in the second case.
SLOWER = 2.0
# Each case takes at most the Lambda's 27 s; this is reached only when something hangs.
WORKER_TIMEOUT_SECONDS = 120


class BenchmarkError(RuntimeError):
    """The maximal request could not be measured; the message says why."""


def maximal_texts() -> list[str]:
    """The documented limits filled with short everyday sentences (the most model time per character)."""
    from translator.limits import MAX_TEXTS, MAX_TOTAL_CHARS

    text, sentences = "", cycle(SENTENCES)
    while len(text) + 30 < MAX_TOTAL_CHARS // MAX_TEXTS:
        text += next(sentences) + " "
    return [text.strip()] * MAX_TEXTS


def worker(slower: float) -> dict:
    """In a fresh process: the stand-in `slower` times the front end's settings, the handler, one maximal request."""
    from translator.model_speed import DEFAULT

    import scripts.local.lambda_package  # noqa: F401 - makes the Lambda's translator package importable
    from scripts.local.api_gateway import LambdaContext
    from scripts.local.backends import StandInModel, stand_in_backend
    from scripts.local.lambda_package import load_handler
    from stacks.api_contract import LAMBDA_TIMEOUT_SECONDS
    from stacks.settings import settings_from_files

    model = StandInModel(speed=DEFAULT.scaled(slower))
    with stand_in_backend(settings_from_files(), model) as backend:
        # The front end plans with the settings of a deployed endpoint (the defaults), not the stand-in's.
        environment = {**backend.environment, **DEFAULT.settings()}
        handler = load_handler(environment)
        event = rest_event(json.dumps({"texts": maximal_texts()}))
        context = LambdaContext(aws_request_id="bench", deadline=time.monotonic() + LAMBDA_TIMEOUT_SECONDS)
        started = time.perf_counter()
        response = handler(event, context)
        seconds = time.perf_counter() - started
        # The endpoint's calls still running when the Lambda answered end now: their work is counted as wasted.
        time.sleep(0.2)
        counters = json.loads(_get(f"{backend.runtime_url}/stand-in/counters"))
    body = json.loads(response["body"])
    return {"status": response["statusCode"], "seconds": seconds, "sentences": body.get("sentences"), **counters}


def _get(url: str) -> bytes:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as reply:
        return reply.read()


def _run_worker(slower: float, result: Path) -> dict:
    command = [sys.executable, "-m", "benchmarks.model_time", "--slower", str(slower), "--result", str(result)]
    run_child(
        command,
        failure="the model-time worker failed",
        timeout=WORKER_TIMEOUT_SECONDS,
        error=BenchmarkError,
        cwd=REPO_ROOT,
        env=offline_env(),
    )
    return json.loads(result.read_text(encoding="utf-8"))


def run(repeat: int = 1) -> list[Row]:
    """Rows for the maximal request (once: it takes about 20 s; `repeat` is not used) and for a slower endpoint."""
    from translator.plan import MAX_INSTANCES_PER_CALL

    with tempfile.TemporaryDirectory() as scratch:
        at_speed = _run_worker(1.0, Path(scratch) / "at-speed.json")
        slow = _run_worker(SLOWER, Path(scratch) / "slow.json")
    if at_speed["status"] != 200:
        raise BenchmarkError(f"the maximal request answered {at_speed['status']}, not 200")
    per_call = at_speed["instances"] / max(at_speed["invocations"], 1)
    return [
        Row(
            "model time",
            "maximal request, stand-in at the model's speed",
            at_speed["seconds"],
            "API Gateway's window",
            GATEWAY_SECONDS,
            "s",
            note=f"{at_speed['sentences']} sentences in {at_speed['invocations']} calls",
        ),
        Row(
            "instances per call",
            "maximal request",
            round(per_call, 1),
            "the plan's bound",
            MAX_INSTANCES_PER_CALL,
            "instances",
        ),
        Row("wasted work", "maximal request", at_speed["wasted_instances"], "goal", 0, "instances"),
        Row(
            "wasted work",
            f"endpoint {SLOWER:g}x slower than its settings",
            slow["wasted_instances"],
            "goal",
            0,
            "instances",
            note=(
                f"answered {slow['status']} after {slow['seconds']:.1f} s; "
                f"{slow['invocations']} calls, {slow['timed_out']} timed out"
            ),
        ),
    ]


def main(argv: list[str] | None = None) -> None:
    """Worker entry point (run by `run` in a fresh process)."""
    parser = argparse.ArgumentParser(description="One model-time worker (used by python -m benchmarks).")
    parser.add_argument("--slower", type=float, required=True)
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)
    args.result.write_text(json.dumps(worker(args.slower)), encoding="utf-8")


if __name__ == "__main__":
    main()
