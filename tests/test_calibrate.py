"""python -m scripts.calibrate against the local sagemaker-runtime: figures, settings, and its refusals."""

from __future__ import annotations

import pytest
from translator.model_speed import DEFAULT

from scripts import calibrate
from scripts.local.container_stand_in import ContainerStandIn
from scripts.local.runtime_server import DEFAULT_ENDPOINT, RuntimeServer
from tests.fixtures.moto_server import REGION_CASES, set_region


@pytest.fixture
def offline_aws(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))


def test_prints_the_figures_and_the_settings(offline_aws, monkeypatch, capsys) -> None:
    # The stand-in at a twentieth of the model's time: this is about the command, not the fit.
    with ContainerStandIn(speed=DEFAULT.scaled(0.05)) as container, RuntimeServer(container.url) as runtime:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", runtime.url)
        assert calibrate.main(["--endpoint-name", DEFAULT_ENDPOINT, "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "100 sentences of 21 tokens in one call" in out and "4 calls at once" in out
    assert "-c model_step_ms=" in out and "-c model_concurrent_calls=1" in out


def test_a_missing_endpoint_is_one_line(offline_aws, monkeypatch, capsys) -> None:
    with ContainerStandIn(speed=DEFAULT.scaled(0)) as container, RuntimeServer(container.url) as runtime:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", runtime.url)
        assert calibrate.main(["--endpoint-name", "not-there"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: endpoint not-there failed") and err.count("\n") == 1


@pytest.mark.parametrize("case", REGION_CASES)
def test_measures_in_the_region_the_cdk_cli_would_use(offline_aws, monkeypatch, tmp_path, capsys, case) -> None:
    region = set_region(case, monkeypatch, tmp_path)
    with ContainerStandIn(speed=DEFAULT.scaled(0)) as container, RuntimeServer(container.url) as runtime:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", runtime.url)
        assert calibrate.main(["--endpoint-name", DEFAULT_ENDPOINT, "--repeat", "1"]) == 0
    assert f"measuring endpoint {DEFAULT_ENDPOINT} in {region} " in capsys.readouterr().out


@pytest.mark.parametrize("endpoint_args", [["--endpoint-name", DEFAULT_ENDPOINT], []], ids=["named", "from-stack"])
def test_no_region_is_one_line_not_a_traceback(offline_aws, monkeypatch, tmp_path, capsys, endpoint_args) -> None:
    set_region("AWS_REGION alone", monkeypatch, tmp_path)
    monkeypatch.delenv("AWS_REGION")
    assert calibrate.main(endpoint_args) == 2
    assert capsys.readouterr().err == (
        "error: no AWS region configured: set AWS_REGION (or AWS_DEFAULT_REGION, or a profile's region)\n"
    )
