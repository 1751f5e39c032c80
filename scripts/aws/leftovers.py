"""What of the project is left in an account after destroy: billable SageMaker resources, and how to delete them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from scripts.aws.errors import error_code
from stacks.names import PROJECT_TAG, STACK_NAMES

PROJECT_STACKS = frozenset(STACK_NAMES)


@dataclass(frozen=True)
class Kind:
    """One kind of billable SageMaker resource: how to list it and how to delete it by hand."""

    label: str
    list_operation: str
    items_key: str
    name_key: str
    arn_key: str
    delete_command: str


# Deletion order matters: an endpoint uses its config, a config names its model.
KINDS = (
    Kind("endpoint", "list_endpoints", "Endpoints", "EndpointName", "EndpointArn", "delete-endpoint --endpoint-name"),
    Kind(
        "endpoint config",
        "list_endpoint_configs",
        "EndpointConfigs",
        "EndpointConfigName",
        "EndpointConfigArn",
        "delete-endpoint-config --endpoint-config-name",
    ),
    Kind("model", "list_models", "Models", "ModelName", "ModelArn", "delete-model --model-name"),
)


@dataclass(frozen=True)
class Leftover:
    """A SageMaker resource of the project that still exists."""

    kind: Kind
    name: str
    status: str | None

    def delete_command(self, region: str) -> str:
        return f"aws sagemaker {self.kind.delete_command} {self.name} --region {region}"


def belongs_to_project(tags: dict[str, str]) -> bool:
    """Tagged with the project's tag, or created by one of its stacks (CloudFormation tags what it creates)."""
    return tags.get(PROJECT_TAG[0]) == PROJECT_TAG[1] or tags.get("aws:cloudformation:stack-name") in PROJECT_STACKS


def _tags(sagemaker: Any, arn: str) -> dict[str, str] | None:
    tags: dict[str, str] = {}
    try:
        for page in sagemaker.get_paginator("list_tags").paginate(ResourceArn=arn):
            tags.update({tag["Key"]: tag["Value"] for tag in page.get("Tags", [])})
    except ClientError as error:
        # Deleted between listing and tagging: nothing is left of it.
        if error_code(error) in {"ValidationException", "ResourceNotFound"}:
            return None
        raise
    return tags


def project_leftovers(sagemaker: Any) -> list[Leftover]:
    """Every SageMaker endpoint, endpoint config and model of the project that still exists, in deletion order."""
    leftovers = []
    for kind in KINDS:
        for page in sagemaker.get_paginator(kind.list_operation).paginate():
            for item in page.get(kind.items_key, []):
                tags = _tags(sagemaker, item[kind.arn_key])
                if tags is not None and belongs_to_project(tags):
                    leftovers.append(Leftover(kind=kind, name=item[kind.name_key], status=item.get("EndpointStatus")))
    return leftovers


def leftover_report(leftovers: list[Leftover], region: str) -> str:
    """What is left and the exact commands that delete it."""
    lines = [f"{len(leftovers)} SageMaker resource(s) of the project are still there in {region}:"]
    for leftover in leftovers:
        status = f" ({leftover.status})" if leftover.status else ""
        lines.append(f"  {leftover.kind.label} {leftover.name}{status}")
    if any(leftover.status == "Deleting" for leftover in leftovers):
        lines.append(
            "An endpoint that is Deleting goes away by itself within minutes: run make destroy again to confirm."
        )
    lines.append("Delete them (in this order) with the AWS CLI, or in the SageMaker console:")
    lines.extend(f"  {leftover.delete_command(region)}" for leftover in leftovers)
    lines.append("An endpoint bills until it is deleted.")
    return "\n".join(lines)
