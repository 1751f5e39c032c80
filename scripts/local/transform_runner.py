"""An offline Batch Transform: reads JSON Lines objects from (moto's) S3, POSTs them to a container, writes <key>.out.

It does what SageMaker does for SplitType=Line, AssembleWith=Line: each input object is split into lines, packed into
mini-batches of at most MaxPayloadInMB (MultiRecord) or sent one record a call (SingleRecord), sent to the
container's POST /invocations as application/jsonlines, and the answers are joined, one line each, into an output
object named after the input object plus ".out". Mini-batches never span two objects.
"""

from __future__ import annotations

import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

JSON_LINES = "application/jsonlines"
# SageMaker's default per invocation (ModelClientConfig.InvocationsTimeoutInSeconds).
DEFAULT_INVOCATION_TIMEOUT_SECONDS = 600.0
_MB = 1024 * 1024


class TransformFailed(RuntimeError):
    """The offline job failed; the message reads like a transform job's FailureReason."""


@dataclass
class TransformStats:
    """What the runner did: objects read, records sent, invocations made."""

    objects: int = 0
    records: int = 0
    invocations: int = 0


def split_s3_uri(uri: str) -> tuple[str, str]:
    """s3://bucket/prefix -> (bucket, prefix)."""
    if not uri.startswith("s3://"):
        raise ValueError(f"{uri!r} is not an s3:// URI")
    bucket, _, prefix = uri[len("s3://") :].partition("/")
    return bucket, prefix


def mini_batches(lines: Iterator[bytes], max_payload_bytes: int, multi_record: bool) -> Iterator[list[bytes]]:
    """Records packed the way MultiRecord packs them (as many as fit), or one per batch for SingleRecord."""
    batch: list[bytes] = []
    size = 0
    for line in lines:
        record = line.rstrip(b"\r\n") + b"\n"
        if not record.strip():
            continue
        if len(record) > max_payload_bytes:
            raise TransformFailed(f"a record of {len(record)} bytes is larger than MaxPayloadInMB")
        if batch and (not multi_record or size + len(record) > max_payload_bytes):
            yield batch
            batch, size = [], 0
        batch.append(record)
        size += len(record)
    if batch:
        yield batch


def invoke(container_url: str, records: list[bytes], timeout: float) -> list[bytes]:
    """POST one mini-batch to the container; its answer lines, one per record."""
    request = urllib.request.Request(
        f"{container_url}/invocations",
        data=b"".join(records),
        method="POST",
        headers={"Content-Type": JSON_LINES, "Accept": JSON_LINES},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        raise TransformFailed(
            f"the container answered {error.code} to an invocation: {error.read()[:300].decode(errors='replace')}"
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise TransformFailed(f"the invocation failed or timed out: {error}") from None
    answers = [line for line in body.splitlines() if line.strip()]
    if len(answers) != len(records):
        raise TransformFailed(f"the container answered {len(answers)} lines for {len(records)} records")
    return answers


def run_transform(
    s3,
    *,
    input_uri: str,
    output_uri: str,
    container_url: str,
    max_payload_mb: int = 6,
    batch_strategy: str = "MultiRecord",
    invocation_timeout: float = DEFAULT_INVOCATION_TIMEOUT_SECONDS,
    stop: threading.Event | None = None,
) -> TransformStats:
    """Run one transform over every object under input_uri; each output object is written only when complete."""
    in_bucket, in_prefix = split_s3_uri(input_uri)
    out_bucket, out_prefix = split_s3_uri(output_uri)
    if out_prefix and not out_prefix.endswith("/"):
        out_prefix += "/"
    keys = [
        item["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=in_bucket, Prefix=in_prefix)
        for item in page.get("Contents", [])
        if not item["Key"].endswith("/")
    ]
    if not keys:
        raise TransformFailed(f"no objects under {input_uri}")
    base = in_prefix if in_prefix.endswith("/") or not in_prefix else in_prefix.rsplit("/", 1)[0] + "/"
    stats = TransformStats()
    for key in sorted(keys):
        if stop is not None and stop.is_set():
            raise TransformFailed("the job was stopped")
        body = s3.get_object(Bucket=in_bucket, Key=key)["Body"]
        with tempfile.TemporaryFile() as output:
            for batch in mini_batches(
                body.iter_lines(keepends=True), max_payload_mb * _MB, batch_strategy == "MultiRecord"
            ):
                for answer in invoke(container_url, batch, invocation_timeout):
                    output.write(answer + b"\n")
                stats.records += len(batch)
                stats.invocations += 1
            output.seek(0)
            s3.upload_fileobj(output, out_bucket, out_prefix + key[len(base) :] + ".out")
        stats.objects += 1
    return stats


class LocalTransformJobs:
    """The transform-job calls of a sagemaker client, with moto keeping the jobs' records and the runner doing the work.

    moto's sagemaker records CreateTransformJob and answers DescribeTransformJob (always "Completed"); this wraps
    such a client so that a job is InProgress while the runner works and Failed, with its reason, when it fails.
    """

    def __init__(self, sagemaker, s3, container_url: str) -> None:
        self._sagemaker, self._s3, self._container_url = sagemaker, s3, container_url
        self._runs: dict[str, tuple[threading.Thread, threading.Event, list[str]]] = {}

    def create_transform_job(self, **request) -> dict:
        answer = self._sagemaker.create_transform_job(**request)
        name = request["TransformJobName"]
        stop, failure = threading.Event(), []

        def work() -> None:
            try:
                run_transform(
                    self._s3,
                    input_uri=request["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"],
                    output_uri=request["TransformOutput"]["S3OutputPath"],
                    container_url=self._container_url,
                    max_payload_mb=int(request.get("MaxPayloadInMB", 6)),
                    batch_strategy=request.get("BatchStrategy", "MultiRecord"),
                    invocation_timeout=float(
                        request.get("ModelClientConfig", {}).get(
                            "InvocationsTimeoutInSeconds", DEFAULT_INVOCATION_TIMEOUT_SECONDS
                        )
                    ),
                    stop=stop,
                )
            except Exception as error:  # noqa: BLE001 - any failure is the job's FailureReason, as in SageMaker
                failure.append(str(error) or type(error).__name__)

        thread = threading.Thread(target=work, name=f"transform-{name}", daemon=True)
        self._runs[name] = (thread, stop, failure)
        thread.start()
        return answer

    def describe_transform_job(self, *, TransformJobName: str) -> dict:
        description = dict(self._sagemaker.describe_transform_job(TransformJobName=TransformJobName))
        run = self._runs.get(TransformJobName)
        if run is not None:
            thread, stop, failure = run
            if thread.is_alive():
                description["TransformJobStatus"] = "Stopping" if stop.is_set() else "InProgress"
            elif failure:
                description["TransformJobStatus"] = "Stopped" if stop.is_set() else "Failed"
                description["FailureReason"] = failure[0]
        return description

    def stop_transform_job(self, *, TransformJobName: str) -> None:
        run = self._runs.get(TransformJobName)
        if run is not None:
            run[1].set()

    def wait(self, timeout: float = 30.0) -> None:
        """Wait for every running job's thread (a bounded wait, for shutting down)."""
        for thread, _, _ in self._runs.values():
            thread.join(timeout)
