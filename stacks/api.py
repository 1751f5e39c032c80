"""The public front end: the translate Lambda behind a regional REST API, with its logs and alarms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.api_contract import (
    BINARY_MEDIA_TYPES,
    CORS_ALLOW_HEADERS,
    CORS_ALLOW_METHODS,
    CORS_EXPOSE_HEADERS,
    CORS_MAX_AGE_SECONDS,
    ECHO_ORIGIN,
    INVALID_BODY_MESSAGE,
    LAMBDA_SOURCE,
    LAMBDA_TIMEOUT_SECONDS,
    OPENAPI_DOCUMENT,
    REQUEST_MODEL_CONTENT_TYPE,
    ROUTES,
    STAGE_NAME,
    THROTTLED_MESSAGE,
    VALIDATED_BODIES,
    gateway_cors_headers,
    gateway_error_body,
    lambda_environment,
)
from stacks.log_groups import retention
from stacks.monitoring import Monitoring
from stacks.names import API_URL_OUTPUT, SOURCE_VOCABULARY_FILE, TRANSLATE_URL_OUTPUT, VOCABULARY_FILES
from stacks.python_bundling import python_code
from stacks.settings import Settings

LAMBDA_TIMEOUT = Duration.seconds(LAMBDA_TIMEOUT_SECONDS)
LAMBDA_MEMORY_MB = 1024


def translate_request_schema(document: Path = OPENAPI_DOCUMENT) -> dict[str, Any]:
    """The request body schema from the OpenAPI contract, as API Gateway's validator takes it (JSON Schema draft 4)."""
    schema = json.loads(document.read_text(encoding="utf-8"))["components"]["schemas"]["TranslateRequest"]
    return {"$schema": "http://json-schema.org/draft-04/schema#", **schema}


class ApiStack(Stack):
    """POST /translate (and the web page at GET /) on a throttled, logged, CORS-aware REST API."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        model_bucket: s3.IBucket,
        endpoint_name: str,
        endpoint_arn: str,
        variant_name: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        function_logs = logs.LogGroup(
            self,
            "TranslateFunctionLogs",
            retention=retention(settings.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )
        runtime = lambda_.Runtime.PYTHON_3_14
        architecture = lambda_.Architecture.ARM_64
        self.translate_fn = lambda_.Function(
            self,
            "TranslateFunction",
            description="Translates English to German with the seq2seq endpoint",
            runtime=runtime,
            architecture=architecture,
            handler="handler.handler",
            code=python_code(LAMBDA_SOURCE, runtime, architecture),
            timeout=LAMBDA_TIMEOUT,
            memory_size=LAMBDA_MEMORY_MB,
            log_group=function_logs,
            logging_format=lambda_.LoggingFormat.JSON,
            environment=lambda_environment(
                settings,
                endpoint_name=endpoint_name,
                model_bucket=model_bucket.bucket_name,
                source_vocabulary_key=settings.model_prefix + SOURCE_VOCABULARY_FILE,
            ),
        )
        # No L2 grant exists for a CfnEndpoint; the statement names this one endpoint's ARN only.
        self.translate_fn.add_to_role_policy(
            iam.PolicyStatement(actions=["sagemaker:InvokeEndpoint"], resources=[endpoint_arn])
        )
        for vocabulary in VOCABULARY_FILES:
            model_bucket.grant_read(self.translate_fn, f"{settings.model_prefix}{vocabulary}")

        access_logs = logs.LogGroup(
            self,
            "ApiAccessLogs",
            retention=retention(settings.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.api = apigw.RestApi(
            self,
            "TranslateApi",
            description="English to German translation with SageMaker's seq2seq model",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            binary_media_types=list(BINARY_MEDIA_TYPES),
            # Access and error logs need the account's API Gateway CloudWatch role; it goes with the stack (README).
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.DESTROY,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE_NAME,
                throttling_rate_limit=settings.throttle_rate,
                throttling_burst_limit=settings.throttle_burst,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=False,
                ),
                # No execution logs: API Gateway would write them to a log group of its own naming that outlives
                # `cdk destroy`; access logs (declared above) and the Lambda's logs tell what happened.
                logging_level=apigw.MethodLoggingLevel.OFF,
                data_trace_enabled=False,
                metrics_enabled=True,
            ),
            default_cors_preflight_options=apigw.CorsOptions(
                allow_origins=list(settings.cors_origins),
                allow_methods=list(CORS_ALLOW_METHODS),
                allow_headers=list(CORS_ALLOW_HEADERS),
                expose_headers=list(CORS_EXPOSE_HEADERS),
                max_age=Duration.seconds(CORS_MAX_AGE_SECONDS),
            ),
        )
        self._add_gateway_responses(settings.cors_origins)

        integration = apigw.LambdaIntegration(self.translate_fn, proxy=True)
        validator = self.api.add_request_validator(
            "RequestValidator", validate_request_body=True, validate_request_parameters=True
        )
        request_model = self.api.add_model(
            "TranslateRequest",
            content_type=REQUEST_MODEL_CONTENT_TYPE,
            schema=apigw.JsonSchema(schema=apigw.JsonSchemaVersion.DRAFT4, type=apigw.JsonSchemaType.OBJECT),
        )
        # The contract lives in the OpenAPI document; the L2 JsonSchema would mean writing it twice.
        request_model.node.default_child.add_property_override("Schema", translate_request_schema())

        for path, methods in ROUTES.items():
            resource = self.api.root.resource_for_path(path)
            for method in sorted(methods):
                if (method, path) in VALIDATED_BODIES:
                    resource.add_method(
                        method,
                        integration,
                        request_validator=validator,
                        request_models={REQUEST_MODEL_CONTENT_TYPE: request_model},
                    )
                else:
                    resource.add_method(method, integration)

        self.monitoring = Monitoring(
            self,
            "Monitoring",
            api=self.api,
            function=self.translate_fn,
            endpoint_name=endpoint_name,
            variant_name=variant_name,
            alarm_email=settings.alarm_email,
        )

        CfnOutput(
            self, TRANSLATE_URL_OUTPUT, value=self.api.url_for_path("/translate"), description="POST English text here"
        )
        CfnOutput(
            self,
            API_URL_OUTPUT,
            value=self.api.url,
            description="Stage base URL: the web page, and the base URL for LibreTranslate clients",
        )

    def _add_gateway_responses(self, origins: tuple[str, ...]) -> None:
        # API Gateway's own errors (throttling, validation, unknown route) must carry CORS headers too,
        # or browsers show a network error instead of the message.
        # Static values are quoted for API Gateway; the echoed Origin is a mapping expression.
        headers = {
            name: value if value == ECHO_ORIGIN else f"'{value}'"
            for name, value in gateway_cors_headers(origins).items()
        }
        # $context.error.messageString is already a quoted JSON string.
        default_body = '{"message": $context.error.messageString, "error": $context.error.messageString}'
        self.api.add_gateway_response(
            "Default4xx",
            type=apigw.ResponseType.DEFAULT_4_XX,
            response_headers=headers,
            templates={"application/json": default_body},
        )
        self.api.add_gateway_response(
            "Default5xx",
            type=apigw.ResponseType.DEFAULT_5_XX,
            response_headers=headers,
            templates={"application/json": default_body},
        )
        self.api.add_gateway_response(
            "BadRequestBody",
            type=apigw.ResponseType.BAD_REQUEST_BODY,
            status_code="400",
            response_headers=headers,
            templates={"application/json": json.dumps(gateway_error_body(INVALID_BODY_MESSAGE))},
        )
        self.api.add_gateway_response(
            "Throttled",
            type=apigw.ResponseType.THROTTLED,
            status_code="429",
            response_headers={**headers, "Retry-After": "'1'"},
            templates={"application/json": json.dumps(gateway_error_body(THROTTLED_MESSAGE))},
        )
