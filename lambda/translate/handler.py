"""Lambda entry point: the translation API's routes on a Powertools resolver; the work is in translator/.

The resolver is built at import with CORS from CORS_ORIGINS, as Lambda imports once per cold start; tests that
change CORS_ORIGINS reload this module (tests/fixtures/sagemaker_local.py, fixture translate_handler).
"""

from __future__ import annotations

# First: it notes when the init began, before the heavy imports below (API Gateway's clock runs through them).
from translator.cold_start import COLD_START  # isort: skip

import os
from functools import partial

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from translator import routes, service, telemetry, web_page
from translator.cors import cors_config
from translator.dialects import Reply
from translator.plan import Deadline
from translator.rest_resolver import APIGatewayRestResolver, NotFoundError, Response, content_types

logger = Logger()
# Powertools reads the namespace from POWERTOOLS_METRICS_NAMESPACE (stacks/api_contract.py lambda_environment).
metrics = Metrics()
app = APIGatewayRestResolver(cors=cors_config(os.environ.get("CORS_ORIGINS")), debug=False)


def _respond(reply: Reply) -> Response:
    """The resolver's answer for a route's reply; refusals are logged by their class."""
    if reply.error is not None:
        telemetry.refused(reply.error, logger, metrics)
    return Response(reply.status, content_types.APPLICATION_JSON, reply.body, reply.headers or None)


def _translate(route: str) -> Response:
    # The model's calls are planned against the time this invocation has left (handler() set it on arrival).
    translate_texts = partial(service.translate_texts, deadline=app.context["deadline"])
    translate_for = partial(telemetry.observed, logger=logger, metrics=metrics, translate=translate_texts)
    return _respond(routes.translate(routes.Incoming.of(app.current_event), translate_for, route))


@app.post("/translate")
def translate() -> Response:
    return _translate("/translate")


@app.post("/v2/translate")
def deepl_translate() -> Response:
    return _translate("/v2/translate")


@app.route("/v2/languages", method=["GET", "POST"])
def deepl_languages() -> Response:
    return _respond(routes.deepl_languages(routes.Incoming.of(app.current_event)))


@app.route("/v2/usage", method=["GET", "POST"])
def deepl_usage() -> Response:
    return _respond(routes.deepl_usage(routes.Incoming.of(app.current_event)))


@app.get("/v2/glossary-language-pairs")
def deepl_glossary_pairs() -> Response:
    return _respond(routes.deepl_glossaries(routes.Incoming.of(app.current_event), "/v2/glossary-language-pairs"))


@app.get("/v2/glossaries")
def deepl_glossaries() -> Response:
    return _respond(routes.deepl_glossaries(routes.Incoming.of(app.current_event), "/v2/glossaries"))


@app.get("/frontend/settings")
def frontend_settings() -> Response:
    return _respond(routes.frontend_settings())


@app.post("/suggest")
def suggest() -> Response:
    return _respond(routes.disabled("suggest"))


@app.post("/translate_file")
def translate_file() -> Response:
    return _respond(routes.disabled("translate_file"))


@app.get("/languages")
def languages() -> Response:
    return _respond(routes.languages())


@app.post("/detect")
def detect() -> Response:
    return _respond(routes.detect(routes.Incoming.of(app.current_event)))


@app.get("/")
def page() -> Response:
    return Response(200, web_page.CONTENT_TYPE, web_page.page_html())


@app.not_found
def not_found(_: NotFoundError) -> Response:
    return _respond(routes.not_found(app.current_event.http_method, app.current_event.path))


@app.exception_handler(Exception)
def unexpected(error: Exception) -> Response:
    logger.exception("unexpected error")
    return _respond(routes.internal_error(app.lambda_context.aws_request_id))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict, context: LambdaContext) -> dict:
    """Lambda entry point (API Gateway REST proxy integration)."""
    # A cold start's first request has API Gateway's 29 s less the init that came before it.
    app.append_context(deadline=Deadline.of(context, init_seconds=COLD_START.take_init_seconds()))
    try:
        return app.resolve(event, context)
    finally:
        # Flush only when a route recorded something: the page and refused bodies have no metrics to publish.
        if metrics.metric_set:
            metrics.flush_metrics()


COLD_START.init_done()
