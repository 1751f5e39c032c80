"""Pre-processing: input files -> the job's JSON Lines ({"source": "<Moses tokens>"}), streamed, with a layout per file."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import scripts.local.lambda_package  # noqa: F401 - makes the Lambda's translator package importable

# isort: split
from translator.errors import SentenceTooLong
from translator.model_speed import ModelSpeed
from translator.normalize import normalize
from translator.service import segments_of

from scripts.batch.formats import ALLOWED, DEFAULT_FIELD, BatchInputError, Line, parse, text_lines

_READ_BYTES = 1 << 16
# A layout line for an input line with nothing to translate (it passes through as it is).
PASS = "0"


@dataclass(frozen=True)
class InputFile:
    """One input file: its name relative to INPUT (the output's name too), its format and where it is on this machine."""

    name: str
    kind: str
    path: Path


@dataclass
class Prepared:
    """The job's input, made on this machine: chunk files in order, one layout per input file, and their counts."""

    files: list[InputFile]
    chunks: list[Path] = field(default_factory=list)
    layouts: list[Path] = field(default_factory=list)
    lines: int = 0
    texts: int = 0
    sentences: int = 0
    records: int = 0
    tokens: int = 0
    # The model's predicted time for every invocation (one per chunk), in seconds.
    model_seconds: float = 0.0
    # sha256 of every record in order: the same input gives the same digest.
    digest: str = ""


def read_lines(input_file: InputFile, field_name: str = DEFAULT_FIELD) -> Iterator[Line]:
    """The parsed lines of an input file, streamed."""
    with input_file.path.open("rb") as stream:
        chunks = iter(lambda: stream.read(_READ_BYTES), b"")
        yield from parse(input_file.kind, input_file.name, text_lines(input_file.name, chunks), field_name)


class _ChunkWriter:
    """Writes records to part-NNNNNN.jsonl files of at most `per_chunk` records, predicting each one's model time."""

    def __init__(self, directory: Path, per_chunk: int, speed: ModelSpeed, prepared: Prepared) -> None:
        self.directory, self.per_chunk, self.speed, self.prepared = directory, per_chunk, speed, prepared
        self.digest = hashlib.sha256()
        self.stream = None
        self.lengths: list[int] = []

    def write(self, tokens: list[str]) -> None:
        if self.stream is None:
            path = self.directory / f"part-{len(self.prepared.chunks):06d}.jsonl"
            self.prepared.chunks.append(path)
            self.stream = path.open("wb")
        record = (json.dumps({"source": " ".join(tokens)}, ensure_ascii=False) + "\n").encode()
        self.stream.write(record)
        self.digest.update(record)
        self.lengths.append(len(tokens))
        if len(self.lengths) >= self.per_chunk:
            self.close()

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None
            self.prepared.model_seconds += self.speed.call_seconds(self.lengths)
            self.lengths = []


def prepare(
    files: list[InputFile],
    work_dir: Path,
    vocabulary: dict[str, int] | None,
    *,
    per_chunk: int,
    speed: ModelSpeed,
    field_name: str = DEFAULT_FIELD,
    progress: Callable[[int], None] = lambda lines: None,
) -> Prepared:
    """Turn the input files into the job's records with the API's own text processing; bad input is a BatchInputError."""
    (work_dir / "chunks").mkdir(parents=True, exist_ok=True)
    (work_dir / "layouts").mkdir(parents=True, exist_ok=True)
    prepared = Prepared(files=files)
    writer = _ChunkWriter(work_dir / "chunks", per_chunk, speed, prepared)
    try:
        for index, input_file in enumerate(files):
            layout_path = work_dir / "layouts" / f"{index:06d}.layout"
            prepared.layouts.append(layout_path)
            with layout_path.open("w", encoding="utf-8") as layout:
                file_lines = 0
                for line in read_lines(input_file, field_name):
                    file_lines += 1
                    layout.write(_prepare_line(input_file.name, line, vocabulary, writer, prepared) + "\n")
                    if prepared.lines % 10000 == 0:
                        progress(prepared.lines)
            if not file_lines:
                raise BatchInputError(f"{input_file.name}: is empty: use {ALLOWED}")
    finally:
        writer.close()
    if not prepared.records:
        names = ", ".join(input_file.name for input_file in files[:3]) + (" ..." if len(files) > 3 else "")
        raise BatchInputError(f"{names}: nothing to translate (only empty lines, numbering or timing)")
    prepared.digest = writer.digest.hexdigest()
    return prepared


def _prepare_line(
    name: str, line: Line, vocabulary: dict[str, int] | None, writer: _ChunkWriter, prepared: Prepared
) -> str:
    prepared.lines += 1
    text = normalize(line.text) if line.text is not None else ""
    if not text:
        return PASS
    try:
        segments = segments_of([text], vocabulary)
    except SentenceTooLong as error:
        raise BatchInputError(f"{name}:{line.number}: {error}") from None
    prepared.texts += 1
    codes = [text.count("\n") + 1]
    for segment in segments:
        writer.write(segment.tokens)
        prepared.records += 1
        prepared.tokens += len(segment.tokens)
        prepared.sentences += segment.starts_sentence
        # The segment's line within the text, and whether it starts a sentence, in one number.
        codes.append(segment.line_index * 2 + segment.starts_sentence)
    return json.dumps(codes, separators=(",", ":"))
