"""What the project knows per SageMaker instance type: vCPUs, Service Quotas code and price (free of CDK imports)."""

from __future__ import annotations

# Service Quotas (service code sagemaker) codes of "<type> for endpoint usage"; other types are found by the quota's name.
ENDPOINT_QUOTA_CODES = {"ml.m4.xlarge": "L-97CF11BE", "ml.m5.xlarge": "L-2F737F8D"}
# On-demand real-time inference in us-east-1 (third-party price tables, 2026); other regions and types: the pricing page.
PRICE_REGION = "us-east-1"
HOURLY_USD = {"ml.m4.xlarge": 0.28}
# vCPUs per instance (SageMaker's instance type table): CloudWatch sums an endpoint's CPUUtilization over them, so a
# per-vCPU target becomes target x vCPUs (0-400 % on a 4-vCPU ml.m4.xlarge).
VCPUS = {
    "ml.m4.xlarge": 4,
    "ml.m4.2xlarge": 8,
    "ml.m4.4xlarge": 16,
    "ml.m5.large": 2,
    "ml.m5.xlarge": 4,
    "ml.m5.2xlarge": 8,
    "ml.m5.4xlarge": 16,
    "ml.c5.large": 2,
    "ml.c5.xlarge": 4,
    "ml.c5.2xlarge": 8,
    "ml.c5.4xlarge": 16,
    "ml.m6i.large": 2,
    "ml.m6i.xlarge": 4,
    "ml.m6i.2xlarge": 8,
    "ml.c6i.large": 2,
    "ml.c6i.xlarge": 4,
    "ml.c6i.2xlarge": 8,
}


def vcpus(instance_type: str) -> int | None:
    """How many vCPUs an instance type has, when known."""
    return VCPUS.get(instance_type)


def endpoint_quota_name(instance_type: str) -> str:
    """The Service Quotas name of an instance type's endpoint quota."""
    return f"{instance_type} for endpoint usage"


def endpoint_quota_code(instance_type: str) -> str | None:
    """The quota code of an instance type's endpoint quota, when known."""
    return ENDPOINT_QUOTA_CODES.get(instance_type)


def cost_reminder(instance_type: str, count: int, largest: int, region: str) -> str:
    """What the endpoint costs while it exists, and how to stop paying."""
    fleet = f"{count} x {instance_type}" + (f" (up to {largest} when scaled out)" if largest > count else "")
    price = HOURLY_USD.get(instance_type)
    if price is None:
        rate = f"see the SageMaker pricing page for {instance_type} in {region}"
    else:
        rate = f"about {price * count:.2f} USD per hour in {PRICE_REGION}" + (
            f", up to {price * largest:.2f}" if largest > count else ""
        )
        if region != PRICE_REGION:
            rate += f" (prices in {region} differ: see the SageMaker pricing page)"
    return (
        f"The endpoint runs {fleet}: {rate}, billed while the endpoint exists, serving or not. "
        "Run `make destroy` when you are done."
    )
