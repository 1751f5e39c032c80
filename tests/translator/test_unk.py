"""Repair of <unk> in the model's output from the attention matrix."""

from __future__ import annotations

from translator.unk import replace_unknown


def test_replace_unknown_takes_most_attended_source_token() -> None:
    source = ["Zebulon", "liebt", "Quokkas", "."]
    target = ["<unk>", "liebt", "<unk>", "."]
    matrix = [[0.7, 0.1, 0.1, 0.1, 0.0], [0.1, 0.8, 0.1, 0.0, 0.0], [0.0, 0.1, 0.2, 0.1, 0.6], [0, 0, 0, 1, 0]]
    # Row 2 attends most to the extra </s> column: only real source tokens are candidates.
    assert replace_unknown(target, source, matrix) == ["Zebulon", "liebt", "Quokkas", "."]


def test_replace_unknown_without_matrix_uses_unmatched_source_words() -> None:
    assert replace_unknown(["ich", "mag", "<unk>", "."], ["I", "like", "Quokkas", "."], None) == [
        "ich",
        "mag",
        "I",
        ".",
    ]
    assert replace_unknown(["<unk>"], [".", "!"], "garbage") == []
