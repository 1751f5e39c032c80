"""The all-or-nothing write: multipart, rollback on failure or Ctrl-C, scratch always removed, against moto's S3."""

from __future__ import annotations

from datetime import timedelta

import boto3
import pytest
from botocore.exceptions import ClientError

from scripts.staging import s3_write
from scripts.staging.sources import parse_source
from scripts.staging.stage import stage
from tests.fixtures.artifacts import valid_artifacts, write_artifacts
from tests.staging.support import (
    BUCKET,
    KEYS,
    MODEL_KEY,
    OLD,
    OLD_KEYS,
    PREFIX,
    assert_one_line_failure,
    put_source,
    record_calls,
    run,
    s3_error,
    scratch_keys,
    snapshot,
    stage_previous,
    staged_bytes,
    version_of,
)


def test_large_objects_go_multipart_from_s3_and_from_a_directory(s3, tmp_path, monkeypatch):
    monkeypatch.setattr(s3_write, "MULTIPART_THRESHOLD", 5 * 1024 * 1024)
    monkeypatch.setattr(s3_write, "MULTIPART_CHUNK", 5 * 1024 * 1024)
    big = valid_artifacts(extra_random_bytes=6 * 1024 * 1024)
    calls = record_calls(s3)
    stage(s3, BUCKET, PREFIX, [parse_source(str(write_artifacts(tmp_path / "big", big)))], say=lambda _: None)
    assert staged_bytes(s3) == big
    assert sum(name == "UploadPart" for name, _ in calls) >= 2
    calls.clear()
    other = valid_artifacts(
        extra_random_bytes=6 * 1024 * 1024, seed=2
    )  # another version: a staged one is never copied again
    source = put_source(s3, "big-source", "m/", other)
    stage(s3, BUCKET, PREFIX, [parse_source(source)], say=lambda _: None)
    assert staged_bytes(s3) == other
    assert (
        sum(name == "UploadPartCopy" and params["CopySource"]["Bucket"] == "big-source" for name, params in calls) >= 2
    )
    assert snapshot(s3)[1] == []


def fail_promotion(monkeypatch, failing_copy: int, error: BaseException) -> list[str]:
    """Make the failing_copy-th promotion copy (scratch -> final key) raise error; return the keys promoted so far."""
    real_copy = s3_write._copy_within
    promotions: list[str] = []

    def flaky_copy(client, bucket, source_key, key):
        if "/new/" in source_key:
            promotions.append(key)
            if len(promotions) == failing_copy:
                raise error
        real_copy(client, bucket, source_key, key)

    monkeypatch.setattr(s3_write, "_copy_within", flaky_copy)
    return promotions


@pytest.mark.parametrize("failing_copy", [1, 2, 3])
def test_a_failure_while_promoting_puts_the_previous_files_back(
    failing_copy, s3, tmp_path, model_dir, monkeypatch, capsys
):
    before = stage_previous(s3, tmp_path)
    promotions = fail_promotion(
        monkeypatch,
        failing_copy,
        ClientError({"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}}, "CopyObject"),
    )
    code, _, err = run(capsys, "--source", str(model_dir), "--bucket", BUCKET)
    assert code == 1
    assert_one_line_failure(err, "SlowDown", "the bucket is as it was")
    assert snapshot(s3) == before
    # The model is promoted last, so the endpoint never meets a new model beside old vocabularies.
    assert promotions == [KEYS["vocab.src.json"], KEYS["vocab.trg.json"], KEYS["model.tar.gz"]][:failing_copy]


@pytest.mark.parametrize("failing_copy", [1, 2, 3])
@pytest.mark.parametrize("fault", ["SlowDown", "Ctrl-C"])
def test_a_failed_first_ever_staging_leaves_the_bucket_empty(failing_copy, fault, s3, model_dir, monkeypatch, capsys):
    error = (
        KeyboardInterrupt()
        if fault == "Ctrl-C"
        else s3_error("SlowDown", 503, "Please reduce your request rate.", "CopyObject")
    )
    fail_promotion(monkeypatch, failing_copy, error)
    code, _, err = run(capsys, "--source", str(model_dir), "--bucket", BUCKET)
    assert code == 1
    expected = "the previous files were put back" if fault == "Ctrl-C" else "the bucket is as it was"
    assert_one_line_failure(err, expected)
    assert snapshot(s3) == ([], [])


def test_ctrl_c_just_after_the_models_copy_landed_still_puts_the_previous_files_back(
    s3, tmp_path, model_dir, monkeypatch, capsys
):
    before = stage_previous(s3, tmp_path)
    real_copy = s3_write._copy_within

    def interrupted_after_the_copy(client, bucket, source_key, key):
        real_copy(client, bucket, source_key, key)
        if "/new/" in source_key and key == MODEL_KEY:
            raise KeyboardInterrupt  # the copy is done in S3, but this run never heard back

    monkeypatch.setattr(s3_write, "_copy_within", interrupted_after_the_copy)
    code, _, err = run(capsys, "--source", str(model_dir), "--bucket", BUCKET)
    assert code == 1
    assert_one_line_failure(err, "interrupted while putting the new files in place", "the previous files were put back")
    assert snapshot(s3) == before


def test_ctrl_c_while_uploading_removes_the_scratch_copies(s3, tmp_path, model_dir, monkeypatch, capsys):
    before = stage_previous(s3, tmp_path)
    real_upload = s3_write._upload

    def interrupted_upload(client, bucket, key, artifact, progress):
        if artifact.name == "vocab.trg.json":
            raise KeyboardInterrupt
        real_upload(client, bucket, key, artifact, progress)

    monkeypatch.setattr(s3_write, "_upload", interrupted_upload)
    code, _, err = run(capsys, "--source", str(model_dir), "--bucket", BUCKET)
    assert code == 1
    assert_one_line_failure(err, "interrupted before the new files were put in place", "are as they were")
    assert snapshot(s3) == before


def test_ctrl_c_during_cleanup_after_promotion_finishes_the_cleanup_and_says_the_model_is_staged(
    s3, tmp_path, model_dir, model_files, s3_hooks, capsys
):
    stage_previous(s3, tmp_path)
    deletes = []

    def ctrl_c_once(**_):
        deletes.append(1)
        if len(deletes) == 1:
            raise KeyboardInterrupt

    s3_hooks.append(("before-call.s3.DeleteObjects", ctrl_c_once))
    code, _, err = run(capsys, "--source", str(model_dir), "--bucket", BUCKET)
    assert code == 1
    assert_one_line_failure(
        err, "interrupted after the new files were put in place", "are staged in s3://model-bucket/"
    )
    assert "put back" not in err and "as they were" not in err
    assert staged_bytes(s3, version_of(model_files)) == model_files
    assert scratch_keys(s3) == [] and snapshot(s3)[1] == []


def test_a_second_ctrl_c_during_cleanup_leaves_scratch_that_the_next_run_removes(
    s3, tmp_path, model_dir, model_files, s3_hooks, monkeypatch, capsys
):
    stage_previous(s3, tmp_path)

    def ctrl_c(**_):
        raise KeyboardInterrupt

    s3_hooks.append(("before-call.s3.DeleteObjects", ctrl_c))
    code, _, err = run(capsys, "--source", str(model_dir), "--bucket", BUCKET)
    assert code == 1
    assert_one_line_failure(
        err,
        "are staged",
        "a second Ctrl-C stopped the removal of the scratch copies",
        "a run a day or more later removes them",
    )
    assert len(scratch_keys(s3)) == 3  # new/ of each file: a new version replaces nothing, so there is no old/
    s3_hooks.clear()
    monkeypatch.setattr(s3_write, "SWEEP_AFTER", timedelta(0))  # the next run, a day later
    code, out, err = run(capsys, "--source", str(model_dir), "--bucket", BUCKET)
    assert (code, err) == (0, "")
    assert "removed 3 scratch file(s) an earlier, interrupted run left" in out and "nothing uploaded" in out
    assert staged_bytes(s3, version_of(model_files)) == model_files
    assert scratch_keys(s3) == []


def test_the_sweep_removes_only_this_scripts_scratch_keys(s3, model_dir, model_files, monkeypatch, capsys):
    monkeypatch.setattr(s3_write, "SWEEP_AFTER", timedelta(0))
    prefix = PREFIX
    leftovers = [f"{prefix}.staging-0123456789ab/new/model.tar.gz", f"{prefix}.staging-0123456789ab/old/vocab.src.json"]
    others = [
        f"{prefix}.staging-notes.txt",
        f"{prefix}.staging-0123456789ab/new/notes.txt",
        f"{prefix}.staging-0123456789abc/new/model.tar.gz",
        f"{prefix}backup/model.tar.gz",
        "elsewhere/.staging-0123456789ab/new/model.tar.gz",
    ]
    for key in leftovers + others:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"left behind")
    s3.create_multipart_upload(Bucket=BUCKET, Key=f"{prefix}.staging-ba9876543210/new/model.tar.gz")
    code, out, err = run(capsys, "--source", str(model_dir), "--bucket", BUCKET)
    assert (code, err) == (0, "")
    assert f"removed 3 scratch file(s) an earlier, interrupted run left under s3://{BUCKET}/{prefix}.staging-*" in out
    assert {key for key, _ in snapshot(s3)[0]} == set(KEYS.values()) | set(others)
    assert snapshot(s3)[1] == []


def test_the_sweep_leaves_a_concurrent_runs_fresh_scratch_alone(s3, model_dir, capsys):
    # Scratch written minutes ago may be another run's, mid-promotion: deleting it could leave a mixed model behind.
    fresh = f"{PREFIX}.staging-0123456789ab/new/model.tar.gz"
    s3.put_object(Bucket=BUCKET, Key=fresh, Body=b"another run's copy")
    code, out, err = run(capsys, "--source", str(model_dir), "--bucket", BUCKET)
    assert (code, err) == (0, "")
    assert "removed" not in out and fresh in scratch_keys(s3)


@pytest.mark.parametrize(("code", "status"), [("AccessDenied", 403), ("NotImplemented", 501)])
@pytest.mark.parametrize("outcome", ["staged", "rolled back"])
def test_scratch_is_removed_when_versions_cannot_be_listed(
    code, status, outcome, s3, tmp_path, model_dir, s3_hooks, monkeypatch, capsys
):
    # No s3:ListBucketVersions permission, or an S3-compatible store without versioning.
    before = stage_previous(s3, tmp_path)

    def refuse(**_):
        raise s3_error(code, status, "refused", "ListObjectVersions")

    s3_hooks.append(("before-call.s3.ListObjectVersions", refuse))
    if outcome == "rolled back":
        real_copy = s3_write._copy_within

        def fail_on_model(client, bucket, source_key, key):
            if "/new/" in source_key and key == MODEL_KEY:
                raise s3_error("InternalError", 500, "We encountered an internal error.", "CopyObject")
            real_copy(client, bucket, source_key, key)

        monkeypatch.setattr(s3_write, "_copy_within", fail_on_model)
    exit_code, _, err = run(capsys, "--source", str(model_dir), "--bucket", BUCKET)
    assert scratch_keys(s3) == []
    if outcome == "staged":
        assert (exit_code, err) == (0, "")
        assert {key for key, _ in snapshot(s3)[0]} == set(KEYS.values()) | set(OLD_KEYS.values())
    else:
        assert exit_code == 1
        assert_one_line_failure(err, "InternalError", "the bucket is as it was")
        assert snapshot(s3) == before


def test_a_versioned_bucket_keeps_no_scratch_versions_after_success_or_failure(
    s3, tmp_path, model_dir, monkeypatch, capsys
):
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    stage_previous(s3, tmp_path)
    real_copy = s3_write._copy_within

    def fail_on_model(client, bucket, source_key, key):
        if "/new/" in source_key and key == MODEL_KEY:
            raise ClientError(
                {"Error": {"Code": "InternalError", "Message": "We encountered an internal error."}}, "CopyObject"
            )
        real_copy(client, bucket, source_key, key)

    monkeypatch.setattr(s3_write, "_copy_within", fail_on_model)
    assert run(capsys, "--source", str(model_dir), "--bucket", BUCKET)[0] == 1
    assert staged_bytes(s3, version_of(OLD)) == OLD
    versions = s3.list_object_versions(Bucket=BUCKET)
    keys = {item["Key"] for item in versions.get("Versions", []) + versions.get("DeleteMarkers", [])}
    assert keys <= set(KEYS.values()) | set(OLD_KEYS.values()) and not [key for key in keys if ".staging-" in key]


def test_a_failure_while_uploading_multipart_aborts_the_upload(s3, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(s3_write, "MULTIPART_THRESHOLD", 5 * 1024 * 1024)
    monkeypatch.setattr(s3_write, "MULTIPART_CHUNK", 5 * 1024 * 1024)
    before = stage_previous(s3, tmp_path)
    big = write_artifacts(tmp_path / "big", valid_artifacts(extra_random_bytes=6 * 1024 * 1024))
    client = boto3.client("s3")

    def fail_second_part(params, model, **_):
        if model.name == "UploadPart" and params["PartNumber"] == 2:
            raise ClientError({"Error": {"Code": "RequestTimeout", "Message": "socket closed"}}, "UploadPart")

    client.meta.events.register("provide-client-params.s3.UploadPart", fail_second_part)
    with pytest.raises(s3_write.StageError, match="RequestTimeout.*as it was"):
        stage(client, BUCKET, PREFIX, [parse_source(str(big))], say=lambda _: None)
    assert snapshot(s3) == before
