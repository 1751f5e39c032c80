"""The model's source vocabulary, read once per cold start from SOURCE_VOCABULARY_FILE (local) or S3 (MODEL_BUCKET, SOURCE_VOCABULARY_KEY)."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import boto3
from aws_lambda_powertools import Logger
from botocore.config import Config

logger = Logger(child=True)
# After a failed read, requests go on without vocabulary-based truecasing; try again this much later.
RETRY_AFTER_FAILURE_SECONDS = 300.0
# Read during a (cold) request: one short attempt, so that it and the endpoint call both fit in the Lambda's timeout.
S3_CONNECT_TIMEOUT_SECONDS = 1.0
S3_READ_TIMEOUT_SECONDS = 2.0
_S3_CONFIG = Config(
    connect_timeout=S3_CONNECT_TIMEOUT_SECONDS,
    read_timeout=S3_READ_TIMEOUT_SECONDS,
    retries={"mode": "standard", "total_max_attempts": 1},
)

_lock = threading.Lock()
_state: dict[str, object] = {"vocabulary": None, "loaded": False, "failed_at": None}


def source_vocabulary() -> dict[str, int] | None:
    """Return {token: id} of the source vocabulary, or None (with one warning) when it cannot be read."""
    with _lock:
        if _state["loaded"]:
            return _state["vocabulary"]
        failed_at = _state["failed_at"]
        if isinstance(failed_at, float) and time.monotonic() - failed_at < RETRY_AFTER_FAILURE_SECONDS:
            return None
        try:
            vocabulary = _parse(_read_source_file())
        except Exception as error:  # noqa: BLE001 - any failure here must degrade, not fail the request
            logger.warning(
                "source vocabulary unavailable; truecasing by vocabulary is off", extra={"reason": str(error)}
            )
            _state["failed_at"] = time.monotonic()
            return None
        _state.update(vocabulary=vocabulary, loaded=True, failed_at=None)
        logger.info("source vocabulary loaded", extra={"tokens": len(vocabulary)})
        return vocabulary


def reset() -> None:
    """Forget the cached vocabulary (tests, or a changed environment)."""
    with _lock:
        _state.update(vocabulary=None, loaded=False, failed_at=None)


def _read_source_file() -> bytes:
    path = os.environ.get("SOURCE_VOCABULARY_FILE")
    if path:
        return Path(path).read_bytes()
    bucket, key = os.environ.get("MODEL_BUCKET"), os.environ.get("SOURCE_VOCABULARY_KEY")
    if not bucket or not key:
        raise LookupError("neither SOURCE_VOCABULARY_FILE nor MODEL_BUCKET and SOURCE_VOCABULARY_KEY are set")
    return boto3.client("s3", config=_S3_CONFIG).get_object(Bucket=bucket, Key=key)["Body"].read()


def _parse(raw: bytes) -> dict[str, int]:
    document = json.loads(raw)
    if not isinstance(document, dict) or not all(isinstance(value, int) for value in document.values()):
        raise ValueError("the source vocabulary is not a JSON object of token -> integer id")
    return document
