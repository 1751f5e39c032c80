"""benchmarks/batch.py measures what it says on a small input (the full figure runs in make bench)."""

from __future__ import annotations

from benchmarks import batch


def test_a_small_run_counts_every_sentence_and_traces_a_peak():
    pre, post, sentences, peak = batch._measure(200, traced=True)
    assert sentences == 400  # two sentences a line
    assert pre > 0 and post > 0
    assert 0 < peak < 50 * 1024 * 1024
