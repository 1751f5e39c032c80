"""Benchmarks of the front end, staging and synth, each figure next to its floor measured in the same run."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
