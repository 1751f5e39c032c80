"""The Lambda function behind one of the project's custom resources: exact files, its own log group, no retries."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.log_groups import retention
from stacks.python_bundling import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME, files_code


def custom_resource_function(
    scope: Construct,
    *,
    description: str,
    source: Path,
    files: dict[str, Path],
    timeout: Duration,
    log_retention_days: int,
    memory_size: int | None = None,
) -> lambda_.Function:
    """A function (id "Function", logs "FunctionLogs") whose package is exactly `files`; boto3 comes with the runtime."""
    return lambda_.Function(
        scope,
        "Function",
        description=description,
        runtime=LAMBDA_RUNTIME,
        architecture=LAMBDA_ARCHITECTURE,
        handler="handler.handler",
        code=files_code(source, files, LAMBDA_RUNTIME),
        timeout=timeout,
        # CloudFormation invokes it asynchronously: a retry would do the work, and answer, a second time.
        retry_attempts=0,
        memory_size=memory_size,
        log_group=logs.LogGroup(
            scope, "FunctionLogs", retention=retention(log_retention_days), removal_policy=RemovalPolicy.DESTROY
        ),
        logging_format=lambda_.LoggingFormat.JSON,
    )
