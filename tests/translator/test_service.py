"""The translation service: cutting over-long sentences, the payload bound, refusing what can't fit the window."""

from __future__ import annotations

import json

import pytest
from translator import limits, vocab
from translator.errors import SentenceTooLong, TooLarge
from translator.model_speed import DEFAULT
from translator.plan import MAX_INSTANCES_PER_CALL, Deadline
from translator.service import split_long, translate_texts

from scripts.local.container_stand_in import answer, source_vocabulary


def test_split_long_cuts_at_strongest_clause_boundary() -> None:
    tokens = ["w"] * 30 + [","] + ["w"] * 20 + [";"] + ["w"] * 20
    pieces = split_long(tokens, limit=60)
    assert [len(piece) for piece in pieces] == [52, 20]
    assert pieces[0][-1] == ";" and [token for piece in pieces for token in piece] == tokens


def test_split_long_prefers_a_sentence_end_it_was_given() -> None:
    tokens = ["w"] * 20 + [","] + ["w"] * 20 + ["."] + ["w"] * 10 + [","] + ["w"] * 20
    assert [len(piece) for piece in split_long(tokens, limit=60)] == [42, 31]


def test_split_long_refuses_rather_than_truncates_with_a_400() -> None:
    with pytest.raises(SentenceTooLong, match="more than 60 words") as raised:
        split_long(["w"] * 61)
    assert raised.value.status == 400
    assert split_long(["w"] * 60) == [["w"] * 60]


def test_a_call_at_the_request_limits_fits_invoke_endpoints_payload() -> None:
    # Each character at most 6 bytes as JSON (\uXXXX), plus the instance's own JSON around it.
    instance = len(json.dumps({"data": "", "configuration": {"attention_matrix": "true"}})) + 2
    assert limits.MAX_TOTAL_CHARS * 6 + MAX_INSTANCES_PER_CALL * instance < limits.INVOKE_ENDPOINT_MAX_BYTES


def test_a_request_that_cannot_fit_the_window_is_refused_before_any_call() -> None:
    calls = []

    def invoke(payload: dict, **_: object) -> dict:
        calls.append(payload)
        return {"predictions": [{"target": "x"} for _ in payload["instances"]]}

    text = "The house is very big. " * 40
    with pytest.raises(TooLarge, match="split it into several requests") as raised:
        translate_texts([text], invoke, deadline=Deadline.after(2.0), speed=DEFAULT)
    assert calls == [] and raised.value.status == 413
    assert "characters fit in one request" in raised.value.message
    assert translate_texts([text], invoke, deadline=Deadline.after(25.0), speed=DEFAULT).endpoint_calls == 1


@pytest.fixture
def stand_in_vocabulary(tmp_path, monkeypatch):
    """The stand-in container's source vocabulary as the function's (read from a file, as locally)."""
    path = tmp_path / "vocab.src.json"
    path.write_text(json.dumps(source_vocabulary()), encoding="utf-8")
    monkeypatch.setenv("SOURCE_VOCABULARY_FILE", str(path))
    vocab.reset()
    yield source_vocabulary()
    vocab.reset()


def _stand_in_invoke(calls: list[dict]):
    def invoke(payload: dict, **_: object) -> dict:
        calls.append(payload)
        return answer(json.loads(json.dumps(payload)))

    return invoke


def test_only_sentences_with_unknown_words_ask_for_the_attention_matrix(stand_in_vocabulary) -> None:
    calls: list[dict] = []
    result = translate_texts(
        ["The house is very big. My friend Zyxwv lives here."], _stand_in_invoke(calls), speed=DEFAULT
    )
    instances = calls[0]["instances"]
    known = [all(token in stand_in_vocabulary for token in item["data"].split()) for item in instances]
    assert known == [True, False]
    assert [item.get("configuration") for item in instances] == [None, {"attention_matrix": "true"}]
    # The unknown name comes back through its matrix row, in its place.
    assert "Zyxwv" in result.translations[0] and result.unknown_words == 1


def test_without_the_vocabulary_every_sentence_asks_for_the_attention_matrix(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_VOCABULARY_FILE", str(tmp_path / "missing.json"))
    vocab.reset()
    calls: list[dict] = []
    try:
        translate_texts(["The house is very big. Anna lives here."], _stand_in_invoke(calls), speed=DEFAULT)
    finally:
        vocab.reset()
    assert [item.get("configuration") for item in calls[0]["instances"]] == [{"attention_matrix": "true"}] * 2
