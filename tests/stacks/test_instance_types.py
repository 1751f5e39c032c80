"""stacks/instance_types.py: quota codes and prices per instance type, and the cost line users read."""

from __future__ import annotations

from stacks.instance_types import cost_reminder, endpoint_quota_code, endpoint_quota_name


def test_quota_codes_and_names_of_the_usual_types():
    assert endpoint_quota_code("ml.m4.xlarge") == "L-97CF11BE"
    assert endpoint_quota_code("ml.m5.xlarge") == "L-2F737F8D"
    assert endpoint_quota_code("ml.c5.xlarge") is None
    assert endpoint_quota_name("ml.c5.xlarge") == "ml.c5.xlarge for endpoint usage"


def test_the_default_type_has_a_price_and_a_scaled_fleet_shows_its_ceiling():
    line = cost_reminder("ml.m4.xlarge", 1, 3, "us-east-1")
    assert line.startswith("The endpoint runs 1 x ml.m4.xlarge (up to 3 when scaled out): about 0.28 USD per hour")
    assert ", up to 0.84" in line and line.endswith("Run `make destroy` when you are done.")


def test_other_regions_and_types_point_to_the_pricing_page():
    assert "(prices in eu-west-1 differ: see the SageMaker pricing page)" in cost_reminder(
        "ml.m4.xlarge", 1, 1, "eu-west-1"
    )
    assert "see the SageMaker pricing page for ml.m5.xlarge in us-east-1" in cost_reminder(
        "ml.m5.xlarge", 1, 1, "us-east-1"
    )
