"""Bulk translation on the client side: pre- and post-processing speed per core and peak memory, next to the model's pace.

50,000 short lines are measured (two everyday sentences each, the most sentences per byte); 1,000,000 lines are
extrapolated from them, since the work is per line and streamed (the peak memory of 2,000 and 20,000 lines shows it).
"""

from __future__ import annotations

import json
import tempfile
import time
import tracemalloc
from itertools import cycle, islice
from pathlib import Path

import scripts.local.lambda_package  # noqa: F401 - makes the Lambda's translator package importable

# isort: split
from translator.model_speed import DEFAULT

from benchmarks.report import Row
from benchmarks.request_overhead import SENTENCES
from scripts.batch.finish import assemble
from scripts.batch.job import records_per_chunk
from scripts.batch.prepare import InputFile, prepare
from scripts.local.container_stand_in import answer, source_vocabulary

LINES = 50_000
# tracemalloc makes a run about 3 times slower: the peak is measured on fewer lines.
SMALL_LINES = 2_000
TRACED_LINES = 20_000
EXTRAPOLATED_LINES = 1_000_000


def _write_input(path: Path, lines: int) -> None:
    pairs = (f"{first} {second}" for first, second in zip(cycle(SENTENCES), islice(cycle(SENTENCES), 1, None)))
    with path.open("w", encoding="utf-8") as stream:
        for line in islice(pairs, lines):
            stream.write(line + "\n")


def _model_outputs(prepared, directory: Path) -> None:
    """What the job would write, made by the stand-in's dictionary (not timed)."""
    directory.mkdir(parents=True, exist_ok=True)
    for chunk in prepared.chunks:
        with chunk.open(encoding="utf-8") as sources:
            request = {"instances": [{"data": json.loads(line)["source"]} for line in sources]}
        predictions = answer(request)["predictions"]
        (directory / f"{chunk.name}.out").write_text(
            "".join(json.dumps({"target": item["target"]}) + "\n" for item in predictions), encoding="utf-8"
        )


def _measure(lines: int, traced: bool) -> tuple[float, float, int, int]:
    """Seconds of pre- and post-processing, sentences, and the peak traced bytes (0 if not traced)."""
    vocabulary, per_chunk = source_vocabulary(), records_per_chunk(DEFAULT)
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as folder:
        root = Path(folder)
        _write_input(root / "in.txt", lines)
        files = [InputFile("in.txt", ".txt", root / "in.txt")]
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        prepared = prepare(files, root / "work", vocabulary, per_chunk=per_chunk, speed=DEFAULT)
        pre = time.perf_counter() - started
        if traced:
            tracemalloc.stop()
        _model_outputs(prepared, root / "out")
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        assemble(prepared, root / "out", root / "de", vocabulary)
        post = time.perf_counter() - started
        peak = 0
        if traced:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        return pre, post, prepared.sentences, peak


def run(repeat: int = 1) -> list[Row]:
    """Rows: pre- and post-processing sentences/s on one core vs the model's pace on one instance; peak memory."""
    pre, post, sentences, _ = _measure(LINES, traced=False)
    # Traced runs are slower; they only give the peak, for a small and a large input.
    peak_small = _measure(SMALL_LINES, traced=True)[3]
    peak = _measure(TRACED_LINES, traced=True)[3]
    per_chunk = records_per_chunk(DEFAULT)
    # The model's pace on a chunk of such sentences (about 7 Moses tokens each) at its estimated speed.
    model_rate = per_chunk / DEFAULT.call_seconds([7] * per_chunk)
    per_million = EXTRAPOLATED_LINES / LINES
    note = f"{LINES} lines measured; 1,000,000 lines extrapolated: pre {pre * per_million:.0f} s, post {post * per_million:.0f} s"
    return [
        Row(
            "batch",
            "pre-processing sentences/s, 1 core",
            sentences / pre,
            "model sentences/s, 1 instance",
            model_rate,
            "/s",
            note,
        ),
        Row(
            "batch",
            "post-processing sentences/s, 1 core",
            sentences / post,
            "model sentences/s, 1 instance",
            model_rate,
            "/s",
        ),
        Row(
            "batch",
            f"peak memory, {TRACED_LINES} lines (and 1,000,000)",
            peak,
            f"peak memory, {SMALL_LINES} lines",
            peak_small,
            "B",
            "streamed: the peak does not grow with the input",
        ),
    ]
