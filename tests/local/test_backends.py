"""scripts/local/backends.py: the deployed backend's environment, against moto's S3 (no endpoint is called)."""

from __future__ import annotations

import json
import math
import urllib.request
from typing import Any

import boto3
import pytest

from scripts.local.backends import StandInModel, deployed_backend, stand_in_backend
from scripts.local.runtime_server import CONTROL_FUNCTION, DEFAULT_ENDPOINT
from scripts.staging.versions import record_in_service
from stacks.model_versions import in_service_key, source_vocabulary_key
from stacks.names import SOURCE_VOCABULARY_FILE, TARGET_VOCABULARY_FILE
from stacks.settings import settings_from_files

# A model version as staging computes it, and the one the endpoint stack recorded before it.
VERSION, PREVIOUS = "0123456789abcdef", "fedcba9876543210"


# --- The deployed backend's vocabulary: the version in service, or a warning ------------------------------------------


@pytest.fixture
def model_bucket(aws_env: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An empty model bucket in moto, named to the backend by MODEL_BUCKET; yields an S3 client."""
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="model-bucket")
    monkeypatch.setenv("MODEL_BUCKET", "model-bucket")
    monkeypatch.delenv("SOURCE_VOCABULARY_KEY", raising=False)
    return s3


def test_deployed_backend_reads_the_vocabulary_of_the_version_in_service(model_bucket: Any) -> None:
    settings = settings_from_files()
    record_in_service(model_bucket, "model-bucket", settings.model_prefix, PREVIOUS)
    record_in_service(model_bucket, "model-bucket", settings.model_prefix, VERSION)
    backend = deployed_backend(DEFAULT_ENDPOINT, settings)
    assert backend.warnings == []
    assert backend.environment["MODEL_BUCKET"] == "model-bucket"
    assert backend.environment["SOURCE_VOCABULARY_KEY"] == source_vocabulary_key(settings.model_prefix, VERSION)


def test_deployed_backend_takes_source_vocabulary_key_from_the_environment(
    model_bucket: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The user's key wins, even with nothing in service: no record is read, so no warning.
    monkeypatch.setenv("SOURCE_VOCABULARY_KEY", "elsewhere/" + SOURCE_VOCABULARY_FILE)
    backend = deployed_backend(DEFAULT_ENDPOINT, settings_from_files())
    assert backend.warnings == []
    assert backend.environment["SOURCE_VOCABULARY_KEY"] == "elsewhere/" + SOURCE_VOCABULARY_FILE


@pytest.mark.parametrize(
    ("record", "said"),
    [
        (None, "no model version is in service"),
        (b"not json", "no model version is in service"),
        (b'{"version": "latest"}', "no model version is in service"),
        ("no bucket", "cannot read"),
    ],
)
def test_deployed_backend_without_a_version_in_service_warns_once_and_goes_on(
    model_bucket: Any, monkeypatch: pytest.MonkeyPatch, record: Any, said: str
) -> None:
    settings = settings_from_files()
    # The previous layout's key exists, as in a bucket staged before versions: it must not be read.
    model_bucket.put_object(Bucket="model-bucket", Key=settings.model_prefix + SOURCE_VOCABULARY_FILE, Body=b"{}")
    model_bucket.put_object(Bucket="model-bucket", Key=settings.model_prefix + TARGET_VOCABULARY_FILE, Body=b"{}")
    if record == "no bucket":
        monkeypatch.setenv("MODEL_BUCKET", "no-such-bucket")
    elif record is not None:
        model_bucket.put_object(Bucket="model-bucket", Key=in_service_key(settings.model_prefix), Body=record)
    backend = deployed_backend(DEFAULT_ENDPOINT, settings)
    assert len(backend.warnings) == 1, backend.warnings
    assert said in backend.warnings[0]
    assert in_service_key(settings.model_prefix) in backend.warnings[0]
    assert "truecasing by vocabulary is off" in backend.warnings[0]
    # The handler is told there is no vocabulary in S3, rather than given a key that does not exist.
    assert backend.environment["MODEL_BUCKET"] is None
    assert backend.environment["SOURCE_VOCABULARY_KEY"] is None
    assert backend.environment["ENDPOINT_NAME"] == DEFAULT_ENDPOINT


# --- The stand-in backend: one local server for the model, DescribeEndpoint and the control function ----------------


@pytest.mark.parametrize(
    ("model", "endpoints", "control_function"),
    [
        (StandInModel(), {DEFAULT_ENDPOINT: "InService"}, None),
        (StandInModel(paused=True, resume_seconds=2.5), {DEFAULT_ENDPOINT: "missing"}, None),
        (StandInModel(paused=True, wake=True, resume_seconds=2.5), {DEFAULT_ENDPOINT: "missing"}, CONTROL_FUNCTION),
    ],
)
def test_stand_in_backend_points_every_client_at_the_stand_in(
    model: StandInModel, endpoints: dict[str, str], control_function: str | None
) -> None:
    with stand_in_backend(settings_from_files(), model) as backend:
        environment = backend.environment
        clients = {
            environment[f"AWS_ENDPOINT_URL_{service}"] for service in ("SAGEMAKER_RUNTIME", "SAGEMAKER", "LAMBDA")
        }
        assert clients == {backend.runtime_url}
        assert environment.get("ENDPOINT_CONTROL_FUNCTION") == control_function
        # Retry-After follows the stand-in's resume, rounded up to whole seconds.
        assert environment["ENDPOINT_START_SECONDS"] == str(max(1, math.ceil(model.resume_seconds)))
        with urllib.request.urlopen(f"{backend.runtime_url}/stand-in/control", timeout=10) as response:
            assert json.loads(response.read())["endpoints"] == endpoints
