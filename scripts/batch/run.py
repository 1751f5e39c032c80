"""The three steps of a bulk translation: prepare the input (and find the job), run the job, publish the output."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from botocore.exceptions import ClientError

from scripts.aws.errors import describe_error
from scripts.batch.backends import Backend
from scripts.batch.finish import IncompleteOutput, assemble
from scripts.batch.formats import DEFAULT_FIELD
from scripts.batch.job import (
    Estimate,
    JobPlan,
    estimate,
    find_job,
    follow,
    plan_job,
    records_per_chunk,
    start_job,
)
from scripts.batch.locations import is_s3, local_inputs, publish, s3_inputs
from scripts.batch.prepare import Prepared, prepare
from scripts.local.transform_runner import split_s3_uri

# Status checks while following a job: enough for three times its estimate plus a day of queueing, never endless.
_EXTRA_POLL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Ready:
    """Prepared input, the job for it, its estimate, and the job's status if it exists already."""

    prepared: Prepared
    job: JobPlan
    estimate: Estimate
    status: str | None


def prepare_input(backend: Backend, source: str, output: str, work_dir: Path, field_name: str = DEFAULT_FIELD) -> Ready:
    """Read and pre-process INPUT, plan its job and look for an earlier one; nothing is written to OUTPUT."""
    files = s3_inputs(backend.s3, source, work_dir) if is_s3(source) else local_inputs(source, output)
    per_chunk = records_per_chunk(backend.speed)
    prepared = prepare(
        files, work_dir, backend.vocabulary, per_chunk=per_chunk, speed=backend.speed, field_name=field_name
    )
    job = plan_job(
        prepared,
        model_name=backend.model_name,
        bucket=backend.bucket,
        prefix=backend.prefix,
        instance_type=backend.instance_type,
        instance_count=backend.instance_count,
        per_chunk=per_chunk,
    )
    job, status = find_job(backend.sagemaker, job)
    return Ready(prepared, job, estimate(prepared, backend.instance_type, backend.instance_count), status)


def run_job(backend: Backend, ready: Ready, on_poll: Callable[[str, float], None]) -> None:
    """Upload the input and start the job unless it exists, then follow it to its end."""
    if ready.status is None:
        bucket, prefix = split_s3_uri(ready.job.input_uri)
        for chunk in ready.prepared.chunks:
            backend.s3.upload_file(str(chunk), bucket, prefix + chunk.name)
        start_job(backend.sagemaker, ready.job)
    polls = math.ceil((3 * ready.estimate.seconds + _EXTRA_POLL_SECONDS) / backend.poll_seconds)
    follow(backend.sagemaker, ready.job.name, poll_seconds=backend.poll_seconds, max_polls=polls, on_poll=on_poll)


def finish_output(
    backend: Backend, ready: Ready, output: str, work_dir: Path, field_name: str = DEFAULT_FIELD
) -> tuple[str, dict[str, int]]:
    """Download the job's output, rebuild and check every file, then publish them to OUTPUT; where, and lines per file."""
    bucket, prefix = split_s3_uri(ready.job.output_uri)
    downloaded = work_dir / "output"
    downloaded.mkdir(parents=True, exist_ok=True)
    for chunk in ready.prepared.chunks:
        name = chunk.name + ".out"
        try:
            backend.s3.download_file(bucket, prefix + name, str(downloaded / name))
        except ClientError as error:
            raise IncompleteOutput(
                f"the job's output {ready.job.output_uri}{name} cannot be read ({describe_error(error)})"
            ) from None
    staged = work_dir / "german"
    lines = assemble(ready.prepared, downloaded, staged, backend.vocabulary, field_name)
    return publish(backend.s3, staged, lines, output, ready.job.name), lines
