"""The translation service: cutting over-long sentences, batching instances, translating through the stand-ins."""

from __future__ import annotations

import json

import pytest
from translator.errors import TooLarge
from translator.service import batches, split_long


def test_split_long_cuts_at_strongest_clause_boundary() -> None:
    tokens = ["w"] * 30 + [","] + ["w"] * 20 + [";"] + ["w"] * 20
    pieces = split_long(tokens, limit=60)
    assert [len(piece) for piece in pieces] == [52, 20]
    assert pieces[0][-1] == ";" and [token for piece in pieces for token in piece] == tokens


def test_split_long_prefers_a_sentence_end_it_was_given() -> None:
    tokens = ["w"] * 20 + [","] + ["w"] * 20 + ["."] + ["w"] * 10 + [","] + ["w"] * 20
    assert [len(piece) for piece in split_long(tokens, limit=60)] == [42, 31]


def test_split_long_refuses_rather_than_truncates() -> None:
    with pytest.raises(TooLarge, match="more than 60 words"):
        split_long(["w"] * 61)
    assert split_long(["w"] * 60) == [["w"] * 60]


def test_batches_respect_payload_limit_and_order() -> None:
    instances = [{"data": "x" * 40, "n": n} for n in range(10)]
    groups = list(batches(instances, max_bytes=200))
    assert [item for group in groups for item in group] == instances
    assert len(groups) > 1
    assert all(len(json.dumps({"instances": group}).encode()) <= 200 for group in groups)
    assert len(list(batches(instances))) == 1
