"""Translate normalized English texts to German: split, tokenize, truecase, invoke the model, repair and join."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Protocol

from translator import endpoint, model_speed, vocab
from translator.errors import EndpointTimeout, ModelFailed, SentenceTooLong, TooLarge
from translator.limits import MAX_SENTENCE_TOKENS
from translator.model_speed import ModelSpeed
from translator.moses import german_text, tokenize_english
from translator.plan import Call, Deadline, Plan, plan
from translator.sentences import split_sentences
from translator.truecase import truecase
from translator.unk import UNK, replace_unknown

# endpoint.invoke's shape: a payload, the deadline, the call's predicted seconds -> the parsed answer.
Invoke = Callable[..., dict]
# Where an over-long sentence may be cut, strongest first (a '.' inside one is a sentence end the splitter kept).
_CLAUSE_BOUNDARIES = (".", "!", "?", ";", ":", ",")


@dataclass(frozen=True)
class Segment:
    """One model input: tokens of a sentence, or of a clause of a sentence too long for the model."""

    text_index: int
    line_index: int
    tokens: list[str]
    starts_sentence: bool
    # The text goes on a sentence begun elsewhere (an inline HTML fragment): no capital of its own.
    continues: bool = False


@dataclass
class Result:
    """Translations in request order, and what it took to make them (for logs and metrics)."""

    translations: list[str]
    sentences: int = 0
    segments: int = 0
    endpoint_calls: int = 0
    endpoint_ms: float = 0.0
    unknown_words: int = 0
    planned_seconds: float = 0.0
    instances_per_call: list[int] = field(default_factory=list)


def split_long(tokens: list[str], limit: int = MAX_SENTENCE_TOKENS) -> list[list[str]]:
    """Cut a token list into pieces of at most limit tokens, after a . ! ? ; : or , (strongest first); refuse otherwise."""
    pieces = []
    while len(tokens) > limit:
        window = tokens[:limit]
        cut = next(
            (index for mark in _CLAUSE_BOUNDARIES for index in range(limit - 1, -1, -1) if window[index] == mark), None
        )
        if cut is None:
            raise SentenceTooLong(
                f"a sentence has more than {limit} words with no . ; : or , to split it at; "
                f"shorten it or add punctuation (it starts: {' '.join(tokens[:5])} ...)"
            )
        pieces.append(tokens[: cut + 1])
        tokens = tokens[cut + 1 :]
    if tokens:
        pieces.append(tokens)
    return pieces


def segments_of(texts: list[str], vocabulary: dict[str, int] | None, continuing: Collection[int] = ()) -> list[Segment]:
    """Turn normalized texts into model inputs, remembering where each came from."""
    segments = []
    for text_index, text in enumerate(texts):
        for line_index, line in enumerate(text.split("\n")):
            for sentence_index, sentence in enumerate(split_sentences(line)):
                continues = text_index in continuing and line_index == 0 and sentence_index == 0
                tokens = tokenize_english(sentence)
                # A continued sentence's first word is mid-sentence: it keeps the case the user wrote.
                tokens = tokens if continues else truecase(tokens, vocabulary)
                for number, piece in enumerate(split_long(tokens)):
                    segments.append(
                        Segment(text_index, line_index, piece, starts_sentence=number == 0, continues=continues)
                    )
    return segments


def instance(tokens: list[str], vocabulary: dict[str, int] | None) -> dict:
    """The model input for one segment, asking for its attention matrix only when a word may come back as <unk>.

    The model turns a word outside its source vocabulary into <unk>, in the input and the output; the matrix says
    which source word each output <unk> stands for (translator/unk.py). A sentence of known words needs none: its
    matrix would be most of the answer's bytes (one number per source and target word) for nothing. Without the
    vocabulary every sentence asks for one.
    """
    if vocabulary is None or not all(token in vocabulary for token in tokens):
        return {"data": " ".join(tokens), "configuration": {"attention_matrix": "true"}}
    return {"data": " ".join(tokens)}


class Translate(Protocol):
    """What the API dialects and the HTML path are handed: translate_texts, or a wrapper of it that logs."""

    def __call__(self, texts: list[str], *, continuing: Collection[int] = ()) -> Result: ...


def translate_texts(
    texts: list[str],
    invoke: Invoke = endpoint.invoke,
    *,
    continuing: Collection[int] = (),
    deadline: Deadline | None = None,
    speed: ModelSpeed | None = None,
) -> Result:
    """Translate each normalized English text (translator/normalize.py) to German, keeping order and line breaks.

    Texts whose index is in `continuing` go on a sentence begun before them (inline HTML): they get no capital.
    The model's calls are planned against `deadline` (the Lambda's); a request that can't fit is refused at once.
    """
    deadline = deadline or Deadline.of(None)
    speed = speed or model_speed.from_environment()
    vocabulary = vocab.source_vocabulary()
    segments = segments_of(texts, vocabulary, continuing)
    result = Result(
        translations=[], segments=len(segments), sentences=sum(segment.starts_sentence for segment in segments)
    )
    calls = plan([len(segment.tokens) for segment in segments], speed)
    available = deadline.available()
    if calls.seconds > available:
        raise TooLarge(_does_not_fit(texts, calls.seconds, available))
    result.planned_seconds = calls.seconds
    instances = [instance(segment.tokens, vocabulary) for segment in segments]
    predictions = _run(calls, instances, invoke, deadline, result)

    lines: dict[tuple[int, int], list[str]] = {}
    for segment, prediction in zip(segments, predictions, strict=True):
        target = prediction["target"].split()
        result.unknown_words += target.count(UNK)
        repaired = replace_unknown(target, segment.tokens, prediction.get("matrix"))
        german = german_text(repaired, starts_sentence=segment.starts_sentence and not segment.continues)
        lines.setdefault((segment.text_index, segment.line_index), []).append(german)
    for text_index, text in enumerate(texts):
        line_count = text.count("\n") + 1
        result.translations.append(
            "\n".join(" ".join(lines.get((text_index, line), [])) for line in range(line_count)).strip()
        )
    return result


def _does_not_fit(texts: list[str], needed: float, available: float) -> str:
    characters = sum(map(len, texts))
    fitting = int(characters * max(available, 0.0) / needed) // 100 * 100
    return (
        f"this text needs about {needed:.0f} s of the translation model and one request may use {max(available, 0):.0f} s;"
        f" about {fitting} of its {characters} characters fit in one request: split it into several requests"
    )


def _run(calls: Plan, instances: list[dict], invoke: Invoke, deadline: Deadline, result: Result) -> list[dict]:
    """Send the planned calls (several at once when the endpoint serves several); predictions in instance order."""
    predictions: list[dict | None] = [None] * len(instances)

    def send(call: Call) -> None:
        # A call that can no longer finish in time is not started: its work would be thrown away.
        if deadline.available() < call.seconds:
            raise EndpointTimeout("the translation model is slower than planned; try a shorter text or try again")
        batch = [instances[index] for index in call.indices]
        started = time.perf_counter()
        answer = invoke({"instances": batch}, deadline=deadline, expected_seconds=call.seconds)
        got = answer.get("predictions")
        if (
            not isinstance(got, list)
            or len(got) != len(batch)
            or not all(isinstance(item, dict) and isinstance(item.get("target"), str) for item in got)
        ):
            raise ModelFailed(
                f"the translation model answered {len(got) if isinstance(got, list) else 'no'} predictions for {len(batch)} sentences"
            )
        with lock:
            result.endpoint_ms += (time.perf_counter() - started) * 1000
            result.endpoint_calls += 1
            result.instances_per_call.append(len(batch))
        for index, prediction in zip(call.indices, got, strict=True):
            predictions[index] = prediction

    lock = threading.Lock()
    if calls.lanes <= 1:
        for call in calls.calls:
            send(call)
    else:
        with ThreadPoolExecutor(max_workers=calls.lanes) as pool:
            futures = [pool.submit(send, call) for call in calls.calls]
            try:
                for future in as_completed(futures):
                    future.result()
            except BaseException:
                # Calls not yet sent stay unsent; those in flight can't be taken back.
                for future in futures:
                    future.cancel()
                raise
    return predictions
