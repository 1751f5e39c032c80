"""Shared pytest set-up: every module in tests/fixtures/ is a fixture plugin."""

from pathlib import Path

from stacks.quiet_jsii import quiet_jsii

# Tests import aws_cdk directly, not through app.py.
quiet_jsii()

pytest_plugins = sorted(
    f"tests.fixtures.{path.stem}"
    for path in (Path(__file__).parent / "fixtures").glob("*.py")
    if path.stem != "__init__"
)
