"""Shared pytest set-up: every module in tests/fixtures/ is a fixture plugin."""

from pathlib import Path

import pytest

from stacks.quiet_jsii import quiet_jsii

# Tests import aws_cdk directly, not through app.py.
quiet_jsii()

pytest_plugins = sorted(
    f"tests.fixtures.{path.stem}"
    for path in (Path(__file__).parent / "fixtures").glob("*.py")
    if path.stem != "__init__"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first: the parallel workers (make test) take them at the start, not as the last test of the run."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
