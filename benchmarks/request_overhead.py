"""Per-request time of the front end vs a pass-through handler, each in a fresh process, against a runtime that answers at once."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path

from benchmarks import REPO_ROOT
from benchmarks.child import run_child
from benchmarks.cold_start import MODEL_VERSION
from benchmarks.instant_runtime import InstantRuntime
from benchmarks.local_aws import moto_server, offline_env, session
from benchmarks.report import Row, median
from benchmarks.synthetic_model import vocabulary
from scripts.local.container_stand_in import source_vocabulary
from scripts.local.proxy_event import proxy_event
from stacks.api_contract import STAGE_NAME, lambda_environment
from stacks.model_versions import source_vocabulary_key
from stacks.settings import settings_from_files

SIZES = (1, 10, 100)
ENDPOINT = "translate-bench"
BUCKET = "bench-model-bucket"
KINDS = {"front end": "handler", "pass-through": "benchmarks.passthrough"}
# A warm call takes milliseconds: each repeat makes this many, so that the median is not one scheduler hiccup.
WARM_CALLS_PER_REPEAT = 10
# A worker takes a second or two; this is reached only when a handler hangs.
WORKER_TIMEOUT_SECONDS = 300
# Short everyday sentences (the stand-in knows most words; the names exercise unknown-word repair).
SENTENCES = (
    "I love you, too.",
    "Can you drive a car?",
    "The house is very big.",
    "We want to watch a movie.",
    "Where is the train station?",
    "Anna lives in Hamburg.",
    "This is a good day.",
    "They have two children.",
    "My brother works in London.",
    "Do you speak German?",
)


# The same length of everyday text that the tokenizer's plain-sentence shortcut (translator/moses_library.py) does not
# take: apostrophes, quotes, amounts, times, an address, a semicolon. The library's own chain tokenizes every one.
MIXED_SENTENCES = (
    "It's 5 p.m. and we're late.",
    "The price is $3.50 (plus tax).",
    'She said: "I don\'t know."',
    "Call me at 10:30, please!",
    "Prices rose by 3% this year.",
    "We sold 1,200 tickets in 2023.",
    "Isn't that the U.S. flag?",
    "My e-mail is anna@example.com.",
    "Read pages 10-12; they're short.",
    "Tom's dog can't swim!",
)
# Sizes whose text is MIXED_SENTENCES too, beside the plain one.
MIXED_SIZES = (100,)
TEXTS = {"plain": SENTENCES, "mixed": MIXED_SENTENCES}


class BenchmarkError(RuntimeError):
    """A benchmarked handler did not answer as expected; the message says which and what it answered."""


def text_of(sentences: int, kind: str = "plain") -> str:
    """One English text of `sentences` short sentences of a kind (TEXTS)."""
    return " ".join(islice(cycle(TEXTS[kind]), sentences))


def rest_event(body: str) -> dict:
    """The API Gateway REST proxy event of a JSON POST /translate, as the local gateway builds it."""
    return proxy_event(
        method="POST",
        target="/translate",
        headers=[("Content-Type", "application/json"), ("Host", "bench.execute-api.us-east-1.amazonaws.com")],
        body=body.encode(),
        resource="/translate",
        path_parameters=None,
        stage=STAGE_NAME,
        source_ip="127.0.0.1",
    )


class LambdaContext:
    """The attributes of a Lambda context that Powertools reads."""

    function_name = "translate"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:translate"
    aws_request_id = "00000000-0000-4000-8000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 25_000


def worker(module: str, sentences: int, calls: int, kind: str = "plain") -> dict:
    """In a fresh process: import the handler, time its first call, then `calls` warm calls; check every answer."""
    # Makes the Lambda's asset root importable (the pass-through imports translator.endpoint too).
    import scripts.local.lambda_package  # noqa: F401

    started = time.perf_counter()
    handler = __import__(module, fromlist=["handler"]).handler
    imported = time.perf_counter() - started
    body, context, times, cpu = json.dumps({"text": text_of(sentences, kind)}), LambdaContext(), [], []
    for _ in range(calls + 1):
        event = rest_event(body)
        started, started_cpu = time.perf_counter(), time.process_time()
        response = handler(event, context)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        if response.get("statusCode") != 200 or not json.loads(response["body"]).get("translation"):
            raise BenchmarkError(
                f"{module}.handler answered {response.get('statusCode')}: {str(response.get('body'))[:300]}"
            )
    return {"import_s": imported, "first_s": times[0], "warm_s": times[1:], "warm_cpu_s": cpu[1:]}


def _run_worker(
    module: str, sentences: int, calls: int, env: dict[str, str], result: Path, kind: str = "plain"
) -> dict:
    command = [
        sys.executable,
        "-m",
        "benchmarks.request_overhead",
        "--worker",
        module,
        "--sentences",
        str(sentences),
        "--calls",
        str(calls),
        "--text",
        kind,
        "--result",
        str(result),
    ]
    # The handler logs to stdout as it does in Lambda; here those lines go nowhere.
    run_child(
        command,
        failure=f"the {module} worker failed",
        timeout=WORKER_TIMEOUT_SECONDS,
        error=BenchmarkError,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return json.loads(result.read_text(encoding="utf-8"))


def run(repeat: int, sizes: tuple[int, ...] = SIZES, mixed_sizes: tuple[int, ...] = MIXED_SIZES) -> list[Row]:
    """Rows: warm time per request and endpoint calls per request by size; the first request after a cold import."""
    rows: list[Row] = []
    with moto_server() as (host, port), InstantRuntime({ENDPOINT}) as runtime, tempfile.TemporaryDirectory() as scratch:
        moto_url = f"http://{host}:{port}"
        s3 = session().client("s3", endpoint_url=moto_url)
        s3.create_bucket(Bucket=BUCKET)
        # A vocabulary of the real one's size, read from S3 at the first request as in Lambda.
        settings = settings_from_files()
        vocabulary_key = source_vocabulary_key(settings.model_prefix, MODEL_VERSION)
        s3.put_object(Bucket=BUCKET, Key=vocabulary_key, Body=json.dumps(vocabulary(source_vocabulary())).encode())
        deployed = lambda_environment(
            settings, endpoint_name=ENDPOINT, model_bucket=BUCKET, source_vocabulary_key=vocabulary_key
        )
        env = offline_env(**deployed, AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME=runtime.url, AWS_ENDPOINT_URL_S3=moto_url)
        measured: dict[tuple[str, tuple[int, str]], dict] = {}
        calls = repeat * WARM_CALLS_PER_REPEAT
        cases = [(sentences, "plain") for sentences in sizes] + [(sentences, "mixed") for sentences in mixed_sizes]
        for case in cases:
            sentences, text = case
            for kind, module in KINDS.items():
                runtime.reset()
                # The first (untimed) call has the runtime compute this body's answer; the warm calls get it replayed.
                result = _run_worker(
                    module, sentences, calls, env, Path(scratch) / f"{module}-{sentences}-{text}.json", text
                )
                result["calls"] = runtime.invocations / (calls + 1)
                measured[kind, case] = result
        # The first request of a fresh process is one sample per process. Its answer is cached by now, so these
        # processes pay for clients and the vocabulary, not for the endpoint's work.
        first: dict[str, list[float]] = {kind: [] for kind in KINDS}
        for _ in range(repeat):
            for kind, module in KINDS.items():
                first[kind].append(_run_worker(module, sizes[0], 0, env, Path(scratch) / "first.json")["first_s"])
        for case in cases:
            sentences, text = case
            label = f"{sentences} sentence{'s' if sentences > 1 else ''}"
            label += ", mixed (numbers, quotes, apostrophes)" if text == "mixed" else ""
            # Wall time, and the worker's own CPU time (the runtime serves from this process, not the worker's):
            # what the front end computes, without the waits that other processes on a shared machine add.
            for figure, key, note in (
                ("per request", "warm_s", "endpoint's work excluded"),
                ("per request, CPU", "warm_cpu_s", "the handler's process only"),
            ):
                ours, floor = (
                    median(measured["front end", case][key]),
                    median(measured["pass-through", case][key]),
                )
                rows.append(
                    Row(
                        figure,
                        f"front end, {label}",
                        ours,
                        "pass-through",
                        floor,
                        "s",
                        note=f"overhead {(ours - floor) * 1000:.1f} ms; {note}",
                    )
                )
            rows.append(
                Row(
                    "endpoint calls",
                    f"front end, {label}",
                    measured["front end", case]["calls"],
                    "pass-through",
                    measured["pass-through", case]["calls"],
                    "per request",
                )
            )
        rows.append(
            Row(
                "cold start",
                f"first request ({sizes[0]} sentence) after import",
                median(first["front end"]),
                "pass-through, first request",
                median(first["pass-through"]),
                "s",
                note="clients, vocabulary from S3",
            )
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    """Worker entry point (run by `run` in a fresh process)."""
    parser = argparse.ArgumentParser(description="One request-overhead worker (used by python -m benchmarks).")
    parser.add_argument(
        "--worker", required=True, help="module whose handler to call: handler or benchmarks.passthrough"
    )
    parser.add_argument("--sentences", type=int, required=True)
    parser.add_argument("--calls", type=int, required=True, help="warm calls after the first")
    parser.add_argument("--text", choices=sorted(TEXTS), default="plain", help="which sentences the text repeats")
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)
    args.result.write_text(json.dumps(worker(args.worker, args.sentences, args.calls, args.text)), encoding="utf-8")


if __name__ == "__main__":
    main()
