"""The request limits against the deployed API's own: the function answers before API Gateway gives up."""

from __future__ import annotations

from translator.limits import GATEWAY_TIMEOUT_SECONDS
from translator.plan import GATEWAY_UNMEASURED_SECONDS

from stacks.api_contract import LAMBDA_TIMEOUT_SECONDS


def test_the_functions_timeout_ends_before_api_gateways() -> None:
    assert LAMBDA_TIMEOUT_SECONDS + GATEWAY_UNMEASURED_SECONDS <= GATEWAY_TIMEOUT_SECONDS
