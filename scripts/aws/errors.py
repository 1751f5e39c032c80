"""What an AWS error says: its code, and one-line accounts of it for messages."""

from __future__ import annotations

import http.client

from botocore.exceptions import ClientError

# What S3 and its peers answer for an object, bucket or key that is not there (HeadObject has no body: only the status).
NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


def error_code(error: BaseException) -> str:
    """The service's error code (AccessDenied, ValidationError...) of a ClientError; '' for any other error."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "") or "")
    return ""


def error_message(error: BaseException) -> str:
    """The service's message of a ClientError; '' for any other error."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Message", "") or "")
    return ""


def describe_error(error: BaseException) -> str:
    """A one-line account of an AWS error: its code and message, without a traceback."""
    if isinstance(error, ClientError):
        return f"{error_code(error) or 'Error'}: {error_message(error) or error}"
    return str(error) or type(error).__name__


def s3_answer(error: BaseException) -> str:
    """What S3 said (status, code, message), as a short phrase for one-line messages."""
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
        code = error_code(error) or "?"
        message = error_message(error) or http.client.responses.get(int(status) if str(status).isdigit() else 0, "")
        return f"S3 answered {status} {code}" + (f" ({message})" if message and message != code else "")
    return f"S3 could not be reached ({error})"
