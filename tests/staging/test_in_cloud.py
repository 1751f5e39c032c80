"""The StagedModel custom resource's logic and handler as plain Python against moto's S3 server."""

from __future__ import annotations

import threading
import time

import pytest

from scripts.staging.in_cloud import StagedModelError, in_service, stage_or_verify
from scripts.staging.sources import parse_source
from scripts.staging.stage import stage
from scripts.staging.versions import is_staged, list_versions, read_in_service, record_in_service
from stacks.model_versions import in_service_key, model_key
from stacks.staged_model_function import handler as function
from tests.fixtures.artifacts import valid_artifacts, write_artifacts
from tests.fixtures.moto_server import REGION
from tests.staging.support import BUCKET, PREFIX, put_source, record_calls, snapshot, version_of

DEFAULT_SOURCE = f"sagemaker-example-files-prod-{REGION}"


def publish_default(s3, files) -> None:
    put_source(s3, DEFAULT_SOURCE, "models/seq2seq-data/", files)


def resolve(s3, requested: str = "", keep: int = 3):
    return stage_or_verify(s3, bucket=BUCKET, prefix=PREFIX, requested=requested, keep=keep, region=REGION)


def test_nothing_staged_copies_the_default_source_and_records_it_in_service(s3, model_files):
    publish_default(s3, model_files)
    calls = record_calls(s3)
    staged = resolve(s3)
    assert is_staged(s3, BUCKET, PREFIX, staged.version)
    assert staged.model_data_url == f"s3://{BUCKET}/{model_key(PREFIX, staged.version)}"
    assert staged.source_vocabulary_key == f"{PREFIX}{staged.version}/vocab.src.json"
    assert read_in_service(s3, BUCKET, PREFIX).version == staged.version
    # Server-side copies from the public bucket: no model byte through the function.
    assert any(name == "CopyObject" and params["CopySource"]["Bucket"] == DEFAULT_SOURCE for name, params in calls)
    assert not any(
        name in {"PutObject", "UploadPart"} and params["Key"].endswith("model.tar.gz") for name, params in calls
    )


def test_an_unreadable_source_is_one_message_naming_it_what_s3_said_and_the_command(s3):
    with pytest.raises(StagedModelError) as failure:
        resolve(s3)
    message = str(failure.value)
    assert "\n" not in message
    for text in (
        f"s3://{DEFAULT_SOURCE}/models/seq2seq-data/",
        "S3 answered 404 NoSuchBucket",
        "s3://sagemaker-sample-files/",
    ):
        assert text in message
    assert 'make deploy ARGS="--source' in message and "python -m scripts.stage_model --source" in message
    assert snapshot(s3) == ([], [])


def test_a_requested_version_that_is_staged_is_returned_without_copying(s3, model_dir, model_files):
    version = stage(s3, BUCKET, PREFIX, [parse_source(str(model_dir))])
    calls = record_calls(s3)
    staged = resolve(s3, requested=version)
    assert staged.version == version
    writes = [params["Key"] for name, params in calls if name in {"PutObject", "CopyObject", "UploadPart"}]
    assert writes == [in_service_key(PREFIX)]


def test_a_requested_version_that_is_missing_fails_naming_it_the_bucket_and_the_commands(s3):
    with pytest.raises(StagedModelError) as failure:
        resolve(s3, requested="0123456789abcdef")
    message = str(failure.value)
    assert f"model version 0123456789abcdef is not staged in s3://{BUCKET}/{PREFIX}0123456789abcdef/" in message
    assert "make deploy" in message and "python -m scripts.stage_model" in message


def test_a_rollback_records_the_old_version_again_and_keeps_the_other_as_previous(s3, tmp_path, model_files):
    first = stage(s3, BUCKET, PREFIX, [parse_source(str(write_artifacts(tmp_path / "a", model_files)))])
    second = stage(s3, BUCKET, PREFIX, [parse_source(str(write_artifacts(tmp_path / "b", valid_artifacts(seed=2))))])
    resolve(s3, requested=second)
    resolve(s3, requested=first)  # CloudFormation's rollback re-runs Update with the old properties
    assert read_in_service(s3, BUCKET, PREFIX).version == first
    assert read_in_service(s3, BUCKET, PREFIX).previous == second


def test_keep_n_removes_the_oldest_but_never_the_one_in_service_nor_the_previous(s3, tmp_path):
    versions = []
    for seed in range(1, 6):
        files = valid_artifacts(seed=seed)
        versions.append(version_of(files))
        stage(s3, BUCKET, PREFIX, [parse_source(str(write_artifacts(tmp_path / str(seed), files)))])
        if seed == 1:
            record_in_service(s3, BUCKET, PREFIX, versions[0])
    record_in_service(s3, BUCKET, PREFIX, versions[1])  # in service: the second; previous: the first
    time.sleep(1.1)  # S3 times are whole seconds: the newest must be staged a second after the others
    newest = valid_artifacts(seed=9)
    kept = stage(s3, BUCKET, PREFIX, [parse_source(str(write_artifacts(tmp_path / "9", newest)))], keep=1)
    left = {staged.version for staged in list_versions(s3, BUCKET, PREFIX)}
    assert left == {kept, versions[0], versions[1]}
    assert kept == version_of(newest)


def test_the_api_stacks_request_reads_the_version_in_service(s3, model_dir):
    version = stage(s3, BUCKET, PREFIX, [parse_source(str(model_dir))])
    with pytest.raises(StagedModelError, match="no model version is recorded as in service"):
        in_service(s3, bucket=BUCKET, prefix=PREFIX, requested="")
    record_in_service(s3, BUCKET, PREFIX, version)
    assert in_service(s3, bucket=BUCKET, prefix=PREFIX, requested="").source_vocabulary_key.startswith(PREFIX + version)


class Context:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def event(url: str, request_type: str, requested: str = "") -> dict:
    properties = {"Mode": "stage", "Bucket": BUCKET, "Prefix": PREFIX, "RequestedVersion": requested, "Keep": "3"}
    return {
        "RequestType": request_type,
        "ResponseURL": url,
        "StackId": "stack",
        "RequestId": "request",
        "LogicalResourceId": "StagedModel",
        "ResourceProperties": properties,
    }


def test_the_handler_answers_cloudformation_with_the_attributes(s3, model_files, cloudformation):
    url, answers = cloudformation
    publish_default(s3, model_files)
    function.handler(event(url, "Create"), Context(600_000))
    (answer,) = answers
    assert answer["Status"] == "SUCCESS" and answer["PhysicalResourceId"] == "staged-model"
    assert set(answer["Data"]) == {"Version", "ModelDataUrl", "SourceVocabularyKey"}


def test_the_handler_answers_a_failure_in_one_line(s3, cloudformation):
    url, answers = cloudformation
    function.handler(event(url, "Update", requested="0123456789abcdef"), Context(600_000))
    (answer,) = answers
    assert answer["Status"] == "FAILED" and "model version 0123456789abcdef is not staged" in answer["Reason"]


def test_delete_removes_nothing(s3, model_dir, cloudformation):
    url, answers = cloudformation
    stage(s3, BUCKET, PREFIX, [parse_source(str(model_dir))])
    before = snapshot(s3)
    function.handler(event(url, "Delete"), Context(600_000))
    assert answers[0]["Status"] == "SUCCESS" and snapshot(s3) == before


def test_the_handler_answers_before_the_functions_time_runs_out(s3, cloudformation, monkeypatch):
    url, answers = cloudformation
    monkeypatch.setattr(function, "ANSWER_MARGIN_MS", 0)
    release = threading.Event()
    monkeypatch.setattr(function, "on_event", lambda *_: release.wait(10) or {})
    abandoned = []
    monkeypatch.setattr(function, "abandon_sandbox", lambda: abandoned.append(True))
    function.handler(event(url, "Create"), Context(300))
    release.set()
    (answer,) = answers
    assert answer["Status"] == "FAILED" and "did not finish in the function's time" in answer["Reason"]
    # The unfinished work must not go on in a later event of the same sandbox.
    assert abandoned == [True]
