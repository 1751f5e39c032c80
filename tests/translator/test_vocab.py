"""The source vocabulary: read once from a local file or from S3 (moto over HTTP), and degrading quietly when missing."""

from __future__ import annotations

import json

import boto3
import pytest
from translator import vocab

VOCABULARY = {"<pad>": 0, "<unk>": 1, "<s>": 2, "</s>": 3, "the": 4, "The": 5}


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch):
    for name in ("SOURCE_VOCABULARY_FILE", "MODEL_BUCKET", "SOURCE_VOCABULARY_KEY"):
        monkeypatch.delenv(name, raising=False)
    vocab.reset()
    yield
    vocab.reset()


def test_reads_from_s3_beside_the_model_once(aws_env, monkeypatch) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="models")
    s3.put_object(
        Bucket="models", Key="sagemaker/seq2seq/eng-german/pretrained_model/vocab.src.json", Body=json.dumps(VOCABULARY)
    )
    monkeypatch.setenv("MODEL_BUCKET", "models")
    monkeypatch.setenv("SOURCE_VOCABULARY_KEY", "sagemaker/seq2seq/eng-german/pretrained_model/vocab.src.json")
    assert vocab.source_vocabulary() == VOCABULARY
    s3.delete_object(Bucket="models", Key="sagemaker/seq2seq/eng-german/pretrained_model/vocab.src.json")
    assert vocab.source_vocabulary() == VOCABULARY  # cached for the life of the container


def test_missing_s3_object_degrades_to_none(aws_env, monkeypatch) -> None:
    boto3.client("s3").create_bucket(Bucket="models")
    monkeypatch.setenv("MODEL_BUCKET", "models")
    monkeypatch.setenv("SOURCE_VOCABULARY_KEY", "nowhere/vocab.src.json")
    assert vocab.source_vocabulary() is None


def test_local_directory_override(tmp_path, monkeypatch) -> None:
    (tmp_path / "vocab.src.json").write_text(json.dumps(VOCABULARY), encoding="utf-8")
    monkeypatch.setenv("SOURCE_VOCABULARY_FILE", str(tmp_path / "vocab.src.json"))
    assert vocab.source_vocabulary()["The"] == 5


@pytest.mark.parametrize("content", ["not json", "[1, 2]", '{"the": "four"}'])
def test_malformed_file_degrades_to_none(tmp_path, monkeypatch, content) -> None:
    (tmp_path / "vocab.src.json").write_text(content, encoding="utf-8")
    monkeypatch.setenv("SOURCE_VOCABULARY_FILE", str(tmp_path / "vocab.src.json"))
    assert vocab.source_vocabulary() is None


def test_nothing_configured_degrades_to_none() -> None:
    assert vocab.source_vocabulary() is None
