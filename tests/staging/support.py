"""What the staging tests share: the bucket, its state, S3 errors, and stage() run as the command would run it."""

from __future__ import annotations

import hashlib

import boto3
from botocore.exceptions import ClientError

from scripts.aws.session import aws_session
from scripts.staging.s3_write import Interrupted, StageError
from scripts.staging.sources import SourceError, choose_sources, parse_source
from scripts.staging.stage import destination_keys, stage
from stacks.settings import parse_overrides, settings_from_files
from tests.fixtures.artifacts import make_vocab, valid_artifacts, write_artifacts

BUCKET = "model-bucket"
SETTINGS = settings_from_files()
KEYS = destination_keys(SETTINGS)
NAMES = ("model.tar.gz", "vocab.src.json", "vocab.trg.json")
OLD = {
    **valid_artifacts(seed=1),
    "vocab.src.json": make_vocab(["an", "older", "vocabulary"]),
    "vocab.trg.json": make_vocab(["ein", "älteres", "Vokabular"]),
}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """stage() with --source/--bucket/--force/-c as the command takes them: (0 or 1, what it said, the failure or warnings).

    A fresh S3 client per run, as the command makes one, so that s3_hooks reach it.
    """
    options = {"--source": None, "--bucket": BUCKET}
    force, context, rest = False, [], list(argv)
    while rest:
        flag = rest.pop(0)
        if flag == "--force":
            force = True
        elif flag == "-c":
            context.append(rest.pop(0))
        else:
            options[flag] = rest.pop(0)
    said: list[str] = []
    warned: list[str] = []
    sources = choose_sources(options["--source"], aws_session().region_name)
    try:
        stage(
            boto3.client("s3"),
            options["--bucket"],
            settings_from_files(parse_overrides(context)),
            sources,
            force=force,
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


def staged_bytes(s3) -> dict[str, bytes]:
    return {name: s3.get_object(Bucket=BUCKET, Key=KEYS[name])["Body"].read() for name in NAMES}


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
    stage(s3, BUCKET, SETTINGS, [parse_source(str(write_artifacts(tmp_path / "old", OLD)))], say=lambda _: None)
    assert staged_bytes(s3) == OLD
    return snapshot(s3)
