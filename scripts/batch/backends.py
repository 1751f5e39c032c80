"""Where a bulk translation runs: the deployed model on SageMaker, or --stand-in (moto's S3 and sagemaker, local runner)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

import scripts.local.lambda_package  # noqa: F401 - makes the Lambda's translator package importable

# isort: split
from translator import model_speed
from translator.model_speed import DEFAULT, ModelSpeed

from scripts.aws.checks import PreflightError, check_transform_quota
from scripts.aws.errors import describe_error
from scripts.aws.session import CHECK_CONFIG, aws_session
from scripts.aws.stack_outputs import StackOutputError, stack_output
from scripts.local.container_stand_in import STAND_IN_NOTICE, ContainerStandIn, source_vocabulary
from scripts.local.transform_runner import LocalTransformJobs
from scripts.staging.versions import read_in_service
from stacks.model_versions import source_vocabulary_key
from stacks.names import BATCH_JOB_PREFIX, BUCKET_OUTPUT, BUCKET_STACK, ENDPOINT_STACK, MODEL_OUTPUT
from stacks.settings import Settings

# The job's input and output live under this prefix of the model bucket (the model's role reads and writes it).
JOB_PREFIX = BATCH_JOB_PREFIX
STAND_IN_BUCKET = "translate-batch-stand-in"
STAND_IN_MODEL = "seq2seq-stand-in"
STAND_IN_REGION = "us-east-1"
# The offline run's container answers 100 times faster than the estimated model: a try-out takes seconds. The
# job is still cut into chunks for the real model's speed, as on SageMaker.
STAND_IN_SPEED = DEFAULT.scaled(0.01)
POLL_SECONDS = 30.0
STAND_IN_POLL_SECONDS = 0.1


class BackendError(RuntimeError):
    """The backend cannot be set up; the message says why and what to do."""


@dataclass
class Backend:
    """Clients and facts a bulk translation needs, whichever backend runs it."""

    s3: Any
    sagemaker: Any
    region: str
    bucket: str
    model_name: str
    vocabulary: dict[str, int] | None
    instance_type: str
    instance_count: int
    # The model's speed, for sizing the job's chunks and the estimate.
    speed: ModelSpeed
    poll_seconds: float
    stand_in: str | None = None
    notes: list[str] = field(default_factory=list)
    prefix: str = JOB_PREFIX


@contextmanager
def stand_in_backend(settings: Settings, endpoint_url: str | None = None) -> Iterator[Backend]:
    """moto's S3 and sagemaker (a server of its own on 127.0.0.1 unless endpoint_url is given) and the local runner."""
    with ExitStack() as stack:
        if endpoint_url is None:
            from moto.server import ThreadedMotoServer

            # moto's server logs every request through werkzeug: noise in a command's output.
            logging.getLogger("werkzeug").setLevel(logging.ERROR)
            server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            server.start()
            stack.callback(server.stop)
            host, port = server.get_host_and_port()
            endpoint_url = f"http://{host}:{port}"
        container = stack.enter_context(ContainerStandIn(speed=STAND_IN_SPEED))
        session = boto3.Session(
            aws_access_key_id="stand-in", aws_secret_access_key="stand-in", region_name=STAND_IN_REGION
        )
        s3 = session.client("s3", endpoint_url=endpoint_url)
        s3.create_bucket(Bucket=STAND_IN_BUCKET)
        jobs = LocalTransformJobs(session.client("sagemaker", endpoint_url=endpoint_url), s3, container.url)
        stack.callback(jobs.wait)
        yield Backend(
            s3=s3,
            sagemaker=jobs,
            region=STAND_IN_REGION,
            bucket=STAND_IN_BUCKET,
            model_name=STAND_IN_MODEL,
            vocabulary=source_vocabulary(),
            instance_type=settings.batch_instance_type,
            instance_count=settings.batch_instance_count,
            speed=DEFAULT,
            poll_seconds=STAND_IN_POLL_SECONDS,
            stand_in=f"{STAND_IN_NOTICE}; S3 and the job on this machine",
        )


def aws_backend(settings: Settings) -> Backend:
    """The deployed stacks' model and bucket, the source vocabulary in service, and the transform quota checked."""
    try:
        session = aws_session()
        model_name = stack_output(ENDPOINT_STACK, MODEL_OUTPUT, session=session)
        bucket = stack_output(BUCKET_STACK, BUCKET_OUTPUT, session=session)
    except StackOutputError as error:
        raise BackendError(str(error)) from None
    region = str(session.region_name)
    notes: list[str] = []
    quotas = session.client("service-quotas", region_name=region, config=CHECK_CONFIG)
    try:
        proven, warnings = check_transform_quota(
            quotas, settings.batch_instance_type, settings.batch_instance_count, region
        )
    except PreflightError as error:
        raise BackendError(str(error)) from None
    notes += ([f"ok: {proven}"] if proven else []) + warnings
    s3 = session.client("s3", region_name=region)
    vocabulary, warning = _vocabulary(s3, bucket, settings.model_prefix)
    notes += [warning] if warning else []
    return Backend(
        s3=s3,
        sagemaker=session.client("sagemaker", region_name=region),
        region=region,
        bucket=bucket,
        model_name=model_name,
        vocabulary=vocabulary,
        instance_type=settings.batch_instance_type,
        instance_count=settings.batch_instance_count,
        speed=model_speed.from_environment(settings.model_speed_environment()),
        poll_seconds=POLL_SECONDS,
        notes=notes,
    )


def _vocabulary(s3, bucket: str, prefix: str) -> tuple[dict[str, int] | None, str]:
    """The in-service version's source vocabulary, or None and why (truecasing and <unk> restoring then do less)."""
    try:
        version = read_in_service(s3, bucket, prefix).version
        if not version:
            return None, "no model version in service: truecasing by vocabulary and <unk> restoring are off"
        body = s3.get_object(Bucket=bucket, Key=source_vocabulary_key(prefix, version))["Body"].read()
        return json.loads(body), ""
    except (ClientError, BotoCoreError, ValueError) as error:
        return (
            None,
            f"the source vocabulary cannot be read ({describe_error(error)}): truecasing and <unk> restoring are off",
        )
