"""Lambda entry point: routes of the translation API (Powertools resolver), CORS, logs, metrics and error mapping."""

from __future__ import annotations

import binascii
import os
import time
from collections.abc import Collection
from functools import cache
from http import HTTPStatus
from pathlib import Path

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from translator import libretranslate, payload, service
from translator.errors import BadRequest, EndpointThrottled, TooLarge, TranslateError
from translator.forms import read_fields

logger = Logger()
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Seq2SeqTranslate"))
PAGE = Path(__file__).parent / "static" / "index.html"
PLACEHOLDER_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Translate</title>"
    '<p>The translation API is up: POST JSON {"text": "Hello"} to ./translate.</p></html>'
)


def cors_from_env() -> CORSConfig:
    """CORS for the origins in CORS_ORIGINS (comma-separated, or "*"), on every response including errors."""
    origins = [origin.strip() for origin in os.environ.get("CORS_ORIGINS", "*").split(",") if origin.strip()] or ["*"]
    return CORSConfig(allow_origin=origins[0], extra_origins=origins[1:], expose_headers=["Retry-After"], max_age=600)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
ROUTES = "POST /translate, GET /languages, POST /detect and GET /"


def error_response(
    status: int, message: str, retry_after: int | None = None, *, key: str | None = "message"
) -> Response:
    """A JSON error {"message": ...} (LibreTranslate routes: {"error": ...}) with Retry-After when the client should come back later.

    With key None (the request's contract is not known yet: a 404, a body too large to read), both keys, as API
    Gateway's own errors carry them, so that either kind of client reads the message.
    """
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    body = {key: message} if key else {"message": message, "error": message}
    return Response(status_code=int(status), content_type=content_types.APPLICATION_JSON, body=body, headers=headers)


def libre_status(error: TranslateError) -> int:
    """LibreTranslate's status for an error: 429 when throttled, 400 for anything the client sent wrong."""
    if isinstance(error, EndpointThrottled):
        return HTTPStatus.TOO_MANY_REQUESTS
    return HTTPStatus.BAD_REQUEST if isinstance(error, TooLarge) else error.status


def build_app(cors: CORSConfig) -> APIGatewayRestResolver:
    """The resolver with every route and error handler; CORS comes from the caller."""
    app = APIGatewayRestResolver(cors=cors, debug=False)

    def translate_logged(texts: list[str], shape: str, continuing: Collection[int] = ()) -> service.Result:
        started = time.perf_counter()
        result = service.translate_texts(texts, continuing=continuing)
        logger.info(
            "translated",
            extra={
                "shape": shape,
                "texts": len(texts),
                "characters": sum(map(len, texts)),
                "sentences": result.sentences,
                "segments": result.segments,
                "endpoint_calls": result.endpoint_calls,
                "endpoint_ms": round(result.endpoint_ms, 1),
                "total_ms": round((time.perf_counter() - started) * 1000, 1),
                "unknown_words": result.unknown_words,
            },
        )
        metrics.add_metric(name="Sentences", unit=MetricUnit.Count, value=result.sentences)
        metrics.add_metric(name="EndpointLatency", unit=MetricUnit.Milliseconds, value=result.endpoint_ms)
        return result

    def libre_fields() -> dict[str, object]:
        app.append_context(error_key="error")
        body = request_body(app)
        if body is not None and len(body.encode("utf-8", "surrogatepass")) > payload.MAX_BODY_BYTES:
            raise TooLarge(f"the request body is over {payload.MAX_BODY_BYTES} bytes")
        return read_fields(body, app.current_event.headers.get("content-type"))

    @app.post("/translate")
    def translate() -> dict:
        content_type = (app.current_event.headers.get("content-type") or "").split(";")[0].strip().lower()
        is_form = content_type in FORM_TYPES
        document = None if is_form else payload.parse_json_body(request_body(app))
        if is_form or (isinstance(document, dict) and "q" in document):
            # A JSON body is parsed already; only a form still needs reading.
            fields = libre_fields() if is_form else document
            app.append_context(error_key="error")
            request = libretranslate.parse_request(fields)
            shape = f"libretranslate-{request.format}"
            return libretranslate.translate(
                request, lambda texts, continuing=(): translate_logged(texts, shape, continuing).translations
            )
        app.append_context(error_key="message")
        request = payload.parse_translate_request(document)
        result = translate_logged(request.texts, request.shape)
        return payload.response_body(request, result.translations, sentences=result.sentences)

    @app.get("/languages")
    def languages() -> list:
        app.append_context(error_key="error")
        return libretranslate.LANGUAGES

    @app.post("/detect")
    def detect() -> list:
        return libretranslate.detect(libre_fields())

    @app.get("/")
    def page() -> Response:
        return Response(status_code=200, content_type="text/html; charset=utf-8", body=page_html())

    @app.exception_handler(TranslateError)
    def translate_error(error: TranslateError) -> Response:
        # The class says why; the message may quote the user's text, which never goes to the logs.
        logger.info(
            "request refused" if error.status < 500 else "endpoint failed",
            extra={"status": error.status, "error": type(error).__name__},
        )
        if error.status >= 500:
            metrics.add_metric(name="EndpointErrors", unit=MetricUnit.Count, value=1)
        key = app.context.get("error_key")
        if key == "error":
            return error_response(libre_status(error), error.message, error.retry_after, key="error")
        return error_response(error.status, error.message, error.retry_after, key=key)

    @app.not_found
    def not_found(_: NotFoundError) -> Response:
        event = app.current_event
        return error_response(
            HTTPStatus.NOT_FOUND, f"no route {event.http_method} {event.path}; the API serves {ROUTES}", key=None
        )

    @app.exception_handler(Exception)
    def unexpected(error: Exception) -> Response:
        logger.exception("unexpected error")
        return error_response(
            HTTPStatus.INTERNAL_SERVER_ERROR,
            f"internal error; quote request id {app.lambda_context.aws_request_id}",
            key=app.context.get("error_key"),
        )

    return app


@cache
def page_html() -> str:
    """The web page, read once per cold start (the package is read-only)."""
    return PAGE.read_text(encoding="utf-8") if PAGE.is_file() else PLACEHOLDER_PAGE


def request_body(app: APIGatewayRestResolver) -> str | None:
    """The request body as text, base64-decoded when API Gateway encoded it."""
    try:
        return app.current_event.decoded_body
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadRequest("the request body is marked base64-encoded but is not valid base64 of UTF-8 text") from None


@cache
def _app() -> APIGatewayRestResolver:
    return build_app(cors_from_env())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict, context: LambdaContext) -> dict:
    """Lambda entry point (API Gateway REST proxy integration)."""
    try:
        return _app().resolve(event, context)
    finally:
        # Flush only when a route recorded something: the page and refused bodies have no metrics to publish.
        if metrics.metric_set:
            metrics.flush_metrics()
