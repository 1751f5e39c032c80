"""The floor for the front end: a handler that forwards the raw text as one instance and returns the raw target."""

from __future__ import annotations

import json
import os
from functools import cache

import boto3
from botocore.config import Config

# The same timeouts and retries as the real front end, so only the work around the call differs.
from translator.endpoint import CONNECT_TIMEOUT_SECONDS
from translator.plan import MAX_READ_TIMEOUT_SECONDS


@cache
def _client():
    config = Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=MAX_READ_TIMEOUT_SECONDS,
        retries={"mode": "standard", "total_max_attempts": 1},
    )
    return boto3.client("sagemaker-runtime", config=config)


def handler(event: dict, context: object) -> dict:
    """Forward {"text": ...} untouched as {"instances": [{"data": text}]}, as the workshop's Lambda did."""
    text = json.loads(event["body"])["text"]
    response = _client().invoke_endpoint(
        EndpointName=os.environ["ENDPOINT_NAME"],
        ContentType="application/json",
        Accept="application/json",
        Body=json.dumps({"instances": [{"data": text}]}).encode(),
    )
    target = json.loads(response["Body"].read())["predictions"][0]["target"]
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"translation": target}),
    }
