"""scripts/translate.py as a user runs it, against the local API with the stand-in model (and moto for the stack lookup)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from typing import Any

import boto3
import pytest

from scripts.local.container_stand_in import STAND_IN_NOTICE
from tests.fixtures.local_api import REPO_ROOT, LocalApiProcess, clean_env

# The command as users and the Makefile run it: a module of the repo root.
TRANSLATE = ("-m", "scripts.translate")
EXAMPLE_URL = "https://abc123.execute-api.us-east-1.amazonaws.com/prod/translate"


def run(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, *TRANSLATE, *args], input=stdin, cwd=REPO_ROOT, env=env or clean_env(), capture_output=True,
                          text=True, encoding="utf-8", timeout=60)  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_arguments_are_translated_one_line_each(stand_in_api: LocalApiProcess) -> None:
    done = run("--url", stand_in_api.translate_url, "I love you, too.", "The cat is black.")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Ich liebe du, auch.\nDie Katze ist schwarz.\n"
    # The stand-in is named once, on stderr, so stdout stays pure German.
    assert done.stderr.count(STAND_IN_NOTICE) == 1


def test_stdin_lines_are_translated_line_by_line(stand_in_api: LocalApiProcess) -> None:
    done = run("--url", stand_in_api.translate_url, stdin="Good morning.\n\nThank you.\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Gut Morgen.\n\nDanke du.\n"


def test_empty_stdin_is_refused() -> None:
    done = run("--url", "http://127.0.0.1:9/translate")
    assert done.returncode == 2
    assert done.stderr.startswith("error: no text")


def test_http_errors_exit_non_zero_with_the_api_message(stand_in_api: LocalApiProcess) -> None:
    done = run("--url", stand_in_api.base_url + "nothing", "Hello.")
    assert done.returncode == 1
    assert done.stdout == ""
    assert (
        done.stderr.strip() == f"error: {stand_in_api.base_url}nothing answered HTTP 403: Missing Authentication Token"
    )


def test_endpoint_failure_exits_non_zero_with_one_line(stand_in_api: LocalApiProcess) -> None:
    stand_in_api.fail_next("ServiceUnavailable", count=5)
    done = run("--url", stand_in_api.translate_url, "Hello.")
    assert done.returncode == 1
    assert "answered HTTP 503: " in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_unreachable_url_is_explained() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port once the socket is closed.
    done = run("--url", f"http://127.0.0.1:{port}/translate", "Hello.")
    assert done.returncode == 1
    assert done.stderr.startswith(f"error: cannot reach http://127.0.0.1:{port}/translate")


def test_a_url_that_is_not_http_is_refused() -> None:
    done = run("--url", "ftp://example.com/translate", "Hello.")
    assert done.returncode == 2
    assert "--url 'ftp://example.com/translate' is not allowed" in done.stderr


MALFORMED_URLS = ["http://[::1", "http://127.0.0.1:abc/translate", "http://a..b/translate", "http://exa mple.com/t"]


@pytest.mark.parametrize("url", MALFORMED_URLS, ids=["open-bracket", "port-not-a-number", "empty-label", "space"])
def test_a_malformed_url_is_refused_in_one_line(url: str) -> None:
    done = run("--url", url, "Hello.")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"error: --url {url!r} is not allowed: give an http(s) URL such as {EXAMPLE_URL}"
    ]


def _moto_env(aws_env: Any, region_variable: str = "AWS_DEFAULT_REGION") -> dict[str, str]:
    return {**clean_env(), "AWS_ENDPOINT_URL": aws_env.url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            region_variable: "us-east-1"}  # fmt: skip


# AWS_REGION alone is how the README (and the CDK CLI) set the region; boto3 alone would not read it.
@pytest.mark.parametrize("region_variable", ["AWS_REGION", "AWS_DEFAULT_REGION"])
def test_url_comes_from_the_api_stack_output(aws_env: Any, stand_in_api: LocalApiProcess, region_variable: str) -> None:
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"TranslateUrl": {"Value": stand_in_api.translate_url}, "ApiUrl": {"Value": stand_in_api.base_url}},
    }
    boto3.client("cloudformation").create_stack(StackName="TranslateApi", TemplateBody=json.dumps(template))
    done = run("Hello.", env=_moto_env(aws_env, region_variable))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Hallo.\n"


def test_missing_stack_says_to_deploy_or_pass_url(aws_env: Any) -> None:
    done = run("Hello.", env=_moto_env(aws_env))
    assert done.returncode == 1
    assert "TranslateApi" in done.stderr and "--url" in done.stderr


@pytest.mark.parametrize("url", MALFORMED_URLS, ids=["open-bracket", "port-not-a-number", "empty-label", "space"])
def test_a_malformed_url_in_the_stack_output_is_one_line(aws_env: Any, url: str) -> None:
    # The stack output does not pass through --url's check: translate() must explain it on its own.
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}, "Outputs": {"TranslateUrl": {"Value": url}}}
    boto3.client("cloudformation").create_stack(StackName="TranslateApi", TemplateBody=json.dumps(template))
    done = run("Hello.", env=_moto_env(aws_env))
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"error: {url!r} is not a usable URL (")
    assert line.endswith(f"give an http(s) URL such as {EXAMPLE_URL}")
