"""`make keys` (scripts/api_keys.py): add, list and revoke against moto's server; every refusal is one line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from translator import api_keys as key_format

from scripts.api_keys import main
from tests.fixtures.api_stack import deploy_api_stack

REPO_ROOT = Path(__file__).resolve().parent.parent


def current_keys(secret: str) -> dict:
    value = boto3.client("secretsmanager").get_secret_value(SecretId=secret, VersionStage="AWSCURRENT")
    return json.loads(value["SecretString"])["keys"]


def test_add_prints_the_key_once_with_how_to_use_it(aws_env, capsys):
    secret, _ = deploy_api_stack()
    assert main(["add", "team-a"]) == 0
    out = capsys.readouterr().out
    key = re.search(r"^  (\S{43,})$", out, re.MULTILINE).group(1)
    assert current_keys(secret)["team-a"]["sha256"] == key_format.hash_key(key)
    assert f"Authorization: Bearer {key}" in out and f"DeepL-Auth-Key {key}" in out and "api_key" in out


def test_list_shows_names_and_never_keys(aws_env, capsys):
    deploy_api_stack()
    main(["add", "team-a"])
    key = re.search(r"^  (\S{43,})$", capsys.readouterr().out, re.MULTILINE).group(1)
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^team-a +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +0$", out, re.MULTILINE), out
    assert key not in out


def test_revoke_removes_the_key(aws_env, capsys):
    secret, _ = deploy_api_stack()
    main(["add", "team-a"])
    assert main(["revoke", "team-a"]) == 0
    assert "Revoked key team-a" in capsys.readouterr().out
    assert current_keys(secret) == {}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["add", "bad name"], "keys: a key name is 1 to 64 letters"),
        (["revoke", "nobody"], "keys: there is no key named nobody (keys: none)"),
    ],
)
def test_bad_input_is_one_line(aws_env, capsys, arguments, message):
    deploy_api_stack()
    assert main(arguments) == 1
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


def test_a_duplicate_is_one_line(aws_env, capsys):
    deploy_api_stack()
    main(["add", "team-a"])
    assert main(["add", "team-a"]) == 1
    assert (
        capsys.readouterr().err == "keys: a key named team-a exists already (revoke it first, or choose another name)\n"
    )


def test_keys_off_is_one_line_saying_what_to_set(aws_env, capsys):
    deploy_api_stack(keys_on=False)
    assert main(["list"]) == 1
    err = capsys.readouterr().err
    assert "API keys are off" in err and '"api_keys": true' in err and "make deploy" in err
    assert err.count("\n") == 1


def test_runs_as_a_module_without_a_traceback(aws_env):
    deploy_api_stack(keys_on=False)
    result = subprocess.run(
        [sys.executable, "-m", "scripts.api_keys", "list"],
        cwd=REPO_ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1
    assert "API keys are off" in result.stderr and "Traceback" not in result.stderr


def test_no_action_shows_the_usage(capsys):
    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code == 2
    assert "add NAME|list|revoke NAME" in capsys.readouterr().err
