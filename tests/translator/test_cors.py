"""CORS of the Lambda's own answers: the configured origins, and the headers a browser may read."""

from __future__ import annotations

import pytest
from translator.cors import EXPOSE_HEADERS, cors_config

from stacks.api_contract import CORS_EXPOSE_HEADERS


def test_each_configured_origin_is_allowed_and_no_other() -> None:
    config = cors_config(" https://a.example , https://b.example ,")
    for origin in ("https://a.example", "https://b.example"):
        assert config.to_dict(origin)["Access-Control-Allow-Origin"] == origin
    assert config.to_dict("https://evil.example") == {}


@pytest.mark.parametrize("origins", [None, "", " , ", "*"])
def test_no_origins_or_empty_ones_allow_any(origins) -> None:
    # Powertools answers "*" by echoing the caller's origin.
    assert cors_config(origins).to_dict("https://any.example")["Access-Control-Allow-Origin"] == "https://any.example"


def test_the_lambda_exposes_what_the_gateways_own_answers_expose() -> None:
    # The Lambda package can't import stacks/: the two lists are compared here.
    assert EXPOSE_HEADERS == list(CORS_EXPOSE_HEADERS)
    assert "Retry-After" in cors_config("*").expose_headers
