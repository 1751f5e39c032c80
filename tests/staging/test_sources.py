"""Where the model comes from (directory, HTTP(S), S3) and how each source fails, against moto and a local file server."""

from __future__ import annotations

import base64
import errno
import hashlib
import io
import os
import shutil
import urllib.parse

import pytest

from scripts.staging import sources as model_sources
from scripts.staging.sources import S3Source, parse_source
from scripts.staging.stage import stage, staged_model_version
from stacks.model_versions import model_key
from tests.fixtures.artifacts import broken_artifacts, write_artifacts
from tests.staging.support import (
    BUCKET,
    KEYS,
    MODEL_KEY,
    NAMES,
    OLD,
    PREFIX,
    assert_one_line_failure,
    put_source,
    record_calls,
    run,
    s3_error,
    snapshot,
    stage_previous,
    staged_bytes,
)


def test_stages_a_local_directory_at_the_settings_keys_with_its_checksum(s3, model_dir, model_files, capsys):
    code, out, err = run(capsys, "--source", str(model_dir), "--bucket", BUCKET)
    assert (code, err) == (0, "")
    assert staged_bytes(s3) == model_files
    model_sha = hashlib.sha256(model_files["model.tar.gz"]).hexdigest()
    head = s3.head_object(Bucket=BUCKET, Key=MODEL_KEY)
    assert head["Metadata"]["sha256"] == model_sha
    assert head["ContentType"] == "application/x-gzip"
    assert staged_model_version(s3, BUCKET, MODEL_KEY) == model_sha[:16]
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
    code, out, err = run(capsys, "--source", secret_url, "--bucket", BUCKET)
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
    version = stage(s3, BUCKET, PREFIX, [parse_source(source)], say=lambda _: None)
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
    assert version == staged_model_version(s3, BUCKET, model_key(PREFIX, version)) and len(version) == 16


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


def test_parse_source_normalises_prefixes():
    source = parse_source("s3://bucket/some/prefix")
    assert isinstance(source, S3Source) and str(source) == "s3://bucket/some/prefix/"
    assert str(parse_source("https://example.com/models")) == "https://example.com/models/"
