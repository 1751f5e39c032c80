"""stacks/cloudformation_response.py: the PUT a custom resource owes CloudFormation, against a server on 127.0.0.1."""

from stacks.cloudformation_response import MAX_REASON, respond


def event(url, **extra):
    return {"ResponseURL": url, "StackId": "stack-1", "RequestId": "request-1", "LogicalResourceId": "Staged", **extra}


def test_success_is_put_with_the_events_ids_and_the_data(cloudformation):
    url, received = cloudformation
    respond(event(url), "SUCCESS", reason="done", physical_id="new-id", data={"Version": "0123456789abcdef"})
    (body,) = received
    ((method, path, headers),) = received.requests
    assert (method, path) == ("PUT", "/signed?X-Amz-Signature=abc")
    # The URL is signed without a Content-Type: sending one would break the signature.
    assert headers.get("Content-Type", "") == ""
    assert body == {
        "Status": "SUCCESS",
        "Reason": "done",
        "PhysicalResourceId": "new-id",
        "StackId": "stack-1",
        "RequestId": "request-1",
        "LogicalResourceId": "Staged",
        "Data": {"Version": "0123456789abcdef"},
    }


def test_an_update_keeps_the_physical_id_cloudformation_gave(cloudformation):
    url, received = cloudformation
    respond(event(url, PhysicalResourceId="old-id"), "FAILED", reason="no", physical_id="new-id")
    (body,) = received
    assert body["PhysicalResourceId"] == "old-id"
    assert body["Status"] == "FAILED" and body["Data"] == {}


def test_a_long_reason_is_cut_to_what_cloudformation_accepts(cloudformation):
    url, received = cloudformation
    respond(event(url), "FAILED", reason="x" * (MAX_REASON * 3), physical_id="id")
    (body,) = received
    ((_, _, headers),) = received.requests
    assert body["Reason"] == "x" * MAX_REASON
    assert int(headers["Content-Length"]) < 4096
