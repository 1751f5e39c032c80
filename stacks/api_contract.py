"""What the deployed API promises, in plain Python: read by the API stack and by the local server alike."""

from __future__ import annotations

from pathlib import Path

# Deliberately free of CDK imports: the local server must not start jsii's Node.js process.

LAMBDA_SOURCE = Path(__file__).resolve().parent.parent / "lambda" / "translate"
OPENAPI_DOCUMENT = LAMBDA_SOURCE / "openapi.json"
STAGE_NAME = "prod"

# Every route the API serves, all by the one translate Lambda (proxy integration).
ROUTES: dict[str, frozenset[str]] = {
    "/": frozenset({"GET"}),
    "/translate": frozenset({"POST"}),
    "/languages": frozenset({"GET"}),
    "/detect": frozenset({"POST"}),
}
# API Gateway validates bodies of this Content-Type (and bodies without one); others pass through to the Lambda.
REQUEST_MODEL_CONTENT_TYPE = "application/json"
# Routes whose JSON body API Gateway checks against the OpenAPI document's TranslateRequest schema.
VALIDATED_BODIES = frozenset({("POST", "/translate")})

CORS_ALLOW_HEADERS = ("Content-Type", "Accept", "Authorization", "X-Amz-Date", "X-Api-Key", "X-Amz-Security-Token")
CORS_ALLOW_METHODS = ("GET", "POST", "OPTIONS")
CORS_EXPOSE_HEADERS = ("Retry-After",)
CORS_MAX_AGE_SECONDS = 3600
# API Gateway hands these bodies to the Lambda base64-encoded, byte for byte (LibreTranslate clients send forms).
BINARY_MEDIA_TYPES = ("multipart/form-data",)

INVALID_BODY_MESSAGE = (
    'Invalid request body: send JSON such as {"text": "English text"}, {"texts": ["...", "..."]} '
    'or {"sentences": [{"query": "..."}]}'
)
THROTTLED_MESSAGE = "Too many requests: slow down and retry after a second"

# API Gateway gives up on a REST integration after 29 s; the Lambda must answer (with a 504) before that,
# and the endpoint client's worst case (2 attempts of 2 s connect + 9 s read, plus backoff) after a cold start's
# vocabulary read (one 3 s attempt) must fit inside it.
LAMBDA_TIMEOUT_SECONDS = 27
# How long the Lambda waits for the endpoint's answer before it gives up with a 504 (ENDPOINT_READ_TIMEOUT_SECONDS in
# its environment); the model latency alarm fires below it, before users see those 504s.
ENDPOINT_READ_TIMEOUT_SECONDS = 9
# API Gateway's REST payload limit.
MAX_BODY_BYTES = 10 * 1024 * 1024


def gateway_error_body(message: str) -> dict[str, str]:
    """API Gateway's own error body: "message" for our clients, "error" for LibreTranslate's."""
    return {"message": message, "error": message}
