"""jsii's Node.js runtime prints a large end-of-life banner on Node 20 unless told not to: the one place that says how.

Call quiet_jsii() before the first aws_cdk import of a process (jsii starts as that process's child, inheriting its
environment): the CDK app, the test session and the benchmarks do.
"""

from __future__ import annotations

import os

QUIET_JSII = {
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
}


def quiet_jsii() -> None:
    """Silence the banner in this process and its children, unless the user set the variables otherwise."""
    for name, value in QUIET_JSII.items():
        os.environ.setdefault(name, value)
