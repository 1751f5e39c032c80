"""The modules scripts, the Lambda's tools and the local server import never start jsii's Node.js process."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CDK_FREE = [
    "stacks.settings",
    "stacks.names",
    "stacks.api_contract",
    "stacks.image_map",
    "stacks.model_versions",
    "stacks.instance_types",
    "stacks.staged_model_function.handler",
    "stacks.endpoint_control_function.handler",
    # What the make commands import: they must not start jsii's Node.js process.
    "scripts.aws.pausing",
    "scripts.aws.endpoint_state",
    "scripts.aws.cost",
    "scripts.aws.api_keys",
]
CDK_ROOTS = ("aws_cdk", "constructs", "jsii", "cdk_nag")


def imported_after(module: str) -> list[str]:
    code = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize("module", CDK_FREE)
def test_module_imports_nothing_of_the_cdk(module):
    loaded = imported_after(module)
    assert module in loaded
    assert not [name for name in loaded if name.split(".")[0] in CDK_ROOTS]


def test_the_check_sees_the_cdk_when_it_is_imported():
    # The check must be able to fail: a module that does import the CDK is caught.
    assert "aws_cdk" in imported_after("stacks.log_groups")
