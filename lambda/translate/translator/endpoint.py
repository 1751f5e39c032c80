"""The SageMaker endpoint client: one sagemaker-runtime client per cold start, short timeouts, typed errors."""

from __future__ import annotations

import json
import os
import re
from functools import cache

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ReadTimeoutError
from botocore.exceptions import ConnectionError as BotoConnectionError

from translator.errors import EndpointThrottled, EndpointTimeout, EndpointUnavailable, ModelFailed

# Worst case two attempts of (connect + read) plus backoff, about 23 s, plus a cold start's vocabulary read (3 s),
# stay under the Lambda's 27 s timeout
# (stacks/api_contract.py), itself under API Gateway's 29 s.
CONNECT_TIMEOUT_SECONDS = 2.0
DEFAULT_READ_TIMEOUT_SECONDS = 9.0
MAX_ATTEMPTS = 2
_MISSING_ENDPOINT = re.compile(r"Endpoint .+ not found", re.IGNORECASE)
# How long a client should wait before trying again, by sagemaker-runtime error code.
_RETRY_AFTER = {"ThrottlingException": 2, "ModelNotReadyException": 30, "ServiceUnavailable": 10}


@cache
def client():
    """The sagemaker-runtime client (honours AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME)."""
    read_timeout = float(os.environ.get("ENDPOINT_READ_TIMEOUT_SECONDS") or DEFAULT_READ_TIMEOUT_SECONDS)
    config = Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=read_timeout,
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
    )
    return boto3.client("sagemaker-runtime", config=config)


def invoke(payload: dict) -> dict:
    """Send one seq2seq JSON request to ENDPOINT_NAME and return the parsed JSON answer."""
    name = os.environ.get("ENDPOINT_NAME")
    if not name:
        raise EndpointUnavailable("the service is not configured: ENDPOINT_NAME is not set", retry_after=60)
    try:
        response = client().invoke_endpoint(
            EndpointName=name,
            Body=json.dumps(payload, ensure_ascii=False).encode(),
            ContentType="application/json",
            Accept="application/json",
        )
        body = response["Body"].read()
    except ClientError as error:
        raise _mapped(error, name) from error
    except ReadTimeoutError as error:
        raise EndpointTimeout(
            "the translation model did not answer in time; try a shorter text or try again"
        ) from error
    except BotoConnectionError as error:
        raise EndpointUnavailable("the translation endpoint cannot be reached right now", retry_after=10) from error
    except BotoCoreError as error:
        raise ModelFailed(f"calling the translation endpoint failed: {type(error).__name__}") from error
    try:
        answer = json.loads(body)
    except ValueError as error:
        raise ModelFailed("the translation model answered something that is not JSON") from error
    if not isinstance(answer, dict):
        raise ModelFailed("the translation model answered JSON that is not an object")
    return answer


def _mapped(error: ClientError, name: str) -> Exception:
    code = error.response.get("Error", {}).get("Code", "")
    message = error.response.get("Error", {}).get("Message", "")
    if code in _RETRY_AFTER:
        kind = EndpointThrottled if code == "ThrottlingException" else EndpointUnavailable
        return kind(
            f"the translation endpoint is busy or not ready ({code}); try again later", retry_after=_RETRY_AFTER[code]
        )
    if code == "ValidationError" and _MISSING_ENDPOINT.search(message):
        return EndpointUnavailable(
            f"the translation endpoint {name} does not exist (yet); try again later", retry_after=60
        )
    if code == "ModelError":
        return ModelFailed("the translation model failed on this request")
    return ModelFailed(f"the translation endpoint answered an error ({code or 'unknown'})")
