"""scripts/aws/session.py: the region as the CDK CLI resolves it (AWS_REGION, AWS_DEFAULT_REGION, the profile's)."""

from __future__ import annotations

import pytest

from scripts.aws.session import SessionError, aws_session, region_environment, resolve_region
from tests.fixtures.moto_server import REGION_CASES, set_region


@pytest.mark.parametrize("case", REGION_CASES)
def test_the_session_has_the_region_the_cdk_cli_would_use(case, monkeypatch, tmp_path):
    expected = set_region(case, monkeypatch, tmp_path)
    assert aws_session().region_name == expected


def test_no_region_anywhere_is_none(monkeypatch, tmp_path):
    set_region("profile alone", monkeypatch, tmp_path)
    (tmp_path / "aws-config").write_text("[default]\n")
    assert aws_session().region_name is None


def test_the_sessions_clients_use_that_region(monkeypatch, tmp_path):
    expected = set_region("AWS_REGION alone", monkeypatch, tmp_path)
    assert aws_session().client("s3").meta.region_name == expected


def test_a_named_profile_with_its_own_region(monkeypatch, tmp_path):
    set_region("profile alone", monkeypatch, tmp_path)
    (tmp_path / "aws-config").write_text("[default]\nregion = us-west-1\n[profile work]\nregion = sa-east-1\n")
    monkeypatch.setenv("AWS_PROFILE", "work")
    assert aws_session().region_name == "sa-east-1"


def test_an_unknown_profile_is_a_session_error_naming_what_to_check(monkeypatch, tmp_path):
    set_region("AWS_REGION alone", monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    with pytest.raises(SessionError, match="check AWS_PROFILE"):
        aws_session()


def test_resolve_region_order_and_blank_values():
    assert resolve_region({"AWS_REGION": "a", "AWS_DEFAULT_REGION": "b"}, "c") == "a"
    assert resolve_region({"AWS_REGION": " ", "AWS_DEFAULT_REGION": "b"}, "c") == "b"
    assert resolve_region({}, "c") == "c"
    assert resolve_region({}, None) is None


def test_the_child_environment_names_the_region_both_ways():
    assert region_environment("eu-west-1") == {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1"}
