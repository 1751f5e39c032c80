"""The custom resource functions' packages: exactly the files they run, importable with the runtime's boto3 alone."""

import subprocess
import sys
from pathlib import Path

import pytest

from stacks import api_logging_role, endpoint_control, staged_model


@pytest.mark.parametrize(
    "package", [staged_model.PACKAGE_FILES, api_logging_role.PACKAGE_FILES], ids=["staged-model", "logging-role"]
)
def test_the_package_imports_with_the_runtimes_boto3_alone(tmp_path, package):
    for name, source in package.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(source.read_bytes())
    # tqdm (and anything else not in the package or the runtime) must not be needed: block it.
    code = "import sys; sys.modules['tqdm'] = None; sys.path.insert(0, sys.argv[1]); import handler; print(handler.__file__)"
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()) == tmp_path / "handler.py"
    assert not (tmp_path / "stacks" / "settings.py").exists()
    assert (tmp_path / "stacks" / "cloudformation_response.py").is_file()


def test_the_endpoint_control_package_imports_with_the_runtimes_boto3_alone(tmp_path):
    for name, source in endpoint_control.package_files().items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(source.read_bytes())
    # Nothing of the repository but the package: not stacks/, not scripts/.
    code = "import sys; sys.path[:] = [sys.argv[1]] + [p for p in sys.path if 'site-packages' in p or 'lib/python' in p]; import handler; print(handler.__file__)"
    result = subprocess.run(
        [sys.executable, "-I", "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()) == tmp_path / "handler.py"


def test_custom_resource_functions_are_never_retried(default_app):
    # CloudFormation invokes them asynchronously; Lambda's retries would run the work (and answer) again.
    from aws_cdk.assertions import Match

    from stacks.names import API_STACK, ENDPOINT_STACK

    for stack, handler_of in ((ENDPOINT_STACK, "StagedModel"), (API_STACK, "ApiGatewayLoggingRole")):
        default_app.template(stack).has_resource_properties(
            "AWS::Lambda::EventInvokeConfig",
            {"FunctionName": {"Ref": Match.string_like_regexp(f"^{handler_of}Function")}, "MaximumRetryAttempts": 0},
        )
