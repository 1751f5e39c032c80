"""What the deployed API promises, in plain Python: read by the API stack and by the local server alike."""

from __future__ import annotations

import importlib.util
from functools import cache
from types import ModuleType

from stacks.names import ENDPOINT_START_MINUTES
from stacks.settings import LAMBDA_SOURCE, Settings

# Deliberately free of CDK imports: the local server must not start jsii's Node.js process.

OPENAPI_DOCUMENT = LAMBDA_SOURCE / "openapi.json"
STAGE_NAME = "prod"

# Every route the API serves, all by the one translate Lambda (proxy integration).
ROUTES: dict[str, frozenset[str]] = {
    "/": frozenset({"GET"}),
    "/translate": frozenset({"POST"}),
    "/languages": frozenset({"GET"}),
    "/detect": frozenset({"POST"}),
    # LibreTranslate's web page and clients read its settings first; suggestions and files are refused its way.
    "/frontend/settings": frozenset({"GET"}),
    "/suggest": frozenset({"POST"}),
    "/translate_file": frozenset({"POST"}),
    # DeepL API v2 (its official libraries take a server_url).
    "/v2/translate": frozenset({"POST"}),
    "/v2/languages": frozenset({"GET", "POST"}),
    "/v2/usage": frozenset({"GET", "POST"}),
    # Empty lists: clients that sync glossaries (Weblate) learn there are none and translate without.
    "/v2/glossary-language-pairs": frozenset({"GET"}),
    "/v2/glossaries": frozenset({"GET"}),
}
# API Gateway validates bodies of this Content-Type (and bodies without one); others pass through to the Lambda.
REQUEST_MODEL_CONTENT_TYPE = "application/json"
# Routes whose JSON body API Gateway checks against the OpenAPI document's TranslateRequest schema: none. Clients of
# LibreTranslate send their fields in the query string of a POST with an empty body (or {}), which a body model
# refuses; the Lambda checks every body itself and answers in the client's own error shape, which the gateway can't.
VALIDATED_BODIES: frozenset[tuple[str, str]] = frozenset()

CORS_ALLOW_HEADERS = ("Content-Type", "Accept", "Authorization", "X-Amz-Date", "X-Api-Key", "X-Amz-Security-Token")
CORS_ALLOW_METHODS = ("GET", "POST", "OPTIONS")
CORS_EXPOSE_HEADERS = ("Retry-After", "X-Service-State")
CORS_MAX_AGE_SECONDS = 3600
# API Gateway hands these bodies to the Lambda base64-encoded, byte for byte (LibreTranslate clients send forms).
BINARY_MEDIA_TYPES = ("multipart/form-data",)

INVALID_BODY_MESSAGE = (
    'Invalid request body: send JSON such as {"text": "English text"}, {"texts": ["...", "..."]} '
    'or {"sentences": [{"query": "..."}]}'
)
THROTTLED_MESSAGE = "Too many requests: slow down and retry after a second"
# The Retry-After (seconds) of the stage's throttled answer: the deployed gateway response and the local gateway.
THROTTLED_RETRY_AFTER_SECONDS = 1

# API Gateway gives up on a REST integration after 29 s; the Lambda must answer (with a 504) before that. The front
# end plans its endpoint calls against the time the function has left (translator/plan.py), so every read timeout
# follows from this one number.
LAMBDA_TIMEOUT_SECONDS = 27
# API Gateway's REST payload limit (the Lambda refuses smaller bodies itself: translator/limits.py).
GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024


def gateway_error_body(message: str) -> dict[str, str]:
    """API Gateway's own error body: "message" for our clients, "error" for LibreTranslate's."""
    return {"message": message, "error": message}


@cache
def _front_end_errors() -> ModuleType:
    """The front end's errors module, loaded from its file (it imports nothing): the stacks don't import its package."""
    spec = importlib.util.spec_from_file_location("_translate_errors", LAMBDA_SOURCE / "translator" / "errors.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The metric the function publishes for each paused or starting answer (a 503 that is no failure).
PAUSED_ANSWERS_METRIC: str = _front_end_errors().PAUSED_ANSWERS_METRIC

POWERTOOLS_SERVICE_NAME = "translate"
METRICS_NAMESPACE = "Seq2SeqTranslate"


def lambda_environment(
    settings: Settings,
    *,
    endpoint_name: str,
    model_bucket: str,
    source_vocabulary_key: str,
    log_level: str = "INFO",
    api_keys_secret: str | None = None,
    usage_table: str | None = None,
    control_function: str | None = None,
) -> dict[str, str]:
    """The translate function's environment: the stack deploys it, the local server and the benchmarks run with it.

    api_keys_secret: the secret holding the API keys (setting api_keys; unset: no key needed). usage_table: the table
    counting characters per key and month (unset: counted in memory, as the local server does). control_function: the
    function that resumes a paused endpoint (setting wake_on_request; unset: a paused service only says so).
    """
    optional = {
        "API_KEYS_SECRET": api_keys_secret,
        "USAGE_TABLE": usage_table,
        "ENDPOINT_CONTROL_FUNCTION": control_function,
    }
    return {
        "ENDPOINT_NAME": endpoint_name,
        "CORS_ORIGINS": ",".join(settings.cors_origins),
        "MODEL_BUCKET": model_bucket,
        # The staged source vocabulary (stacks/names.py names the file); the front end truecases with it.
        "SOURCE_VOCABULARY_KEY": source_vocabulary_key,
        # The model's speed as calibrated (unset ones: the front end's defaults); the plan of each request reads it.
        **settings.model_speed_environment(),
        "POWERTOOLS_SERVICE_NAME": POWERTOOLS_SERVICE_NAME,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        "POWERTOOLS_LOG_LEVEL": log_level,
        # How long a paused endpoint takes to start again: the paused and waking answers' Retry-After.
        "ENDPOINT_START_SECONDS": str(ENDPOINT_START_MINUTES * 60),
        **{name: value for name, value in optional.items() if value},
    }


def gateway_cors_headers(origins: tuple[str, ...], request_origin: str | None = None) -> dict[str, str]:
    """CORS headers on API Gateway's own responses (errors, throttling), as plain values.

    With several allowed origins one static value can't list them all; gateway errors carry no user data, so the
    caller's Origin is echoed (request_origin; None stands for API Gateway's method.request.header.origin).
    """
    if origins == ("*",):
        allow_origin = "*"
    elif len(origins) == 1:
        allow_origin = origins[0]
    else:
        allow_origin = request_origin if request_origin is not None else ECHO_ORIGIN
    return {
        "Access-Control-Allow-Origin": allow_origin,
        "Access-Control-Allow-Headers": ",".join(CORS_ALLOW_HEADERS),
        "Access-Control-Allow-Methods": ",".join(CORS_ALLOW_METHODS),
        "Access-Control-Expose-Headers": ",".join(CORS_EXPOSE_HEADERS),
        "Vary": "Origin",
    }


# API Gateway's mapping expression for the caller's Origin header.
ECHO_ORIGIN = "method.request.header.origin"
