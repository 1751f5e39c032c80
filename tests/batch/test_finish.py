"""Post-processing: <unk> without an attention matrix, and output that does not match its input never published."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from translator.model_speed import DEFAULT

from scripts.batch.finish import IncompleteOutput, assemble, restore_unknown
from scripts.batch.prepare import InputFile, prepare
from scripts.local.container_stand_in import answer, source_vocabulary

VOCABULARY = {"the": 4, "cat": 5, "is": 6, ".": 7, "and": 8}


def test_as_many_unk_as_unknown_source_words_are_restored_in_order():
    source = ["the", "cat", "is", "Zylinski", "and", "Qorvath", "."]
    target = ["die", "Katze", "ist", "<unk>", "und", "<unk>", "."]
    assert restore_unknown(target, source, VOCABULARY) == ["die", "Katze", "ist", "Zylinski", "und", "Qorvath", "."]


def test_counts_that_differ_put_every_unknown_word_in_brackets_once():
    source = ["the", "cat", "is", "Zylinski", "and", "Qorvath", "."]
    target = ["die", "<unk>", "Katze", "."]
    assert restore_unknown(target, source, VOCABULARY) == ["die", "[Zylinski Qorvath]", "Katze", "."]


def test_without_a_vocabulary_the_apis_rule_without_a_matrix_applies():
    assert restore_unknown(["die", "<unk>", "."], ["the", "Zylinski", "."], None) == ["die", "the", "."]


def prepared_job(tmp_path: Path):
    source = tmp_path / "a.txt"
    source.write_text("Hello world.\n\nThe cat is Zylinski.\nThank you.\n", encoding="utf-8")
    prepared = prepare(
        [InputFile("a.txt", ".txt", source)], tmp_path / "work", source_vocabulary(), per_chunk=2, speed=DEFAULT
    )
    out = tmp_path / "out"
    out.mkdir()
    for chunk in prepared.chunks:
        request = {"instances": [{"data": json.loads(line)["source"]} for line in chunk.read_text().splitlines()]}
        predictions = answer(request)["predictions"]
        (out / f"{chunk.name}.out").write_text("".join(json.dumps({"target": p["target"]}) + "\n" for p in predictions))
    return prepared, out


def test_output_is_rebuilt_line_for_line(tmp_path):
    prepared, out = prepared_job(tmp_path)
    assert len(prepared.chunks) == 2
    lines = assemble(prepared, out, tmp_path / "de", source_vocabulary())
    assert lines == {"a.txt": 4}
    assert (tmp_path / "de" / "a.txt").read_text().splitlines() == [
        "Hallo Welt.",
        "",
        "Die Katze ist Zylinski.",
        "Danke du.",
    ]


def test_a_missing_out_file_is_incomplete(tmp_path):
    prepared, out = prepared_job(tmp_path)
    (out / "part-000001.jsonl.out").unlink()
    with pytest.raises(IncompleteOutput, match="the job wrote no part-000001.jsonl.out"):
        assemble(prepared, out, tmp_path / "de", source_vocabulary())


def test_an_out_file_with_fewer_lines_is_incomplete(tmp_path):
    prepared, out = prepared_job(tmp_path)
    first = out / "part-000000.jsonl.out"
    first.write_text(first.read_text().splitlines()[0] + "\n")
    with pytest.raises(IncompleteOutput, match="fewer lines than the job's input"):
        assemble(prepared, out, tmp_path / "de", source_vocabulary())
