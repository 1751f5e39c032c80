"""Where bulk input comes from and output goes: a local file or directory, or an s3:// prefix; output all or nothing."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from scripts.aws.errors import describe_error
from scripts.batch.formats import ALLOWED, BatchInputError, kind_of
from scripts.batch.prepare import InputFile
from scripts.local.transform_runner import split_s3_uri

# Written last into OUTPUT, listing every file and its lines: without it, OUTPUT is not a complete translation.
MANIFEST = "translate-batch.manifest.json"


def is_s3(location: str) -> bool:
    """Whether a location is an s3:// URI."""
    return location.startswith("s3://")


def local_inputs(location: str, output: str) -> list[InputFile]:
    """The input files of a local file or directory (hidden files skipped), sorted; bad input is a BatchInputError."""
    path = Path(location)
    if not path.exists():
        raise BatchInputError(f"{location}: no such file or directory")
    if path.is_file():
        return [InputFile(path.name, kind_of(path.name), path)]
    if not is_s3(output) and Path(output).resolve().is_relative_to(path.resolve()):
        raise BatchInputError(f"{output}: OUTPUT is inside INPUT {location}: choose a directory outside it")
    files = []
    for found in sorted(path.rglob("*")):
        relative = found.relative_to(path)
        if found.is_file() and not any(part.startswith(".") for part in relative.parts):
            files.append(InputFile(relative.as_posix(), kind_of(f"{location.rstrip('/')}/{relative}"), found))
    if not files:
        raise BatchInputError(f"{location}: the directory has no files: give {ALLOWED}")
    return files


def s3_inputs(s3, location: str, work_dir: Path) -> list[InputFile]:
    """Download the objects under an s3:// prefix into work_dir; bad input is a BatchInputError."""
    bucket, prefix = split_s3_uri(location)
    try:
        keys = [
            item["Key"]
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
            for item in page.get("Contents", [])
            if not item["Key"].endswith("/")
        ]
    except (ClientError, BotoCoreError) as error:
        raise BatchInputError(f"{location}: cannot list it ({describe_error(error)})") from None
    if not keys:
        raise BatchInputError(f"{location}: there is nothing under this S3 prefix: give {ALLOWED}")
    # Names are relative to the prefix's folder: s3://b/in/ gives a.txt, s3://b/in/a.txt gives a.txt too.
    base = prefix if prefix.endswith("/") or not prefix else prefix.rpartition("/")[0] + "/" if "/" in prefix else ""
    files = []
    for key in sorted(keys):
        name = key[len(base) :]
        kind = kind_of(f"s3://{bucket}/{key}")
        local = work_dir / "input" / name
        local.parent.mkdir(parents=True, exist_ok=True)
        try:
            s3.download_file(bucket, key, str(local))
        except (ClientError, BotoCoreError) as error:
            raise BatchInputError(f"s3://{bucket}/{key}: cannot read it ({describe_error(error)})") from None
        files.append(InputFile(name, kind, local))
    return files


def publish(s3, staged: Path, lines: dict[str, int], output: str, job_name: str) -> str:
    """Move verified files from staged into OUTPUT, each whole or not at all, then the manifest; where it went."""
    manifest = json.dumps({"job": job_name, "files": lines}, indent=2, sort_keys=True).encode()
    if is_s3(output):
        bucket, prefix = split_s3_uri(output)
        prefix = prefix + "/" if prefix and not prefix.endswith("/") else prefix
        s3.delete_object(Bucket=bucket, Key=prefix + MANIFEST)
        for name in lines:
            s3.upload_file(str(staged / name), bucket, prefix + name)
        s3.put_object(Bucket=bucket, Key=prefix + MANIFEST, Body=manifest)
        return f"s3://{bucket}/{prefix}"
    directory = Path(output)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MANIFEST).unlink(missing_ok=True)
    for name in lines:
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        shutil.copyfile(staged / name, partial)
        os.replace(partial, target)
    partial = directory / f".{MANIFEST}.partial"
    partial.write_bytes(manifest)
    os.replace(partial, directory / MANIFEST)
    return str(directory)
