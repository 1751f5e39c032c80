"""The Batch Transform job: its size from the model's speed, its name from its content, start or reuse, follow, messages."""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

import scripts.local.lambda_package  # noqa: F401 - makes the Lambda's translator package importable

# isort: split
from translator.limits import MAX_SENTENCE_TOKENS
from translator.model_speed import ModelSpeed

from scripts.aws.errors import describe_error, error_code
from scripts.batch.prepare import Prepared
from stacks.instance_types import HOURLY_USD

JSON_LINES = "application/jsonlines"
# SageMaker stops an invocation after this long (ModelClientConfig.InvocationsTimeoutInSeconds' default).
INVOCATION_TIMEOUT_SECONDS = 600
# Each invocation is planned to take at most half of it, so a model slower than estimated still finishes.
INVOCATION_BUDGET_SECONDS = INVOCATION_TIMEOUT_SECONDS / 2
# The smallest MaxPayloadInMB (0 is not supported by built-in algorithms): the chunk size caps records per call.
MAX_PAYLOAD_MB = 1
# Launching the instances and loading the model before the first record (an estimate; billed too).
STARTUP_SECONDS = 360
LOG_GROUP = "/aws/sagemaker/TransformJobs"
# Bumped when pre- or post-processing changes what a record means: an old job's output then is not reused.
FORMAT_VERSION = "1"
JOB_PREFIX = "translate-batch-"
# A failed or stopped job keeps its name for ever: the next attempt at the same input takes name-2, name-3, ...
MAX_ATTEMPTS = 9
_ACTIVE = ("InProgress", "Stopping")
_NOT_FOUND_CODES = ("ValidationException", "ValidationError", "ResourceNotFound")


class JobFailed(RuntimeError):
    """The job failed, was stopped, or could not be started; the message is one line and says where the logs are."""


@dataclass(frozen=True)
class JobPlan:
    """The job to run (or find): its name and where its input and output live."""

    name: str
    model_name: str
    input_uri: str
    output_uri: str
    instance_type: str
    instance_count: int


@dataclass(frozen=True)
class Estimate:
    """Wall-clock seconds and, when the price is known, US dollars."""

    seconds: float
    usd: float | None


def records_per_chunk(speed: ModelSpeed, budget: float = INVOCATION_BUDGET_SECONDS) -> int:
    """How many records of the longest kind (60 tokens) one invocation may carry and still take at most `budget`.

    Batch Transform never puts two objects' records in one invocation, so the job's input is cut into objects of
    this many records: that bounds each call's time whatever MaxPayloadInMB would allow.
    """
    low, high = 1, 1
    while speed.call_seconds([MAX_SENTENCE_TOKENS] * high) <= budget and high < 1_000_000:
        low, high = high, high * 2
    while low < high - 1:
        middle = (low + high) // 2
        if speed.call_seconds([MAX_SENTENCE_TOKENS] * middle) <= budget:
            low = middle
        else:
            high = middle
    return low if speed.call_seconds([MAX_SENTENCE_TOKENS] * high) > budget else high


def job_name(
    digest: str, model_name: str, instance_type: str, instance_count: int, per_chunk: int, where: str = ""
) -> str:
    """A name made from the input's content and everything that shapes the output: the same input finds the same job.

    `where` (the job's bucket and prefix) is part of it: a job found by name must have its output where it is looked for.
    """
    key = "\n".join([digest, model_name, instance_type, str(instance_count), str(per_chunk), FORMAT_VERSION, where])
    return JOB_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:32]


def plan_job(
    prepared: Prepared,
    *,
    model_name: str,
    bucket: str,
    prefix: str,
    instance_type: str,
    instance_count: int,
    per_chunk: int,
) -> JobPlan:
    """The job for prepared input, with its input and output under s3://bucket/prefix<name>/."""
    name = job_name(prepared.digest, model_name, instance_type, instance_count, per_chunk, f"s3://{bucket}/{prefix}")
    base = f"s3://{bucket}/{prefix}{name}/"
    return JobPlan(name, model_name, base + "input/", base + "output/", instance_type, instance_count)


def estimate(prepared: Prepared, instance_type: str, instance_count: int) -> Estimate:
    """Time (start-up plus the model's time spread over the instances) and its cost at PRICE_REGION's price."""
    busy = math.ceil(len(prepared.chunks) / instance_count) * (prepared.model_seconds / max(len(prepared.chunks), 1))
    seconds = STARTUP_SECONDS + busy
    price = HOURLY_USD.get(instance_type)
    return Estimate(seconds, None if price is None else price * instance_count * seconds / 3600)


def create_request(job: JobPlan) -> dict:
    """CreateTransformJob's parameters for a job."""
    return {
        "TransformJobName": job.name,
        "ModelName": job.model_name,
        "BatchStrategy": "MultiRecord",
        "MaxPayloadInMB": MAX_PAYLOAD_MB,
        "ModelClientConfig": {"InvocationsTimeoutInSeconds": INVOCATION_TIMEOUT_SECONDS, "InvocationsMaxRetries": 0},
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": job.input_uri}},
            "ContentType": JSON_LINES,
            "SplitType": "Line",
        },
        "TransformOutput": {"S3OutputPath": job.output_uri, "Accept": JSON_LINES, "AssembleWith": "Line"},
        "TransformResources": {"InstanceType": job.instance_type, "InstanceCount": job.instance_count},
    }


def attempt(job: JobPlan, number: int) -> JobPlan:
    """The job's number-th attempt (1 is the job itself)."""
    if number == 1:
        return job
    base = job.name + f"-{number}"
    return JobPlan(
        base,
        job.model_name,
        job.input_uri.removesuffix("input/") + f"input-{number}/",
        job.output_uri.removesuffix("output/") + f"output-{number}/",
        job.instance_type,
        job.instance_count,
    )


def find_job(sagemaker, job: JobPlan) -> tuple[JobPlan, str | None]:
    """The attempt to use and its status: a Completed or running one is reused; None means start this attempt."""
    for number in range(1, MAX_ATTEMPTS + 1):
        candidate = attempt(job, number)
        status = _status(sagemaker, candidate.name)
        if status is None or status == "Completed" or status in _ACTIVE:
            return candidate, status
    raise JobFailed(
        f"{MAX_ATTEMPTS} jobs for this input failed or were stopped (the last {candidate.name}); "
        f"read why in {logs_hint(candidate.name)}"
    )


def _status(sagemaker, name: str) -> str | None:
    try:
        return str(sagemaker.describe_transform_job(TransformJobName=name)["TransformJobStatus"])
    except ClientError as error:
        # SageMaker answers a name it doesn't know with ValidationException "Could not find ... job".
        message = describe_error(error).lower()
        if error_code(error) in _NOT_FOUND_CODES and ("could not find" in message or "not found" in message):
            return None
        raise JobFailed(f"could not look up transform job {name}: {describe_error(error)}") from None


def start_job(sagemaker, job: JobPlan) -> None:
    """CreateTransformJob; quota and permission errors become one line."""
    try:
        sagemaker.create_transform_job(**create_request(job))
    except ClientError as error:
        code = error_code(error)
        hint = (
            f"request more '{job.instance_type} for transform job usage' in Service Quotas"
            if code == "ResourceLimitExceeded"
            else "check the model's name and your permissions"
        )
        raise JobFailed(f"could not start transform job {job.name}: {describe_error(error)}; {hint}") from None
    except BotoCoreError as error:
        raise JobFailed(f"could not start transform job {job.name}: {error}") from None


def follow(
    sagemaker,
    name: str,
    *,
    poll_seconds: float,
    max_polls: int,
    on_poll: Callable[[str, float], None] = lambda status, elapsed: None,
) -> dict:
    """Poll the job until it ends (at most max_polls times); its description, or JobFailed saying why and where."""
    started = time.monotonic()
    for _ in range(max_polls):
        try:
            description = sagemaker.describe_transform_job(TransformJobName=name)
        except (ClientError, BotoCoreError) as error:
            # The job goes on (and bills) whatever happened to this machine's view of it: say how to pick it up.
            raise JobFailed(
                f"could not read the state of transform job {name} ({describe_error(error)}); it goes on: run the "
                f"same command again to collect its output, or {stop_command(name, '<region>')}"
            ) from None
        status = str(description["TransformJobStatus"])
        on_poll(status, time.monotonic() - started)
        if status == "Completed":
            return description
        if status in ("Failed", "Stopped"):
            reason = description.get("FailureReason") or status.lower()
            raise JobFailed(f"transform job {name} {status.lower()}: {reason}; logs: {logs_hint(name)}")
        time.sleep(poll_seconds)
    raise JobFailed(
        f"transform job {name} is still running after {max_polls} status checks; it goes on: run the same command "
        f"again later to collect its output, or {stop_command(name, '<region>')}"
    )


def logs_hint(name: str, region: str | None = None) -> str:
    """Where a job's logs are."""
    where = f" in {region}" if region else ""
    return f"CloudWatch log group {LOG_GROUP}{where}, log streams starting {name}/"


def stop_command(name: str, region: str) -> str:
    """The command that stops a job."""
    return f"aws sagemaker stop-transform-job --transform-job-name {name} --region {region}"


def follow_command(name: str, region: str) -> str:
    """The command that shows a job's status."""
    return f"aws sagemaker describe-transform-job --transform-job-name {name} --region {region}"
