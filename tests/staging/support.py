"""What the staging tests share: the bucket, its state, S3 errors, and stage() run as the command would run it."""

from __future__ import annotations

import hashlib

import boto3
from botocore.exceptions import ClientError

from scripts.aws.session import aws_session
from scripts.staging.s3_write import Interrupted, StageError
from scripts.staging.sources import SourceError, choose_sources, parse_source
from scripts.staging.stage import stage
from scripts.staging.versions import list_versions
from stacks.model_versions import artifact_keys
from stacks.settings import parse_overrides, settings_from_files
from tests.fixtures.artifacts import make_vocab, valid_artifacts, write_artifacts

BUCKET = "model-bucket"
SETTINGS = settings_from_files()
PREFIX = SETTINGS.model_prefix
NAMES = ("model.tar.gz", "vocab.src.json", "vocab.trg.json")
OLD = {
    **valid_artifacts(seed=1),
    "vocab.src.json": make_vocab(["an", "older", "vocabulary"]),
    "vocab.trg.json": make_vocab(["ein", "älteres", "Vokabular"]),
}


def version_of(files: dict[str, bytes]) -> str:
    """The model version staging computes for files from a directory or HTTP: their model's sha256, shortened."""
    return hashlib.sha256(files["model.tar.gz"]).hexdigest()[:16]


# Where the model_files fixture's files (valid_artifacts()) and OLD's are staged.
KEYS = artifact_keys(PREFIX, version_of(valid_artifacts()))
MODEL_KEY = KEYS["model.tar.gz"]
OLD_KEYS = artifact_keys(PREFIX, version_of(OLD))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """stage() with --source/--bucket/-c as the command takes them: (0 or 1, what it said, the failure or warnings).

    A fresh S3 client per run, as the command makes one, so that s3_hooks reach it.
    """
    options = {"--source": None, "--bucket": BUCKET}
    context, rest = [], list(argv)
    while rest:
        flag = rest.pop(0)
        if flag == "-c":
            context.append(rest.pop(0))
        else:
            options[flag] = rest.pop(0)
    said: list[str] = []
    warned: list[str] = []
    sources = choose_sources(options["--source"], aws_session().region_name)
    settings = settings_from_files(parse_overrides(context))
    try:
        stage(
            boto3.client("s3"),
            options["--bucket"],
            settings.model_prefix,
            sources,
            keep=settings.keep_model_versions,
            say=said.append,
            warn=warned.append,
        )
    except (StageError, Interrupted, SourceError) as error:
        return 1, "\n".join(said), str(error)
    capsys.readouterr()
    return 0, "\n".join(said) + ("\n" if said else ""), "\n".join(warned)


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


def staged_bytes(s3, version: str | None = None, prefix: str = PREFIX) -> dict[str, bytes]:
    """The files of a staged version, by default the newest ({} if none); runs in one second tie: name the version."""
    staged = list_versions(s3, BUCKET, prefix)
    if not staged:
        return {}
    keys = artifact_keys(prefix, version or staged[0].version)
    return {name: s3.get_object(Bucket=BUCKET, Key=keys[name])["Body"].read() for name in NAMES}


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


def scratch_keys(s3) -> list[str]:
    return [key for key, _ in snapshot(s3)[0] if ".staging-" in key]


def stage_previous(s3, tmp_path) -> tuple[list, list]:
    """Stage OLD as an earlier run would have, and return the bucket's state."""
    stage(s3, BUCKET, PREFIX, [parse_source(str(write_artifacts(tmp_path / "old", OLD)))], say=lambda _: None)
    assert staged_bytes(s3, version_of(OLD)) == OLD
    return snapshot(s3)
