"""Synthetic model artifacts: a valid gzip'd tar of random bytes and a Sockeye-shaped vocabulary of realistic size."""

from __future__ import annotations

import io
import json
import os
import tarfile
from pathlib import Path

from stacks.names import SOURCE_VOCABULARY_FILE, TARGET_VOCABULARY_FILE

SPECIAL_TOKENS = ("<pad>", "<unk>", "<s>", "</s>")
# The example's vocabularies are word-level and capped at 50,000 words.
VOCAB_WORDS = 50_000


def write_model_archive(path: Path, payload_bytes: int) -> int:
    """Write a model.tar.gz holding one file of random bytes (so gzip cannot shrink it); return its size in bytes."""
    data = os.urandom(payload_bytes)
    with tarfile.open(path, "w:gz", compresslevel=1) as archive:
        member = tarfile.TarInfo("params.best")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    return path.stat().st_size


def vocabulary(known: dict[str, int] | None = None, words: int = VOCAB_WORDS) -> dict[str, int]:
    """Special tokens, then `known` (in its order), then filler words up to `words` entries."""
    result = {token: number for number, token in enumerate(SPECIAL_TOKENS)}
    for token in known or {}:
        result.setdefault(token, len(result))
    filler = 0
    while len(result) < words:
        result.setdefault(f"word{filler}", len(result))
        filler += 1
    return result


def write_vocabularies(
    directory: Path, source: dict[str, int] | None = None, target: dict[str, int] | None = None
) -> list[Path]:
    """Write the source and target vocabularies into directory; return their paths."""
    paths = [directory / SOURCE_VOCABULARY_FILE, directory / TARGET_VOCABULARY_FILE]
    for path, known in zip(paths, (source, target), strict=True):
        path.write_text(json.dumps(vocabulary(known), ensure_ascii=False), encoding="utf-8")
    return paths
