"""Custom resource: stage (or check) the model version the endpoint serves, in the cloud, with scripts/staging.

Create/Update answer Version, ModelDataUrl and SourceVocabularyKey; Delete removes nothing, because old versions must
survive for a rollback. It answers CloudFormation itself, always before the function's time runs out (CloudFormation
would otherwise wait for an hour), and runs on the Lambda runtime's boto3 alone.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import boto3
from botocore.config import Config

from scripts.staging.in_cloud import StagedModelError, in_service, stage_or_verify
from stacks.cloudformation_response import respond
from stacks.model_versions import IN_SERVICE_MODE

PHYSICAL_ID = "staged-model"
# Room left to answer CloudFormation when the work has not finished in the function's time.
ANSWER_MARGIN_MS = 20_000
# A source that S3 refuses answers at once; a short connect timeout and few retries keep an unreachable one quick.
S3_CONFIG = Config(connect_timeout=5, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"})


def on_event(event: dict[str, Any], s3: Any, region: str) -> dict[str, str]:
    """The resource's attributes for Create/Update ({} for Delete); raises StagedModelError saying what to do."""
    if event["RequestType"] == "Delete":
        return {}
    properties = event["ResourceProperties"]
    common = {
        "bucket": properties["Bucket"],
        "prefix": properties["Prefix"],
        "requested": properties["RequestedVersion"],
    }
    if properties["Mode"] == IN_SERVICE_MODE:
        return in_service(s3, **common).attributes()
    return stage_or_verify(s3, keep=int(properties["Keep"]), region=region, **common).attributes()


def abandon_sandbox() -> None:
    """End this process at once, frozen threads and all: Lambda does not reuse it."""
    os._exit(0)


def handler(event: dict[str, Any], context: Any) -> None:
    """Run on_event in a thread and answer CloudFormation with its outcome, or with a failure before time runs out."""
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["data"] = on_event(event, boto3.client("s3", config=S3_CONFIG), os.environ.get("AWS_REGION", ""))
        except StagedModelError as error:
            outcome["error"] = str(error)
        except Exception as error:  # noqa: BLE001 - any failure must reach CloudFormation, or it waits an hour
            outcome["error"] = f"{type(error).__name__}: {error}"

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(max(1.0, (context.get_remaining_time_in_millis() - ANSWER_MARGIN_MS) / 1000))
    if worker.is_alive():
        respond(
            event,
            physical_id=PHYSICAL_ID,
            status="FAILED",
            reason="staging the model did not finish in the function's time; deploy again to retry",
        )
        # The unfinished copy must not wake up in this sandbox's next event (a retry, the Delete that follows the
        # failure) and write beside it: end the sandbox; Lambda starts a fresh one (retries are off, staged_model.py).
        abandon_sandbox()
    elif "error" in outcome:
        respond(event, physical_id=PHYSICAL_ID, status="FAILED", reason=outcome["error"])
    else:
        data = outcome["data"]
        respond(
            event,
            physical_id=PHYSICAL_ID,
            status="SUCCESS",
            reason=f"model version {data.get('Version', '-')}",
            data=data,
        )
