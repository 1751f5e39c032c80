"""Shared pytest set-up: every module in tests/fixtures/ is a fixture plugin."""

import os
from pathlib import Path

# jsii prints a large banner on Node 20; the Makefile sets the same for the CLI.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

pytest_plugins = sorted(
    f"tests.fixtures.{path.stem}"
    for path in (Path(__file__).parent / "fixtures").glob("*.py")
    if path.stem != "__init__"
)
