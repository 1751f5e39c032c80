"""stage(): idempotent by content version, at the keys the settings name, against moto's S3."""

from __future__ import annotations

import hashlib
import re

import pytest

from scripts.staging import s3_write
from scripts.staging.sources import parse_source
from scripts.staging.stage import stage, staged_model_version
from scripts.staging.versions import list_versions
from stacks.model_versions import artifact_keys, model_key, version_prefix
from stacks.settings import parse_overrides, settings_from_files
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
    scratch_keys,
    snapshot,
    staged_bytes,
    version_of,
)


@pytest.mark.parametrize("kind", ["dir", "http", "s3"])
def test_a_staged_version_is_never_written_again(kind, s3, model_dir, model_files, http_files, capsys):
    source = {
        "dir": str(model_dir),
        "http": http_files.serve(model_files),
        "s3": put_source(s3, "src", "p/", model_files),
    }[kind]
    assert run(capsys, "--source", source, "--bucket", BUCKET)[0] == 0
    before = snapshot(s3)
    calls = record_calls(s3)
    version = list_versions(s3, BUCKET, PREFIX)[0].version  # from S3: the source object's ETag, not the sha256
    stage(s3, BUCKET, PREFIX, [parse_source(source)], say=print)
    assert f"model version {version} is already staged" in capsys.readouterr().out
    assert not [
        name for name, _ in calls if name in {"PutObject", "CopyObject", "CreateMultipartUpload", "DeleteObjects"}
    ]
    assert snapshot(s3) == before
    # A vocabulary deleted by hand comes back; the staged model is left as it is.
    keys = artifact_keys(PREFIX, version)
    s3.delete_object(Bucket=BUCKET, Key=keys["vocab.trg.json"])
    calls.clear()
    stage(s3, BUCKET, PREFIX, [parse_source(source)], say=print)
    assert "staged vocab.trg.json from" in capsys.readouterr().out
    model_writes = [
        params
        for name, params in calls
        if name in {"PutObject", "CopyObject"} and params["Key"] == keys["model.tar.gz"]
    ]
    assert not model_writes
    assert snapshot(s3) == before


def test_changed_content_is_a_new_version_beside_the_old_one(s3, tmp_path, model_dir, model_files, capsys):
    run(capsys, "--source", str(model_dir), "--bucket", BUCKET)
    first = staged_model_version(s3, BUCKET, MODEL_KEY)
    (model_dir / "model.tar.gz").write_bytes(OLD["model.tar.gz"])
    code, out, _ = run(capsys, "--source", str(model_dir), "--bucket", BUCKET)
    assert code == 0 and "staged model.tar.gz, vocab.src.json, vocab.trg.json from" in out
    second = version_of({"model.tar.gz": OLD["model.tar.gz"]})
    assert staged_model_version(s3, BUCKET, model_key(PREFIX, second)) == second != first
    assert staged_bytes(s3)["model.tar.gz"] == OLD["model.tar.gz"]
    # The first version is untouched: an endpoint config built for it still loads the same bytes.
    assert s3.get_object(Bucket=BUCKET, Key=MODEL_KEY)["Body"].read() == model_files["model.tar.gz"]


def test_an_s3_copy_of_a_staged_bucket_keeps_the_version_of_the_original_source(s3, model_dir, model_files, capsys):
    assert run(capsys, "--source", str(model_dir), "--bucket", BUCKET)[0] == 0
    sha = hashlib.sha256(model_files["model.tar.gz"]).hexdigest()
    staged_prefix = f"s3://{BUCKET}/{version_prefix(PREFIX, sha[:16])}"
    # The same bytes through S3 (server-side copy, never hashed here): same version, so no needless endpoint replacement.
    code, out, _ = run(capsys, "--source", staged_prefix, "--bucket", BUCKET, "-c", "model_prefix=copy/")
    assert code == 0 and f"model version {sha[:16]}" in out
    assert staged_model_version(s3, BUCKET, model_key("copy/", sha[:16])) == sha[:16]
    before = snapshot(s3)
    code, out, _ = run(capsys, "--source", f"s3://{BUCKET}/{version_prefix('copy/', sha[:16])}", "--bucket", BUCKET)
    assert code == 0 and "nothing uploaded" in out
    assert snapshot(s3) == before


@pytest.mark.parametrize("metadata", ["someone else's sha256", "our metadata copied onto other bytes"])
def test_a_sha256_in_source_metadata_counts_only_if_this_script_wrote_it_for_those_bytes(
    metadata, s3, model_dir, model_files, capsys
):
    assert run(capsys, "--source", str(model_dir), "--bucket", BUCKET)[0] == 0
    staged_metadata = s3.head_object(Bucket=BUCKET, Key=MODEL_KEY)["Metadata"]
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
    assert code == 0 and "staged model.tar.gz, vocab.src.json, vocab.trg.json from s3://other-copy/m/" in out
    version = re.search(r"model version ([0-9a-f]{16})", out).group(1)
    assert version != staged_metadata["version"]
    assert staged_bytes(s3, version)["model.tar.gz"] == OLD["model.tar.gz"]


def test_a_staged_object_whose_metadata_this_script_did_not_write_is_staged_again(s3, model_dir, model_files, capsys):
    sha = hashlib.sha256(model_files["model.tar.gz"]).hexdigest()
    for name in NAMES:
        data = model_files[name]
        digest = hashlib.sha256(data).hexdigest()
        s3.put_object(Bucket=BUCKET, Key=KEYS[name], Body=data, Metadata={"version": digest[:16], "sha256": digest})
    code, out, _ = run(capsys, "--source", str(model_dir), "--bucket", BUCKET)
    assert code == 0 and "staged model.tar.gz, vocab.src.json, vocab.trg.json" in out
    assert s3.head_object(Bucket=BUCKET, Key=MODEL_KEY)["Metadata"]["staged-by"]
    assert staged_model_version(s3, BUCKET, MODEL_KEY) == sha[:16]


def test_staged_model_version_is_empty_without_an_object_or_metadata(s3):
    assert staged_model_version(s3, BUCKET, "nothing/here/model.tar.gz") == ""
    s3.put_object(Bucket=BUCKET, Key="plain/model.tar.gz", Body=b"x")
    assert staged_model_version(s3, BUCKET, "plain/model.tar.gz") == ""


def test_model_prefix_setting_decides_where_everything_goes(s3, model_dir, model_files, capsys):
    code, _, _ = run(capsys, "--source", str(model_dir), "--bucket", BUCKET, "-c", "model_prefix=custom/v2/")
    assert code == 0
    keys = artifact_keys(
        settings_from_files(parse_overrides(["model_prefix=custom/v2/"])).model_prefix, version_of(model_files)
    )
    assert keys == {n: f"custom/v2/{version_of(model_files)}/{n}" for n in NAMES}
    assert {key for key, _ in snapshot(s3)[0]} == set(keys.values())


def test_missing_destination_bucket_is_one_clear_line(aws_env, model_dir, capsys):
    code, _, err = run(capsys, "--source", str(model_dir), "--bucket", "no-such-bucket")
    assert code == 1
    assert_one_line_failure(err, "model bucket no-such-bucket", "404")


def test_ctrl_c_once_the_files_are_in_place_says_they_are_staged(s3, model_dir, model_files):
    def interrupted_on_success(line: str) -> None:
        if line.startswith("staged "):
            raise KeyboardInterrupt

    with pytest.raises(s3_write.Interrupted, match="interrupted after staging: the new files are in place"):
        stage(s3, BUCKET, PREFIX, [parse_source(str(model_dir))], say=interrupted_on_success)
    assert staged_bytes(s3, version_of(model_files)) == model_files and scratch_keys(s3) == []
