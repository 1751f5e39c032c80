"""Powertools' REST API resolver and what goes with it, without the event handler package's other resolvers."""

from __future__ import annotations

from translator.lean_import import without_package_init

# aws_lambda_powertools.event_handler's __init__ imports every resolver (AppSync's brings asyncio, Bedrock's,
# VPC Lattice's...), and utilities.data_classes' every event class of every AWS service; the REST resolver lives in
# api_gateway and needs the few event classes below.
_EVENT_CLASSES = {
    "ALBEvent": "alb_event",
    "APIGatewayProxyEvent": "api_gateway_proxy_event",
    "APIGatewayProxyEventV2": "api_gateway_proxy_event",
    "BedrockAgentEvent": "bedrock_agent_event",
    "LambdaFunctionUrlEvent": "lambda_function_url_event",
    "VPCLatticeEvent": "vpc_lattice",
    "VPCLatticeEventV2": "vpc_lattice",
}
with (
    without_package_init("aws_lambda_powertools.event_handler"),
    without_package_init("aws_lambda_powertools.utilities.data_classes", _EVENT_CLASSES),
):
    from aws_lambda_powertools.event_handler import content_types
    from aws_lambda_powertools.event_handler.api_gateway import (
        APIGatewayRestResolver,
        CORSConfig,
        Response,
    )
    from aws_lambda_powertools.event_handler.exceptions import NotFoundError

__all__ = ["APIGatewayRestResolver", "CORSConfig", "NotFoundError", "Response", "content_types"]
