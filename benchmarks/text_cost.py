"""Per text: the front end's own text work on hard inputs against plain text of the same length, in a fresh process."""

from __future__ import annotations

import argparse
import json
import sys
from itertools import cycle
from time import process_time

from benchmarks.child import last_line, run_child
from benchmarks.report import Row, median
from benchmarks.request_overhead import SENTENCES
from scripts.local.lambda_package import LAMBDA_ROOT

# Runs of what sacremoses' and our patterns scan: one long token of each is timed, the slowest reported.
TOKEN_UNITS = (
    "a",
    "1",
    ".",
    "-",
    "_",
    "a.",
    "1,",
    "1.",
    "'",
    "#",
    "U.S.",
    "é",
    "a/",
    "a-",
    "ab1",
    "x_y.",
    "www.",
    "1:",
)
# The request benchmark's everyday sentences: plain text, the floor of the hard ones.
PLAIN_SENTENCES = SENTENCES[:8]
ABBREVIATED_SENTENCES = (
    "The U.S. and the U.K. signed it, e.g. in Jan. 2020.",
    "Mr. Smith, i.e. the CEO of Acme Inc., met Dr. Jones.",
    "Prof. Lee et al. wrote pp. 3-5, cf. Fig. 2 vs. Tab. 1.",
    "Ms. Fox of the E.U. paid approx. 5 U.S. dollars.",
)
# An address before a long word: sacremoses' e-mail pattern once read the word from each of its positions.
EMAIL_PREFIX = "x@y.de "
TEXT_CHARS = 2_500
TOKEN_CHARS = 5_000
# Each text is worked this many times per repeat; the median is reported.
RUNS_PER_REPEAT = 5
WORKER_TIMEOUT_SECONDS = 300


class TextCostError(RuntimeError):
    """The text-cost worker failed or printed no figures."""


def text_work(text: str) -> None:
    """The front end's own work on a text: splitting, tokenizing and truecasing it, and detokenizing it back."""
    from translator import moses
    from translator.errors import TranslateError
    from translator.normalize import normalize
    from translator.service import segments_of

    try:
        for segment in segments_of([normalize(text)], None):
            moses.detokenize_german(segment.tokens)
    except TranslateError:
        pass  # refused (too many protected spans, too long a sentence): the time spent deciding counts


def of_length(pieces: tuple[str, ...], length: int, separator: str = " ") -> str:
    """The pieces repeated in turn, joined, and cut to exactly `length` characters."""
    text = ""
    for piece in cycle(pieces):
        if len(text) >= length:
            return text[:length]
        text += piece + separator
    raise AssertionError("unreachable")


def texts() -> dict[str, str]:
    """Every timed text by name."""
    cases = {
        "plain": of_length(PLAIN_SENTENCES, TEXT_CHARS),
        "abbreviated": of_length(ABBREVIATED_SENTENCES, TEXT_CHARS),
        "plain-token-length": of_length(PLAIN_SENTENCES, TOKEN_CHARS),
        "word beside an e-mail address": EMAIL_PREFIX
        + of_length(("a",), TOKEN_CHARS - len(EMAIL_PREFIX), separator=""),
        "long word beside an e-mail address": EMAIL_PREFIX
        + of_length(("a",), 2 * TOKEN_CHARS - len(EMAIL_PREFIX), separator=""),
    }
    for unit in TOKEN_UNITS:
        cases[f"token {unit}"] = of_length((unit,), TOKEN_CHARS, separator="")
        cases[f"long token {unit}"] = of_length((unit,), 2 * TOKEN_CHARS, separator="")
    return cases


def worker(repeat: int) -> dict[str, float]:
    """Median CPU seconds of text_work for each text (run in a fresh process with the Lambda's code on sys.path).

    CPU time, not wall time: the work is one thread's computing, and the wait for a core that other processes hold
    (a shared machine) is no part of a text's cost.
    """
    seconds = {}
    for name, text in texts().items():
        text_work(text)  # the first call compiles what it uses
        samples = []
        for _ in range(repeat * RUNS_PER_REPEAT):
            started = process_time()
            text_work(text)
            samples.append(process_time() - started)
        seconds[name] = median(samples)
    return seconds


def run(repeat: int) -> list[Row]:
    """Rows: abbreviation-heavy against plain text; the slowest long token against plain text and against its double."""
    done = run_child(
        [sys.executable, "-m", "benchmarks.text_cost", "--worker", "--repeat", str(repeat)],
        failure="the text-cost worker failed",
        timeout=WORKER_TIMEOUT_SECONDS,
        error=TextCostError,
    )
    try:
        seconds = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise TextCostError(f"the text-cost worker printed no figures: {last_line(done.stdout)[:200]}") from None
    slowest = max(TOKEN_UNITS, key=lambda unit: seconds[f"token {unit}"])
    token, long_token = seconds[f"token {slowest}"], seconds[f"long token {slowest}"]
    return [
        Row(
            "per text",
            f"abbreviation-heavy text ({TEXT_CHARS:,} characters)",
            seconds["abbreviated"],
            "plain text, same length",
            seconds["plain"],
            "s",
            note="goal 1.2x; split, tokenize, truecase, detokenize",
        ),
        Row(
            "per text",
            f"one {TOKEN_CHARS:,}-character token (slowest of {len(TOKEN_UNITS)} kinds: {slowest!r} repeated)",
            token,
            "plain text, same length",
            seconds["plain-token-length"],
            "s",
        ),
        Row(
            "per text",
            f"the same token, {2 * TOKEN_CHARS:,} characters",
            long_token,
            f"2 x the {TOKEN_CHARS:,}-character token",
            2 * token,
            "s",
            note="1.0x: linear; 2.0x: quadratic",
        ),
        Row(
            "per text",
            f"a {TOKEN_CHARS:,}-character word beside an e-mail address",
            seconds["word beside an e-mail address"],
            "plain text, same length",
            seconds["plain-token-length"],
            "s",
        ),
        Row(
            "per text",
            f"the same word beside an e-mail address, {2 * TOKEN_CHARS:,} characters",
            seconds["long word beside an e-mail address"],
            f"2 x the {TOKEN_CHARS:,}-character one",
            2 * seconds["word beside an e-mail address"],
            "s",
            note="1.0x: linear; 2.0x: quadratic",
        ),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--worker", action="store_true", help="time the texts here and print them as JSON")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if args.worker:
        sys.path.insert(0, str(LAMBDA_ROOT))
        print(json.dumps(worker(args.repeat)))
    else:
        from benchmarks.report import format_table

        print(format_table(run(args.repeat)))


if __name__ == "__main__":
    main()
