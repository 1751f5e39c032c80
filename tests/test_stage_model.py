import ast
import base64
import errno
import hashlib
import io
import os
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from scripts import stage_model
from scripts.aws.stack_outputs import StackOutputError, stack_output
from scripts.stage_model import main
from scripts.staging import s3_write
from scripts.staging import sources as model_sources
from scripts.staging.sources import S3Source, parse_source
from scripts.staging.stage import destination_keys, stage, staged_model_version
from stacks.names import BUCKET_STACK, ENDPOINT_STACK
from stacks.settings import parse_overrides, settings_from_files
from tests.fixtures.artifacts import broken_artifacts, make_vocab, valid_artifacts, write_artifacts

REPO = Path(__file__).resolve().parent.parent
BUCKET = "model-bucket"
SETTINGS = settings_from_files()
KEYS = destination_keys(SETTINGS)
NAMES = ("model.tar.gz", "vocab.src.json", "vocab.trg.json")
OLD = {
    **valid_artifacts(seed=1),
    "vocab.src.json": make_vocab(["an", "older", "vocabulary"]),
    "vocab.trg.json": make_vocab(["ein", "älteres", "Vokabular"]),
}
BUCKET_STACK_TEMPLATE = """
Resources:
  ModelBucket:
    Type: AWS::S3::Bucket
    Properties: {BucketName: %s}
Outputs:
  ModelBucketName:
    Value: !Ref ModelBucket
"""


@pytest.fixture
def s3(aws_env):
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


def put_source(s3, bucket: str, prefix: str, files: dict[str, bytes]) -> str:
    s3.create_bucket(Bucket=bucket)
    for name, data in files.items():
        s3.put_object(Bucket=bucket, Key=prefix + name, Body=data)
    return f"s3://{bucket}/{prefix}"


def snapshot(s3) -> tuple[list, list]:
    """Everything a staging run could leave behind: objects with their content, and unfinished multipart uploads."""
    objects = []
    for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        body = s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
        objects.append((item["Key"], hashlib.sha256(body).hexdigest()))
    uploads = [(u["Key"], u["UploadId"]) for u in s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])]
    return sorted(objects), uploads


def staged_bytes(s3) -> dict[str, bytes]:
    return {name: s3.get_object(Bucket=BUCKET, Key=KEYS[name])["Body"].read() for name in NAMES}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--no-progress"])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_failure(err: str, *expected: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for text in expected:
        assert text in lines[0], lines[0]


def record_calls(client) -> list[tuple[str, dict]]:
    calls: list[tuple[str, dict]] = []
    client.meta.events.register(
        "provide-client-params.s3", lambda params, model, **_: calls.append((model.name, dict(params)))
    )
    return calls


def s3_error(code: str, status: int, message: str, operation: str) -> ClientError:
    """The error botocore raises when S3 answers status with this code."""
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, operation
    )


@pytest.fixture
def s3_hooks(monkeypatch) -> list[tuple[str, Callable]]:
    """(event, handler) pairs registered on every S3 client made after they are added, main()'s own included.

    Moto's server still answers every call a handler lets through.
    """
    hooks: list[tuple[str, Callable]] = []
    real_client = boto3.session.Session.client

    def client(self, service_name, *args, **kwargs):
        made = real_client(self, service_name, *args, **kwargs)
        if service_name == "s3":
            for event, handler in hooks:
                made.meta.events.register(event, handler)
        return made

    monkeypatch.setattr(boto3.session.Session, "client", client)
    return hooks


def scratch_keys(s3) -> list[str]:
    return [key for key, _ in snapshot(s3)[0] if ".staging-" in key]


def stage_previous(s3, tmp_path) -> tuple[list, list]:
    """Stage OLD as an earlier run would have, and return the bucket's state."""
    stage(s3, BUCKET, SETTINGS, [parse_source(str(write_artifacts(tmp_path / "old", OLD)))], say=lambda _: None)
    assert staged_bytes(s3) == OLD
    return snapshot(s3)


# --- the three source kinds -------------------------------------------------------------------------------


def test_stages_a_local_directory_at_the_settings_keys_with_its_checksum(s3, model_dir, model_files, capsys):
    code, out, err = run(capsys, "--source", str(model_dir), "--bucket", BUCKET)
    assert (code, err) == (0, "")
    assert staged_bytes(s3) == model_files
    model_sha = hashlib.sha256(model_files["model.tar.gz"]).hexdigest()
    head = s3.head_object(Bucket=BUCKET, Key=SETTINGS.model_key)
    assert head["Metadata"]["sha256"] == model_sha
    assert head["ContentType"] == "application/x-gzip"
    assert staged_model_version(s3, BUCKET, SETTINGS.model_key) == model_sha[:16]
    assert f"model version {model_sha[:16]}" in out
    assert snapshot(s3)[1] == []
    assert sorted(key for key, _ in snapshot(s3)[0]) == sorted(KEYS.values())


def test_stages_an_http_base_url(s3, http_files, model_files, capsys):
    url = http_files.serve(model_files)
    code, _out, err = run(capsys, "--source", url, "--bucket", BUCKET)
    assert (code, err) == (0, "")
    assert staged_bytes(s3) == model_files
    assert sorted(http_files.requests) == sorted(model_sources.urllib.parse.urlparse(url).path + n for n in NAMES)
    assert s3.head_object(Bucket=BUCKET, Key=KEYS["vocab.trg.json"])["Metadata"]["source"] == url + "vocab.trg.json"


def test_credentials_and_query_in_an_http_source_are_used_but_never_printed_or_stored(
    s3, http_files, model_files, capsys
):
    url = http_files.serve(model_files)
    parts = urllib.parse.urlsplit(url)
    secret_url = f"http://reader:s3cr%40t@{parts.netloc}{parts.path}?token=abc123"
    code, out, err = run(capsys, "--source", secret_url, "--bucket", BUCKET)
    assert (code, err) == (0, "")
    assert all(request.endswith("?token=abc123") for request in http_files.requests)
    assert set(http_files.authorizations) == {"Basic " + base64.b64encode(b"reader:s3cr@t").decode()}
    for name in NAMES:
        assert s3.head_object(Bucket=BUCKET, Key=KEYS[name])["Metadata"]["source"] == url + name
    assert "s3cr" not in out and "abc123" not in out and "reader" not in out
    http_files.serve(model_files, {"vocab.src.json": "403"})
    code, out, err = run(capsys, "--source", secret_url, "--bucket", BUCKET, "--force")
    assert code == 1
    assert_one_line_failure(err, f"{url}vocab.src.json answered HTTP 403")
    assert "s3cr" not in out + err and "abc123" not in out + err and "reader" not in out + err


def test_http_without_content_length_is_staged_too(s3, http_files, model_files, capsys):
    url = http_files.serve(model_files, {"model.tar.gz": "no-length"})
    assert run(capsys, "--source", url, "--bucket", BUCKET)[0] == 0
    assert staged_bytes(s3) == model_files


def test_s3_source_is_copied_server_side_reading_only_a_few_kb_of_the_model(s3, model_files):
    source = put_source(s3, "someone-elses-copy", "pretrained/", model_files)
    calls = record_calls(s3)
    version = stage(s3, BUCKET, SETTINGS, [parse_source(source)], say=lambda _: None)
    assert staged_bytes(s3) == model_files
    model_reads = [
        params for name, params in calls if name == "GetObject" and params["Key"] == "pretrained/model.tar.gz"
    ]
    assert model_reads and all("Range" in params for params in model_reads)
    copies = [
        params
        for name, params in calls
        if name == "CopyObject" and params["CopySource"]["Bucket"] == "someone-elses-copy"
    ]
    assert len(copies) == 3 and all(params["CopySourceIfMatch"] for params in copies)
    assert not any(name in {"PutObject", "UploadPart"} for name, _ in calls)
    # Without a sha256 at the source, the content id is the source object's ETag.
    assert version == staged_model_version(s3, BUCKET, SETTINGS.model_key) and len(version) == 16


def test_large_objects_go_multipart_from_s3_and_from_a_directory(s3, tmp_path, monkeypatch):
    monkeypatch.setattr(s3_write, "MULTIPART_THRESHOLD", 5 * 1024 * 1024)
    monkeypatch.setattr(s3_write, "MULTIPART_CHUNK", 5 * 1024 * 1024)
    big = valid_artifacts(extra_random_bytes=6 * 1024 * 1024)
    calls = record_calls(s3)
    stage(s3, BUCKET, SETTINGS, [parse_source(str(write_artifacts(tmp_path / "big", big)))], say=lambda _: None)
    assert staged_bytes(s3) == big
    assert sum(name == "UploadPart" for name, _ in calls) >= 2
    calls.clear()
    source = put_source(s3, "big-source", "m/", big)
    stage(s3, BUCKET, SETTINGS, [parse_source(source)], force=True, say=lambda _: None)
    assert staged_bytes(s3) == big
    assert (
        sum(name == "UploadPartCopy" and params["CopySource"]["Bucket"] == "big-source" for name, params in calls) >= 2
    )
    assert snapshot(s3)[1] == []


# --- idempotency ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["dir", "http", "s3"])
def test_second_run_uploads_nothing_and_force_stages_again(kind, s3, model_dir, model_files, http_files, capsys):
    source = {
        "dir": str(model_dir),
        "http": http_files.serve(model_files),
        "s3": put_source(s3, "src", "p/", model_files),
    }[kind]
    assert run(capsys, "--source", source, "--bucket", BUCKET)[0] == 0
    before = snapshot(s3)
    calls = record_calls(s3)
    stage(s3, BUCKET, SETTINGS, [parse_source(source)], say=print)
    assert "nothing uploaded" in capsys.readouterr().out
    assert not [
        name for name, _ in calls if name in {"PutObject", "CopyObject", "CreateMultipartUpload", "DeleteObjects"}
    ]
    assert snapshot(s3) == before
    calls.clear()
    stage(s3, BUCKET, SETTINGS, [parse_source(source)], force=True, say=print)
    assert "staged model.tar.gz, vocab.src.json, vocab.trg.json" in capsys.readouterr().out
    assert sum(name in {"PutObject", "CopyObject"} for name, _ in calls) >= 3
    assert snapshot(s3) == before


def test_changed_content_is_staged_again_and_changes_the_version(s3, tmp_path, model_dir, model_files, capsys):
    run(capsys, "--source", str(model_dir), "--bucket", BUCKET)
    first = staged_model_version(s3, BUCKET, SETTINGS.model_key)
    (model_dir / "model.tar.gz").write_bytes(OLD["model.tar.gz"])
    code, out, _ = run(capsys, "--source", str(model_dir), "--bucket", BUCKET)
    assert code == 0 and "staged model.tar.gz from" in out
    assert staged_model_version(s3, BUCKET, SETTINGS.model_key) not in {"", first}
    assert staged_bytes(s3)["model.tar.gz"] == OLD["model.tar.gz"]


def test_an_s3_copy_of_a_staged_bucket_keeps_the_version_of_the_original_source(s3, model_dir, model_files, capsys):
    assert run(capsys, "--source", str(model_dir), "--bucket", BUCKET)[0] == 0
    sha = hashlib.sha256(model_files["model.tar.gz"]).hexdigest()
    staged_prefix = f"s3://{BUCKET}/{SETTINGS.model_prefix}"
    # The same bytes through S3 (server-side copy, never hashed here): same version, so no needless endpoint replacement.
    code, out, _ = run(capsys, "--source", staged_prefix, "--bucket", BUCKET, "-c", "model_key=copy/model.tar.gz")
    assert code == 0 and f"model version {sha[:16]}" in out
    assert staged_model_version(s3, BUCKET, "copy/model.tar.gz") == sha[:16]
    before = snapshot(s3)
    code, out, _ = run(capsys, "--source", f"s3://{BUCKET}/copy/", "--bucket", BUCKET)
    assert code == 0 and "nothing uploaded" in out
    assert snapshot(s3) == before


@pytest.mark.parametrize("metadata", ["someone else's sha256", "our metadata copied onto other bytes"])
def test_a_sha256_in_source_metadata_counts_only_if_this_script_wrote_it_for_those_bytes(
    metadata, s3, model_dir, model_files, capsys
):
    assert run(capsys, "--source", str(model_dir), "--bucket", BUCKET)[0] == 0
    staged_metadata = s3.head_object(Bucket=BUCKET, Key=SETTINGS.model_key)["Metadata"]
    claims = {"sha256": staged_metadata["sha256"]} if metadata == "someone else's sha256" else staged_metadata
    put_source(s3, "other-copy", "m/", {**model_files, "model.tar.gz": OLD["model.tar.gz"]})
    s3.copy_object(
        Bucket="other-copy",
        Key="m/model.tar.gz",
        CopySource={"Bucket": "other-copy", "Key": "m/model.tar.gz"},
        Metadata=claims,
        MetadataDirective="REPLACE",
    )
    code, out, _ = run(capsys, "--source", "s3://other-copy/m/", "--bucket", BUCKET)
    assert code == 0 and "staged model.tar.gz from s3://other-copy/m/" in out
    assert staged_bytes(s3)["model.tar.gz"] == OLD["model.tar.gz"]
    assert staged_model_version(s3, BUCKET, SETTINGS.model_key) not in {"", staged_metadata["version"]}


def test_a_staged_object_whose_metadata_this_script_did_not_write_is_staged_again(s3, model_dir, model_files, capsys):
    sha = hashlib.sha256(model_files["model.tar.gz"]).hexdigest()
    for name in NAMES:
        data = model_files[name]
        digest = hashlib.sha256(data).hexdigest()
        s3.put_object(Bucket=BUCKET, Key=KEYS[name], Body=data, Metadata={"version": digest[:16], "sha256": digest})
    code, out, _ = run(capsys, "--source", str(model_dir), "--bucket", BUCKET)
    assert code == 0 and "staged model.tar.gz, vocab.src.json, vocab.trg.json" in out
    assert s3.head_object(Bucket=BUCKET, Key=SETTINGS.model_key)["Metadata"]["staged-by"]
    assert staged_model_version(s3, BUCKET, SETTINGS.model_key) == sha[:16]


def test_staged_model_version_is_empty_without_an_object_or_metadata(s3):
    assert staged_model_version(s3, BUCKET, "nothing/here/model.tar.gz") == ""
    s3.put_object(Bucket=BUCKET, Key="plain/model.tar.gz", Body=b"x")
    assert staged_model_version(s3, BUCKET, "plain/model.tar.gz") == ""


# --- failures leave the bucket as it was -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "name", "expected"),
    [
        ("403", "model.tar.gz", "answered HTTP 403"),
        ("404", "vocab.trg.json", "answered HTTP 404"),
        ("500", "vocab.src.json", "answered HTTP 500"),
        ("drop", "model.tar.gz", "dropped after"),
        ("drop", "vocab.trg.json", "dropped after"),
        ("html", "model.tar.gz", "HTML page"),
        ("html", "vocab.src.json", "HTML page"),
        ("s3-403", "model.tar.gz", "answered HTTP 403 Forbidden (S3 error code AccessDenied)"),
        ("s3-404", "vocab.src.json", "answered HTTP 404 Not Found (S3 error code NoSuchKey)"),
    ],
)
def test_http_failures_leave_the_bucket_unchanged(fault, name, expected, s3, tmp_path, http_files, model_files, capsys):
    before = stage_previous(s3, tmp_path)
    url = http_files.serve(model_files, {name: fault})
    code, _out, err = run(capsys, "--source", url, "--bucket", BUCKET)
    assert code == 1
    assert_one_line_failure(err, name, expected, "127.0.0.1")
    assert snapshot(s3) == before


def test_an_unreachable_http_source_is_one_clear_line(s3, capsys):
    code, _, err = run(capsys, "--source", "http://127.0.0.1:9/models/", "--bucket", BUCKET)
    assert code == 1
    assert_one_line_failure(
        err, "cannot download model.tar.gz", "http://127.0.0.1:9/models/model.tar.gz could not be reached"
    )
    assert snapshot(s3) == ([], [])


# test_model_artifacts checks every broken variant; these show that a refused file stops staging before any write.
@pytest.mark.parametrize(
    "case", ["model-truncated", "model-html", "model-empty", "vocab-no-specials", "vocab-truncated"]
)
def test_a_broken_file_in_a_directory_leaves_the_bucket_unchanged(case, s3, tmp_path, model_files, capsys):
    before = stage_previous(s3, tmp_path)
    name, data = broken_artifacts()[case]
    source = write_artifacts(tmp_path / "broken", {**model_files, name: data})
    code, _, err = run(capsys, "--source", str(source), "--bucket", BUCKET)
    assert code == 1
    assert_one_line_failure(err, name, str(source))
    assert snapshot(s3) == before


def test_a_missing_file_in_a_directory_is_named(s3, tmp_path, model_files, capsys):
    source = write_artifacts(tmp_path / "partial", {k: v for k, v in model_files.items() if k != "vocab.src.json"})
    code, _, err = run(capsys, "--source", str(source), "--bucket", BUCKET)
    assert code == 1
    assert_one_line_failure(err, "vocab.src.json", "No such file")
    assert snapshot(s3) == ([], [])


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"model.tar.gz": broken_artifacts()["model-html"][1]}, "HTML page"),
        ({"model.tar.gz": broken_artifacts()["model-truncated"][1]}, "truncated"),
        ({"vocab.trg.json": broken_artifacts()["vocab-no-specials"][1]}, "special tokens"),
        ({"model.tar.gz": None}, "404 NoSuchKey"),
        ({"model.tar.gz": b""}, "model.tar.gz at s3://bad-source/m/model.tar.gz is empty"),
    ],
)
def test_s3_source_failures_leave_the_bucket_unchanged(files, expected, s3, tmp_path, model_files, capsys):
    before = stage_previous(s3, tmp_path)
    content = {name: data for name, data in {**model_files, **files}.items() if data is not None}
    source = put_source(s3, "bad-source", "m/", content)
    code, _, err = run(capsys, "--source", source, "--bucket", BUCKET)
    assert code == 1
    assert_one_line_failure(err, "s3://bad-source/m/", expected)
    assert snapshot(s3) == before


def test_not_enough_disk_space_is_refused_before_downloading(
    s3, tmp_path, http_files, model_files, monkeypatch, capsys
):
    before = stage_previous(s3, tmp_path)
    monkeypatch.setattr(model_sources, "IN_MEMORY_BYTES", 1024)
    monkeypatch.setattr(
        model_sources.shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(total=10**9, used=10**9 - 10, free=10)
    )
    code, _, err = run(capsys, "--source", http_files.serve(model_files), "--bucket", BUCKET)
    assert code == 1
    assert_one_line_failure(err, "not enough disk space", "model.tar.gz", "TMPDIR")
    assert snapshot(s3) == before


def test_disk_filling_up_mid_download_is_one_clear_failure(s3, tmp_path, http_files, model_files, monkeypatch, capsys):
    # A real full disk cannot be made safely in a test; this file fails writes the way a full disk does (ENOSPC).
    class FullDisk(io.BytesIO):
        def write(self, data):
            if self.tell() + len(data) > 100:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return super().write(data)

    before = stage_previous(s3, tmp_path)
    monkeypatch.setattr(model_sources, "_spool", lambda files: FullDisk())
    code, _, err = run(capsys, "--source", http_files.serve(model_files), "--bucket", BUCKET)
    assert code == 1
    assert_one_line_failure(err, "cannot save model.tar.gz", "No space left on device")
    assert snapshot(s3) == before


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
        if "/new/" in source_key and key == SETTINGS.model_key:
            raise KeyboardInterrupt  # the copy is done in S3, but this run never heard back

    monkeypatch.setattr(s3_write, "_copy_within", interrupted_after_the_copy)
    code, _, err = run(capsys, "--source", str(model_dir), "--bucket", BUCKET)
    assert code == 1
    assert_one_line_failure(
        err, "stage_model: interrupted while putting the new files in place", "the previous files were put back"
    )
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
    assert staged_bytes(s3) == model_files
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
    assert len(scratch_keys(s3)) == 6  # new/ and old/ of each file
    s3_hooks.clear()
    monkeypatch.setattr(s3_write, "SWEEP_AFTER", timedelta(0))  # the next run, a day later
    code, out, err = run(capsys, "--source", str(model_dir), "--bucket", BUCKET)
    assert (code, err) == (0, "")
    assert "removed 6 scratch file(s) an earlier, interrupted run left" in out and "nothing uploaded" in out
    assert staged_bytes(s3) == model_files
    assert scratch_keys(s3) == []


def test_the_sweep_removes_only_this_scripts_scratch_keys(s3, model_dir, model_files, monkeypatch, capsys):
    monkeypatch.setattr(s3_write, "SWEEP_AFTER", timedelta(0))
    prefix = SETTINGS.model_prefix
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
    fresh = f"{SETTINGS.model_prefix}.staging-0123456789ab/new/model.tar.gz"
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
            if "/new/" in source_key and key == SETTINGS.model_key:
                raise s3_error("InternalError", 500, "We encountered an internal error.", "CopyObject")
            real_copy(client, bucket, source_key, key)

        monkeypatch.setattr(s3_write, "_copy_within", fail_on_model)
    exit_code, _, err = run(capsys, "--source", str(model_dir), "--bucket", BUCKET)
    assert scratch_keys(s3) == []
    if outcome == "staged":
        assert (exit_code, err) == (0, "")
        assert {key for key, _ in snapshot(s3)[0]} == set(KEYS.values())
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
        if "/new/" in source_key and key == SETTINGS.model_key:
            raise ClientError(
                {"Error": {"Code": "InternalError", "Message": "We encountered an internal error."}}, "CopyObject"
            )
        real_copy(client, bucket, source_key, key)

    monkeypatch.setattr(s3_write, "_copy_within", fail_on_model)
    assert run(capsys, "--source", str(model_dir), "--bucket", BUCKET)[0] == 1
    assert staged_bytes(s3) == OLD
    versions = s3.list_object_versions(Bucket=BUCKET)
    keys = {item["Key"] for item in versions.get("Versions", []) + versions.get("DeleteMarkers", [])}
    assert keys == set(KEYS.values())


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
        stage(client, BUCKET, SETTINGS, [parse_source(str(big))], say=lambda _: None)
    assert snapshot(s3) == before


# --- destination, default sources, command line ----------------------------------------------------------


def test_bucket_comes_from_the_bucket_stack_output(s3, model_dir, capsys):
    boto3.client("cloudformation").create_stack(
        StackName="TranslateModelBucket", TemplateBody=BUCKET_STACK_TEMPLATE % "stack-made-bucket"
    )
    assert stack_output("TranslateModelBucket", "ModelBucketName") == "stack-made-bucket"
    code, out, err = run(capsys, "--source", str(model_dir))
    assert (code, err) == (0, "")
    assert "s3://stack-made-bucket/" + SETTINGS.model_prefix in out
    assert boto3.client("s3").head_object(Bucket="stack-made-bucket", Key=SETTINGS.model_key)["ContentLength"] > 0


def test_missing_stack_or_output_is_one_clear_line(s3, model_dir, capsys):
    code, _, err = run(capsys, "--source", str(model_dir))
    assert code == 1
    assert_one_line_failure(err, "stack TranslateModelBucket is not deployed in us-east-1")
    boto3.client("cloudformation").create_stack(
        StackName="Other",
        TemplateBody="Resources:\n  B:\n    Type: AWS::S3::Bucket\nOutputs:\n  Name:\n    Value: !Ref B\n",
    )
    with pytest.raises(StackOutputError, match="has no output ModelBucketName .its outputs: Name"):
        stack_output("Other", "ModelBucketName")


def test_no_credentials_is_one_clear_line(aws_env, model_dir, monkeypatch, capsys):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    code, _, err = run(capsys, "--source", str(model_dir))
    assert code == 1
    assert_one_line_failure(err, "no AWS credentials")


def test_model_key_setting_decides_where_everything_goes(s3, model_dir, model_files, capsys):
    code, _, _ = run(capsys, "--source", str(model_dir), "--bucket", BUCKET, "-c", "model_key=custom/v2/model.tar.gz")
    assert code == 0
    keys = destination_keys(settings_from_files(parse_overrides(["model_key=custom/v2/model.tar.gz"])))
    assert keys == {n: "custom/v2/" + n for n in NAMES}
    assert {key for key, _ in snapshot(s3)[0]} == set(keys.values())


def resolve_model_data_url(templates: dict, bucket: str) -> str:
    """The endpoint's ModelDataUrl with the bucket stack's exported bucket name replaced by bucket."""
    bucket_template = templates[BUCKET_STACK]
    exports = {
        output["Export"]["Name"]: output["Value"]
        for output in bucket_template["Outputs"].values()
        if "Export" in output
    }
    (model,) = [r for r in templates[ENDPOINT_STACK]["Resources"].values() if r["Type"] == "AWS::SageMaker::Model"]
    separator, parts = model["Properties"]["PrimaryContainer"]["ModelDataUrl"]["Fn::Join"]

    def resolve(part) -> str:
        if isinstance(part, str):
            return part
        ref = exports[part["Fn::ImportValue"]]["Ref"]
        assert bucket_template["Resources"][ref]["Type"] == "AWS::S3::Bucket"
        return bucket

    return separator.join(resolve(part) for part in parts)


def test_the_staged_key_is_the_endpoint_stacks_model_data_url(s3, model_dir, model_files, synthesize, capsys):
    model_key = "releases/2024-06/seq2seq/model.tar.gz"
    url = urllib.parse.urlsplit(resolve_model_data_url(synthesize({"model_key": model_key}).templates, BUCKET))
    assert (url.scheme, url.netloc) == ("s3", BUCKET)
    assert run(capsys, "--source", str(model_dir), "--bucket", BUCKET, "-c", f"model_key={model_key}")[0] == 0
    head = s3.head_object(Bucket=BUCKET, Key=url.path.lstrip("/"))
    assert head["Metadata"]["sha256"] == hashlib.sha256(model_files["model.tar.gz"]).hexdigest()
    assert {key for key, _ in snapshot(s3)[0]} == {"releases/2024-06/seq2seq/" + name for name in NAMES}


def test_stack_and_output_names_come_from_the_stacks_names_module():
    tree = ast.parse(Path(stage_model.__file__).read_text(encoding="utf-8"))
    assigned = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert not {"BUCKET_STACK", "BUCKET_OUTPUT"} & assigned
    imports = [node for node in tree.body if isinstance(node, ast.ImportFrom) and node.module == "stacks.names"]
    imported = {alias.name for node in imports for alias in node.names}
    assert {"BUCKET_STACK", "BUCKET_OUTPUT"} <= imported


def test_default_sources_fall_back_from_the_regional_copy_to_the_global_one(s3, model_files, capsys):
    put_source(s3, "sagemaker-sample-files", "models/seq2seq-data/", model_files)
    code, out, err = run(capsys, "--bucket", BUCKET)
    assert (code, err) == (0, "")
    assert "reading s3://sagemaker-example-files-prod-us-east-1/models/seq2seq-data/" in out
    assert "from s3://sagemaker-sample-files/models/seq2seq-data/" in out
    assert staged_bytes(s3) == model_files


def test_regional_default_source_is_used_first(s3, model_files, capsys):
    put_source(s3, "sagemaker-example-files-prod-us-east-1", "models/seq2seq-data/", model_files)
    put_source(s3, "sagemaker-sample-files", "models/seq2seq-data/", OLD)
    assert run(capsys, "--bucket", BUCKET)[0] == 0
    assert staged_bytes(s3) == model_files


def test_no_readable_default_source_names_each_one_and_what_s3_answered(s3, model_files, capsys):
    put_source(
        s3,
        "sagemaker-example-files-prod-us-east-1",
        "models/seq2seq-data/",
        {"vocab.src.json": model_files["vocab.src.json"]},
    )
    code, _, err = run(capsys, "--bucket", BUCKET)
    assert code == 1
    assert_one_line_failure(
        err,
        "s3://sagemaker-example-files-prod-us-east-1/models/seq2seq-data/: cannot read model.tar.gz",
        "404 NoSuchKey",
        "s3://sagemaker-sample-files/models/seq2seq-data/",
        "404 NoSuchBucket",
        "--source",
    )
    assert snapshot(s3) == ([], [])


def test_default_sources_refusing_access_name_both_and_what_s3_answered(s3, model_files, s3_hooks, capsys):
    # The likeliest real failure: the public copies exist but are no longer public (S3 answers 403 AccessDenied).
    defaults = {"sagemaker-example-files-prod-us-east-1", "sagemaker-sample-files"}
    for bucket in defaults:
        put_source(s3, bucket, "models/seq2seq-data/", model_files)

    def refuse(params, **_):
        if params["Bucket"] in defaults:
            raise s3_error("AccessDenied", 403, "Access Denied", "GetObject")

    s3_hooks.append(("provide-client-params.s3.GetObject", refuse))
    code, _, err = run(capsys, "--bucket", BUCKET)
    assert code == 1
    assert_one_line_failure(
        err,
        "no default source could be read",
        "s3://sagemaker-example-files-prod-us-east-1/models/seq2seq-data/: cannot read model.tar.gz",
        "s3://sagemaker-sample-files/models/seq2seq-data/: cannot read model.tar.gz",
        "S3 answered 403 AccessDenied (Access Denied)",
        "--source",
    )
    assert err.count("403 AccessDenied") == 2
    assert snapshot(s3) == ([], [])


def test_missing_destination_bucket_is_one_clear_line(aws_env, model_dir, capsys):
    code, _, err = run(capsys, "--source", str(model_dir), "--bucket", "no-such-bucket")
    assert code == 1
    assert_one_line_failure(err, "model bucket no-such-bucket", "404")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["-c", "model_key=/abs/model.tar.gz"], "setting 'model_key'"),
        (["-c", "no_such_setting=1"], "unknown setting"),
        (["--source", "ftp://host/models/"], "unsupported scheme 'ftp'"),
        (["--source", "does/not/exist"], "is not a directory"),
        (["--source", "s3:///prefix/"], "names no bucket"),
        (["--bucket", "Not_A_Bucket"], "not an S3 bucket name"),
    ],
)
def test_usage_errors_exit_2_with_one_line(argv, expected, aws_env, capsys):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert_one_line_failure(err, "usage error", expected)


def test_s3_endpoint_variable_is_honoured(s3, model_dir, model_files, monkeypatch, capsys):
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", os.environ["AWS_ENDPOINT_URL"])
    monkeypatch.setenv(
        "AWS_ENDPOINT_URL", "http://127.0.0.1:9"
    )  # nothing listens there: only S3's own variable can work
    assert run(capsys, "--source", str(model_dir), "--bucket", BUCKET)[0] == 0
    assert staged_bytes(s3) == model_files


def test_runs_as_a_module_from_the_repo_root(s3, model_dir, model_files):
    done = subprocess.run(
        [sys.executable, "-m", "scripts.stage_model", "--source", str(model_dir), "--bucket", BUCKET, "--no-progress"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert done.returncode == 0, done.stderr
    assert "staged model.tar.gz" in done.stdout
    assert staged_bytes(s3) == model_files


def test_parse_source_normalises_prefixes():
    source = parse_source("s3://bucket/some/prefix")
    assert isinstance(source, S3Source) and str(source) == "s3://bucket/some/prefix/"
    assert str(parse_source("https://example.com/models")) == "https://example.com/models/"


def test_ctrl_c_once_the_files_are_in_place_says_they_are_staged(s3, model_dir, model_files):
    def interrupted_on_success(line: str) -> None:
        if line.startswith("staged "):
            raise KeyboardInterrupt

    with pytest.raises(s3_write.Interrupted, match="interrupted after staging: the new files are in place"):
        stage(s3, BUCKET, SETTINGS, [parse_source(str(model_dir))], say=interrupted_on_success)
    assert staged_bytes(s3) == model_files and scratch_keys(s3) == []
