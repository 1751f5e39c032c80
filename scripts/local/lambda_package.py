"""The Lambda's asset root, importable here as on Lambda: its code imports `translator` and `handler` top-level.

On Lambda, lambda/translate/ is the package root (/var/task); run from this repo, that folder is not on sys.path.
Importing this module puts it there, once, for the local server, the benchmarks and anything under scripts/local/.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

from stacks.api_contract import LAMBDA_SOURCE

LAMBDA_ROOT = LAMBDA_SOURCE
LambdaHandler = Callable[[dict[str, Any], Any], Any]

if str(LAMBDA_ROOT) not in sys.path:
    sys.path.insert(0, str(LAMBDA_ROOT))


class HandlerImportError(RuntimeError):
    """The Lambda's handler cannot be imported; the message says what to install."""


def apply_environment(values: Mapping[str, str | None]) -> None:
    """Set (or, for None, remove) environment variables for the handler, which reads them when imported."""
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def load_handler(environment: Mapping[str, str | None]) -> LambdaHandler:
    """handler.handler, imported (again, if it was) after the environment it runs with is set, as at a cold start."""
    apply_environment(environment)
    try:
        module = (
            importlib.reload(sys.modules["handler"]) if "handler" in sys.modules else importlib.import_module("handler")
        )
    except ImportError as error:
        raise HandlerImportError(
            f"cannot import the Lambda handler from {LAMBDA_ROOT.name}/ ({error}); run `make setup-dev`"
        ) from None
    return module.handler
