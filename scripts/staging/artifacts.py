"""Checks that the three model artifacts are what they claim to be before they are staged."""

from __future__ import annotations

import gzip
import json
import tarfile
import zlib
from typing import BinaryIO

from stacks.names import MODEL_FILE

# Sockeye's reserved ids: every vocabulary the model was trained with starts with these.
SPECIAL_TOKENS = {"<pad>": 0, "<unk>": 1, "<s>": 2, "</s>": 3}
# A word-level vocabulary of 50,000 words is about 1 MB; anything far larger is not a vocabulary.
MAX_VOCAB_BYTES = 64 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
TAR_BLOCK = 512
_CHUNK = 1024 * 1024


class ArtifactError(ValueError):
    """An artifact failed its check; the message names the file, where it came from and what is wrong."""


def _describe(data: bytes) -> str:
    """What unexpected content looks like, so the user recognises an error page when one is served."""
    start = data.lstrip()[:64].lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return "an HTML page (an error page?)"
    if start.startswith((b"<?xml", b"<error")):
        return "an XML document (an S3 error response?)"
    if start.startswith(b"<"):
        return "an HTML or XML document (an error page?)"
    if not data:
        return "empty"
    return f"data starting with {data[:8].hex(' ')}"


def verify_model_archive(stream: BinaryIO, where: str) -> int:
    """Read a whole model.tar.gz and return its number of files; raise ArtifactError unless it is a complete gzip'd tar."""
    head = stream.read(TAR_BLOCK)
    if not head.startswith(GZIP_MAGIC):
        raise ArtifactError(f"{MODEL_FILE} from {where} is not a gzip file: it is {_describe(head)}")
    stream.seek(0)
    files = 0
    try:
        with gzip.GzipFile(fileobj=stream, mode="rb") as unzipped:
            with tarfile.open(fileobj=unzipped, mode="r|") as archive:
                for member in archive:
                    if member.isfile():
                        files += 1
                        reader = archive.extractfile(member)
                        while reader is not None and reader.read(_CHUNK):
                            pass
            # tarfile stops at the end-of-archive blocks; reading on makes gzip check its CRC and length trailer.
            while unzipped.read(_CHUNK):
                pass
    except EOFError:
        raise ArtifactError(f"{MODEL_FILE} from {where} is truncated: the gzip stream ends early") from None
    except (OSError, zlib.error, tarfile.TarError) as error:
        raise ArtifactError(f"{MODEL_FILE} from {where} is not a readable gzip'd tar: {error}") from None
    if files == 0:
        raise ArtifactError(f"{MODEL_FILE} from {where} is a tar archive with no files in it")
    return files


def verify_model_ends(head: bytes, tail: bytes, where: str) -> None:
    """Check a model.tar.gz from its first and last bytes only (for objects that are copied without being read)."""
    if not head.startswith(GZIP_MAGIC):
        raise ArtifactError(f"{MODEL_FILE} at {where} is not a gzip file: it is {_describe(head)}")
    try:
        first = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS).decompress(head, TAR_BLOCK)
    except zlib.error as error:
        raise ArtifactError(f"{MODEL_FILE} at {where} is not readable gzip data: {error}") from None
    if len(first) < TAR_BLOCK:
        raise ArtifactError(f"{MODEL_FILE} at {where} is too short to hold a tar archive")
    try:
        tarfile.TarInfo.frombuf(first, tarfile.ENCODING, "surrogateescape")
    except tarfile.HeaderError as error:
        raise ArtifactError(f"{MODEL_FILE} at {where} is gzip'd but not a tar archive ({error})") from None
    # The gzip trailer's last 4 bytes hold the uncompressed length mod 2**32, and a tar's length is a whole
    # number of 512-byte blocks: a truncated object ends in compressed data, which passes this 1 time in 512.
    if len(tail) < 8 or int.from_bytes(tail[-4:], "little") % TAR_BLOCK:
        raise ArtifactError(
            f"{MODEL_FILE} at {where} looks truncated: its gzip trailer does not describe a whole tar archive"
        )


def verify_vocab(name: str, data: bytes, where: str) -> int:
    """Check a Sockeye vocabulary (JSON object token -> id, special tokens first) and return its size."""
    if len(data) > MAX_VOCAB_BYTES:
        raise ArtifactError(
            f"{name} from {where} is {len(data)} bytes, more than a vocabulary's {MAX_VOCAB_BYTES} at most"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ArtifactError(
            f"{name} from {where} is not UTF-8 text (byte {error.start}): it is {_describe(data)}"
        ) from None
    try:
        vocab = json.loads(text)
    except json.JSONDecodeError as error:
        # An error page is valid UTF-8 too: say what it looks like, not only where the JSON parser stopped.
        looks_like = f": it is {_describe(data)}" if not data.strip() or data.lstrip().startswith(b"<") else ""
        position = f"line {error.lineno}, column {error.colno}"
        raise ArtifactError(f"{name} from {where} is not valid JSON ({error.msg}: {position}){looks_like}") from None
    if not isinstance(vocab, dict) or not vocab:
        raise ArtifactError(f"{name} from {where} is not a JSON object mapping tokens to ids")
    ids = set()
    for token, token_id in vocab.items():
        if type(token_id) is not int or token_id < 0:
            raise ArtifactError(f"{name} from {where} maps {token!r} to {token_id!r}: ids must be whole numbers from 0")
        ids.add(token_id)
    if len(ids) != len(vocab):
        raise ArtifactError(f"{name} from {where} gives the same id to more than one token")
    wrong = {token: vocab.get(token) for token, token_id in SPECIAL_TOKENS.items() if vocab.get(token) != token_id}
    if wrong:
        expected = ", ".join(f"{token}={token_id}" for token, token_id in SPECIAL_TOKENS.items())
        raise ArtifactError(f"{name} from {where} lacks Sockeye's special tokens ({expected}); found {wrong}")
    return len(vocab)
