"""`make deploy` and `make destroy` without AWS credentials stop at once, with what to do and no traceback."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize(
    "target,message,later_phase,hints",
    [
        ("deploy", "deploy stopped: no AWS credentials found", "[2/4]", ("make test", "make local", "make synth")),
        ("destroy", "destroy stopped: no AWS credentials found", "[2/3]", ()),
        ("preflight", "preflight failed: no AWS credentials found", "All preconditions hold", ("make test",)),
    ],
)
def test_without_credentials_the_target_fails_fast(tmp_path, target, message, later_phase, hints):
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    # -o setup: the venv and CLI are already installed; a test never reaches for the package registry.
    command = ["make", "--no-print-directory", "-o", "setup", target]
    result = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert message in output
    assert f"`make {target}` needs an AWS account" in output
    assert all(hint in output for hint in hints)
    assert "Traceback" not in output
    assert later_phase not in output


# Every command users run: each module directly under scripts/.
COMMANDS = tuple(sorted(path.stem for path in (REPO_ROOT / "scripts").glob("*.py") if path.stem != "__init__"))
# What a command may import of ours: the libraries beneath the commands and the CDK-free facts, never a command.
LIBRARIES = (
    "scripts.aws",
    "scripts.staging",
    "scripts.local",
    "scripts.client",
    "scripts.calibration",
    "scripts.batch",
)
FACTS = ("stacks.settings", "stacks.names", "stacks.instance_types", "stacks.model_versions", "stacks.api_contract")


@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_imports_libraries_only_and_runs_as_a_module(command):
    import ast

    source = (REPO_ROOT / "scripts" / f"{command}.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    modules |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    ours = {module for module in modules if module and module.split(".")[0] in {"scripts", "stacks"}}
    allowed = {
        module
        for module in ours
        if module in LIBRARIES + FACTS or module.startswith(tuple(f"{name}." for name in LIBRARIES))
    }
    assert ours == allowed, ours - allowed
    assert not {module.rpartition(".")[2] for module in ours} & set(COMMANDS)
    assert "sys.path" not in source and "subprocess" not in modules
    assert "boto3.Session(" not in source and "boto3.client(" not in source


def test_the_makefile_runs_every_python_command_as_a_module():
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert "scripts/" not in makefile.replace("scripts/local", "")
    for command in set(COMMANDS) - {"translate"}:
        assert f"$(PY) -m scripts.{command}" in makefile
