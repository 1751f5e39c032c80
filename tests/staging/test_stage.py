"""stage(): idempotent by content version, at the keys the settings name, against moto's S3."""

from __future__ import annotations

import hashlib
import urllib.parse

import pytest

from scripts.staging import s3_write
from scripts.staging.sources import parse_source
from scripts.staging.stage import destination_keys, stage, staged_model_version
from stacks.names import BUCKET_STACK, ENDPOINT_STACK
from stacks.settings import parse_overrides, settings_from_files
from tests.staging.support import (
    BUCKET,
    KEYS,
    NAMES,
    OLD,
    SETTINGS,
    assert_one_line_failure,
    put_source,
    record_calls,
    run,
    scratch_keys,
    snapshot,
    staged_bytes,
)


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


def test_missing_destination_bucket_is_one_clear_line(aws_env, model_dir, capsys):
    code, _, err = run(capsys, "--source", str(model_dir), "--bucket", "no-such-bucket")
    assert code == 1
    assert_one_line_failure(err, "model bucket no-such-bucket", "404")


def test_ctrl_c_once_the_files_are_in_place_says_they_are_staged(s3, model_dir, model_files):
    def interrupted_on_success(line: str) -> None:
        if line.startswith("staged "):
            raise KeyboardInterrupt

    with pytest.raises(s3_write.Interrupted, match="interrupted after staging: the new files are in place"):
        stage(s3, BUCKET, SETTINGS, [parse_source(str(model_dir))], say=interrupted_on_success)
    assert staged_bytes(s3) == model_files and scratch_keys(s3) == []
