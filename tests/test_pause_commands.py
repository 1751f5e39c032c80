"""make pause, make resume and make status: thin commands over the pausing library, run against moto's server."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from scripts import pause, resume, status
from stacks.names import ENDPOINT_START_MINUTES, PAUSED_PARAMETER
from tests.fixtures.control_stack import deploy_endpoint_stack, parameters, updates_started

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_pause_then_status_then_resume(aws_env, capsys):
    deploy_endpoint_stack()
    assert status.main([]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "state: running (stack CREATE_COMPLETE, endpoint InService)"
    assert out[1:4] == [
        "instances: 1 x ml.m4.xlarge",
        "cost: about 0.28 USD per hour, 6.72 per day, 204.40 per month (on-demand prices in us-east-1)",
        "last request: none in the last 14 days",
    ]

    assert pause.main([]) == 0
    out = capsys.readouterr().out
    assert "endpoint pausing: stack update started: Paused=true" in out
    assert f"`make resume` starts it again (about {ENDPOINT_START_MINUTES} minutes)" in out
    assert parameters()[PAUSED_PARAMETER] == "true"

    assert resume.main([]) == 0
    out = capsys.readouterr().out
    assert "endpoint resuming: stack update started: Paused=false" in out
    assert f"Starting takes about {ENDPOINT_START_MINUTES} minutes" in out
    assert parameters()[PAUSED_PARAMETER] == "false"


def test_pausing_a_paused_endpoint_changes_nothing(aws_env, capsys):
    deploy_endpoint_stack(paused=True)
    assert pause.main([]) == 0
    assert "endpoint paused: Paused is already true" in capsys.readouterr().out
    assert updates_started() == 0


def test_resume_wait_returns_once_in_service(aws_env, capsys):
    deploy_endpoint_stack()
    assert resume.main(["--wait"]) == 0
    out = capsys.readouterr().out
    assert "endpoint running: Paused is already false" in out
    assert out.splitlines()[-1] == "The endpoint is in service."


def test_status_of_a_paused_endpoint(aws_env, capsys):
    deploy_endpoint_stack(paused=True)
    assert status.main([]) == 0
    out = capsys.readouterr().out
    assert "state: paused (stack CREATE_COMPLETE, endpoint absent)" in out
    assert "cost: 0 USD per hour (no instance runs)" in out


@pytest.mark.parametrize("command", [pause, resume, status])
def test_an_undeployed_stack_is_one_line(aws_env, capsys, command):
    assert command.main([]) == 1
    err = capsys.readouterr().err
    assert err.endswith("stack TranslateEndpoint is not deployed: run `make deploy` first\n")
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize("command,name", [(pause, "pause"), (resume, "resume"), (status, "status")])
def test_without_credentials_the_command_says_so_in_one_line(no_aws_credentials, capsys, command, name):
    assert command.main([]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{name} failed: no AWS credentials found: `make {name}` needs an AWS account.")
    assert len(err.splitlines()) == 1


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("target", ["pause", "resume", "status"])
def test_the_make_target_without_credentials_fails_fast(tmp_path, target):
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    # -o setup: the venv is already installed; a test never reaches for the package registry.
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", "setup", target],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode != 0
    assert f"{target} failed: no AWS credentials found" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
