"""Post-processing: the job's {"target": ...} lines -> German files in the input's formats, N lines in = N lines out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import scripts.local.lambda_package  # noqa: F401 - makes the Lambda's translator package importable

# isort: split
from translator.moses import german_text
from translator.unk import UNK, replace_unknown

from scripts.batch.formats import DEFAULT_FIELD, render
from scripts.batch.prepare import PASS, Prepared, read_lines

# Suffix Batch Transform gives each output object: the input object's name + ".out".
OUT_SUFFIX = ".out"


class IncompleteOutput(RuntimeError):
    """The job's output does not match its input (missing file, fewer or more lines): nothing is written."""


def restore_unknown(target: list[str], source: list[str], vocabulary: dict[str, int] | None) -> list[str]:
    """Replace <unk> without an attention matrix (Batch Transform returns none).

    When the model wrote as many <unk> as the source has words outside its vocabulary, they are put back in source
    order (names and numbers keep their place in most sentences). Otherwise which <unk> stands for which word is a
    guess: the first <unk> becomes every unknown source word in brackets ("[Zylinski Qorvath]"), the others go.
    Without the vocabulary, the API's own rule without a matrix applies (translator/unk.py).
    """
    count = target.count(UNK)
    if not count:
        return target
    if vocabulary is None:
        return replace_unknown(target, source, None)
    unknown = [token for token in source if token not in vocabulary]
    if len(unknown) == count:
        words = iter(unknown)
        return [next(words) if token == UNK else token for token in target]
    result, bracketed = [], False
    for token in target:
        if token != UNK:
            result.append(token)
        elif unknown and not bracketed:
            result.append("[" + " ".join(unknown) + "]")
            bracketed = True
    return result


def german_segment(source: list[str], target: list[str], starts_sentence: bool, vocabulary) -> str:
    """One model output as German text, repaired the way the API repairs it."""
    return german_text(restore_unknown(target, source, vocabulary), starts_sentence=starts_sentence)


def _pairs(prepared: Prepared, output_dir: Path) -> Iterator[tuple[list[str], list[str]]]:
    """(source tokens, target tokens) of every record, in order, checked chunk by chunk."""
    for chunk in prepared.chunks:
        out = output_dir / (chunk.name + OUT_SUFFIX)
        if not out.is_file():
            raise IncompleteOutput(f"the job wrote no {out.name}: its output is incomplete")
        with chunk.open(encoding="utf-8") as sources, out.open(encoding="utf-8") as targets:
            number = 0
            for number, (source_line, target_line) in enumerate(_zip_lines(sources, targets, out.name), 1):
                try:
                    target = json.loads(target_line)["target"]
                except (ValueError, KeyError, TypeError):
                    raise IncompleteOutput(f'{out.name}:{number}: is not a {{"target": ...}} line') from None
                yield json.loads(source_line)["source"].split(), str(target).split()


def _zip_lines(sources, targets, name: str) -> Iterator[tuple[str, str]]:
    for source in sources:
        target = targets.readline()
        if not target:
            raise IncompleteOutput(f"{name}: has fewer lines than the job's input: its output is incomplete")
        yield source, target
    if targets.readline().strip():
        raise IncompleteOutput(f"{name}: has more lines than the job's input")


def assemble(
    prepared: Prepared,
    output_dir: Path,
    dest_dir: Path,
    vocabulary: dict[str, int] | None,
    field_name: str = DEFAULT_FIELD,
) -> dict[str, int]:
    """Write each input file's German into dest_dir (same relative names); return lines per file, each checked."""
    pairs = _pairs(prepared, output_dir)
    written: dict[str, int] = {}
    for input_file, layout_path in zip(prepared.files, prepared.layouts, strict=True):
        destination = dest_dir / input_file.name
        destination.parent.mkdir(parents=True, exist_ok=True)
        count = 0
        with layout_path.open(encoding="utf-8") as layout, destination.open("w", encoding="utf-8") as out:
            for line, codes_text in zip(read_lines(input_file, field_name), layout, strict=True):
                codes_text = codes_text.strip()
                german = None if codes_text == PASS else _german_text(json.loads(codes_text), pairs, vocabulary)
                out.write(render(input_file.kind, line, german, field_name) + "\n")
                count += 1
        written[input_file.name] = count
    if next(pairs, None) is not None:
        raise IncompleteOutput("the job's output has more records than its input")
    expected = _input_lines(prepared)
    if written != expected:
        raise IncompleteOutput(f"lines in and out differ: {expected} in, {written} out")
    return written


def _german_text(codes: list[int], pairs: Iterator, vocabulary) -> str:
    line_count, segments = codes[0], codes[1:]
    lines: list[list[str]] = [[] for _ in range(line_count)]
    for code in segments:
        pair = next(pairs, None)
        if pair is None:
            raise IncompleteOutput("the job's output has fewer records than its input")
        source, target = pair
        lines[code // 2].append(german_segment(source, target, bool(code % 2), vocabulary))
    return "\n".join(" ".join(parts) for parts in lines).strip()


def _input_lines(prepared: Prepared) -> dict[str, int]:
    counts = {}
    for input_file, layout_path in zip(prepared.files, prepared.layouts, strict=True):
        with layout_path.open(encoding="utf-8") as layout:
            counts[input_file.name] = sum(1 for _ in layout)
    return counts
