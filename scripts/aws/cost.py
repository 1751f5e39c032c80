"""What the endpoint costs per hour, day and month, from the prices in stacks/instance_types.py."""

from __future__ import annotations

from dataclasses import dataclass

from stacks.instance_types import HOURLY_USD, PRICE_REGION

HOURS_PER_DAY = 24
# AWS's pricing pages count a month as 730 hours (365 days x 24 hours / 12).
HOURS_PER_MONTH = 730


@dataclass(frozen=True)
class Cost:
    """An hourly price and the day and month it adds up to, in USD."""

    hourly: float

    @property
    def daily(self) -> float:
        return self.hourly * HOURS_PER_DAY

    @property
    def monthly(self) -> float:
        return self.hourly * HOURS_PER_MONTH

    def describe(self) -> str:
        return f"{self.hourly:.2f} USD per hour, {self.daily:.2f} per day, {self.monthly:.2f} per month"


def endpoint_cost(instance_type: str | None, count: int) -> Cost | None:
    """What count instances of instance_type cost (0 for none); None when the project knows no price for the type."""
    if count == 0:
        return Cost(0.0)
    price = HOURLY_USD.get(instance_type or "")
    return None if price is None else Cost(price * count)


def price_note(instance_type: str | None, region: str) -> str:
    """Where the price comes from, and what to check when it can't be the region's own."""
    if instance_type not in HOURLY_USD:
        return f"see the SageMaker pricing page for {instance_type or 'the instance type'} in {region}"
    if region != PRICE_REGION:
        return f"{PRICE_REGION} prices; {region} differs: see the SageMaker pricing page"
    return f"on-demand prices in {PRICE_REGION}"


def cost_text(instance_type: str | None, count: int, region: str) -> str:
    """What the endpoint costs per hour, day and month, and where the price comes from."""
    cost = endpoint_cost(instance_type, count)
    if cost is None:
        return f"unknown ({price_note(instance_type, region)})"
    if cost.hourly == 0:
        return "0 USD per hour (no instance runs)"
    return f"about {cost.describe()} ({price_note(instance_type, region)})"


def cost_line(instance_type: str | None, count: int, region: str) -> str:
    """The cost as make status shows it: 'cost: ...'."""
    return f"cost: {cost_text(instance_type, count, region)}"


def auto_pause_example(instance_type: str, count: int, idle_minutes: int, hours_used_per_day: float) -> str | None:
    """What a month costs with auto-pause when the service is used hours_used_per_day (plus the idle wait each day)."""
    cost = endpoint_cost(instance_type, count)
    if cost is None:
        return None
    running = min(HOURS_PER_DAY, hours_used_per_day + idle_minutes / 60)
    monthly = cost.hourly * running * HOURS_PER_MONTH / HOURS_PER_DAY
    return (
        f"with auto-pause after {idle_minutes} idle minutes and {hours_used_per_day:g} hours of use a day, "
        f"about {monthly:.2f} USD per month (the endpoint runs about {running:.1f} hours a day)"
    )
