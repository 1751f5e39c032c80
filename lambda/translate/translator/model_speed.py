"""How long the seq2seq model takes for a call: the settings (MODEL_* env vars), their defaults, the prediction.

The defaults are estimates for ml.m4.xlarge (docs/MODEL_SPEED.md gives the reasoning and sources);
`python -m scripts.calibrate` measures a deployed endpoint and prints the values to set instead.
The container stand-in (scripts/local/container_stand_in.py) sleeps what `call_seconds` predicts.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace

# Setting name in the Lambda's environment -> field of ModelSpeed.
ENVIRONMENT = {
    "MODEL_CALL_MS": "call_ms",
    "MODEL_ENCODE_MS_PER_TOKEN": "encode_ms_per_token",
    "MODEL_STEP_MS": "step_ms",
    "MODEL_STEP_MS_PER_SENTENCE": "step_ms_per_sentence",
    "MODEL_STEPS_PER_TOKEN": "steps_per_token",
    "MODEL_MAX_STEPS": "max_steps",
    "MODEL_BATCH_SENTENCES": "batch_sentences",
    "MODEL_CONCURRENT_CALLS": "concurrent_calls",
}
# Fields scaled by a speed factor (times); the others are counts and ratios.
_TIMES = ("call_ms", "encode_ms_per_token", "step_ms", "step_ms_per_sentence")


class ModelSpeedError(ValueError):
    """A MODEL_* setting is not a number in its range."""


@dataclass(frozen=True)
class ModelSpeed:
    """The cost model of one invoke_endpoint call; defaults are estimates for ml.m4.xlarge (docs/MODEL_SPEED.md)."""

    # Per call: HTTP, JSON, vocabulary lookups inside the container.
    call_ms: float = 15.0
    # Encoder, per source token of the call.
    encode_ms_per_token: float = 0.5
    # One decoder step (beam 5) of a batch of B sentences costs step_ms + step_ms_per_sentence * B.
    step_ms: float = 20.0
    step_ms_per_sentence: float = 4.0
    # Decoder steps of a batch: steps_per_token x its longest source, plus the end token, at most max_steps.
    steps_per_token: float = 1.1
    max_steps: int = 60
    # Sentences the container decodes together; a call's instances are decoded in batches of this many, in order.
    batch_sentences: int = 16
    # Calls the endpoint serves at once (instances x calls per instance); more wait in the container's queue.
    concurrent_calls: int = 1

    def steps(self, longest: int) -> int:
        """Decoder steps of a batch whose longest source has `longest` tokens."""
        return min(math.ceil(self.steps_per_token * longest) + 1, self.max_steps)

    def call_seconds(self, lengths: Sequence[int]) -> float:
        """Seconds the model takes for one call whose instances have these source lengths (tokens), in order."""
        total = self.call_ms + self.encode_ms_per_token * sum(lengths)
        for start in range(0, len(lengths), self.batch_sentences):
            batch = lengths[start : start + self.batch_sentences]
            total += self.steps(max(batch)) * (self.step_ms + self.step_ms_per_sentence * len(batch))
        return total / 1000

    def scaled(self, factor: float) -> ModelSpeed:
        """The same model `factor` times slower (0: instant)."""
        return replace(self, **{name: getattr(self, name) * factor for name in _TIMES})

    def settings(self) -> dict[str, str]:
        """This speed as the Lambda's environment (MODEL_* -> value)."""
        return {name: _text(getattr(self, field)) for name, field in ENVIRONMENT.items()}


DEFAULT = ModelSpeed()
INSTANT = DEFAULT.scaled(0)


def from_environment(environ: Mapping[str, str] | None = None) -> ModelSpeed:
    """The speed the MODEL_* variables set, each unset one at its default; a bad value is a ModelSpeedError."""
    environ = os.environ if environ is None else environ
    types = {field.name: field.type for field in fields(ModelSpeed)}
    values: dict[str, float | int] = {}
    for name, field in ENVIRONMENT.items():
        text = (environ.get(name) or "").strip()
        if not text:
            continue
        integer = types[field] in (int, "int")
        try:
            value = int(text) if integer else float(text)
        except ValueError:
            raise ModelSpeedError(f"{name}={text!r} is not a {'whole ' if integer else ''}number") from None
        if value < (1 if integer else 0) or not math.isfinite(value):
            raise ModelSpeedError(f"{name}={text!r} must be {'at least 1' if integer else 'a number from 0'}")
        values[field] = value
    return replace(DEFAULT, **values)


def _text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
