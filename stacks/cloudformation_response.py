"""The answer a Lambda-backed custom resource owes CloudFormation, PUT to the pre-signed ResponseURL (stdlib only).

Shared by the project's custom resource functions; each package carries this file beside its handler.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

RESPONSE_TIMEOUT_SECONDS = 10
# CloudFormation shows the reason in the stack's events; it refuses a response body over 4 KB.
MAX_REASON = 2000


def respond(
    event: dict[str, Any], status: str, *, reason: str, physical_id: str, data: dict[str, str] | None = None
) -> None:
    """Tell CloudFormation the outcome (SUCCESS or FAILED) of one custom resource event."""
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason[:MAX_REASON],
            "PhysicalResourceId": event.get("PhysicalResourceId") or physical_id,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": data or {},
        }
    ).encode()
    request = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=RESPONSE_TIMEOUT_SECONDS) as response:
        response.read()
