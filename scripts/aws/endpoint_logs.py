"""The endpoint's log group, which SageMaker creates itself: make deploy gives it a retention, make destroy deletes it."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from scripts.aws.errors import error_code
from stacks.names import ENDPOINT_LOG_GROUP_PREFIX

_MISSING = "ResourceNotFoundException"


def log_group_name(endpoint_name: str) -> str:
    """Where SageMaker writes an endpoint's container logs."""
    return f"{ENDPOINT_LOG_GROUP_PREFIX}{endpoint_name}"


def delete_command(endpoint_name: str, region: str) -> str:
    """The AWS CLI command that deletes the endpoint's log group."""
    return f"aws logs delete-log-group --log-group-name {log_group_name(endpoint_name)} --region {region}"


def keep_for(logs: Any, endpoint_name: str, days: int) -> str:
    """Set the group's retention to the log_retention_days setting; return one line saying what happened."""
    name = log_group_name(endpoint_name)
    try:
        logs.put_retention_policy(logGroupName=name, retentionInDays=days)
    except ClientError as error:
        if error_code(error) == _MISSING:
            return f"  note  {name} does not exist yet (SageMaker creates it when the endpoint first logs); run make deploy again to set its retention"
        return f"  warn  could not set the retention of {name} ({error_code(error)}): it keeps logs until deleted; set it in the CloudWatch console"
    except BotoCoreError as error:
        return f"  warn  could not set the retention of {name} ({error}): set it in the CloudWatch console"
    return f"  ok    endpoint logs {name} are kept {days} days"


def delete(logs: Any, endpoint_name: str) -> str | None:
    """Delete the group of an endpoint that is gone; None when done (or nothing to do), else what to run by hand."""
    name = log_group_name(endpoint_name)
    try:
        logs.delete_log_group(logGroupName=name)
    except ClientError as error:
        if error_code(error) == _MISSING:
            return None
        return f"could not delete the endpoint's log group {name} ({error_code(error)}): {delete_command(endpoint_name, logs.meta.region_name)}"
    except BotoCoreError as error:
        return f"could not delete the endpoint's log group {name} ({error}): {delete_command(endpoint_name, logs.meta.region_name)}"
    return None
