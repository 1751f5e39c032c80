"""scripts/aws/cdk_cli.py: commands run in the repo root, with the environment they are given; the pinned CLI runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from scripts.aws.cdk_cli import REPO_ROOT, ProgramNotFound, cdk, context_flags, run_command

TESTS_ROOT = Path(__file__).resolve().parents[2]


def test_repo_root_is_the_repository():
    assert REPO_ROOT == TESTS_ROOT and (REPO_ROOT / "cdk.json").is_file()


def test_commands_run_in_the_repo_root_and_report_their_exit_code(capfd):
    code = run_command([sys.executable, "-c", "import os, sys; print(os.getcwd()); sys.exit(4)"])
    assert code == 4
    assert capfd.readouterr().out.strip() == str(REPO_ROOT)


def test_the_environment_given_reaches_the_child_over_this_one(capfd, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    monkeypatch.setenv("KEPT_FROM_PARENT", "yes")
    script = "import os; print(os.environ['AWS_REGION'], os.environ['KEPT_FROM_PARENT'])"
    assert run_command([sys.executable, "-c", script], env={"AWS_REGION": "eu-west-1"}) == 0
    assert capfd.readouterr().out.split() == ["eu-west-1", "yes"]


def test_a_missing_program_is_named_not_a_traceback():
    with pytest.raises(ProgramNotFound, match="cannot run 'no-such-program-for-this-test': it is not installed"):
        run_command(["no-such-program-for-this-test"])


def test_cdk_and_context_flags_build_the_argv():
    assert cdk("deploy", "X") == ["npx", "--no-install", "cdk", "deploy", "X"]
    assert context_flags(["a=1", "b=2"]) == ["-c", "a=1", "-c", "b=2"]


@pytest.mark.skipif(
    not (REPO_ROOT / "node_modules" / ".bin" / "cdk").exists(),
    reason="the pinned CDK CLI is not installed (make setup)",
)
def test_the_pinned_cdk_cli_runs_offline(capfd):
    assert run_command(cdk("--version")) == 0
    assert capfd.readouterr().out.startswith(
        json.loads((REPO_ROOT / "package.json").read_text())["devDependencies"]["aws-cdk"]
    )
