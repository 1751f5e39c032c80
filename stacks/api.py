"""The public front end: the translate Lambda behind a regional REST API, with its logs and alarms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, CustomResource, Duration, RemovalPolicy, SecretValue, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
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
    THROTTLED_RETRY_AFTER_SECONDS,
    VALIDATED_BODIES,
    gateway_cors_headers,
    gateway_error_body,
    lambda_environment,
)
from stacks.api_logging_role import ApiGatewayLoggingRole
from stacks.log_groups import retention
from stacks.model_bucket import model_bucket_in
from stacks.model_versions import IN_SERVICE_MODE
from stacks.monitoring import ApiMonitoring
from stacks.names import (
    API_KEYS_SECRET_OUTPUT,
    API_URL_OUTPUT,
    TRANSLATE_URL_OUTPUT,
    USAGE_TABLE_OUTPUT,
    VOCABULARY_FILES,
)
from stacks.python_bundling import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME, python_code
from stacks.settings import Settings
from stacks.staged_model import staged_model_resource

LAMBDA_TIMEOUT = Duration.seconds(LAMBDA_TIMEOUT_SECONDS)
LAMBDA_MEMORY_MB = 1024
# What the API keys secret holds before `make keys` adds one: no key, so every keyed request is refused.
EMPTY_KEYS = '{"keys": {}}'


def translate_request_schema(document: Path = OPENAPI_DOCUMENT) -> dict[str, Any]:
    """The request body schema from the OpenAPI contract, as API Gateway's validator takes it (JSON Schema draft 4)."""
    schema = json.loads(document.read_text(encoding="utf-8"))["components"]["schemas"]["TranslateRequest"]
    return {"$schema": "http://json-schema.org/draft-04/schema#", **schema}


class ApiStack(Stack):
    """POST /translate (and the web page at GET /) on a throttled, logged, traced, CORS-aware REST API."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        model_bucket: s3.IBucket,
        endpoint_name: str,
        endpoint_arn: str,
        alarm_topic: sns.ITopic,
        endpoint_widgets: list[cloudwatch.IWidget],
        staged_model_token: str,
        control_function: lambda_.IFunction,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        model_bucket = model_bucket_in(self, model_bucket)
        self.logging_role = ApiGatewayLoggingRole(
            self, "ApiGatewayLoggingRole", log_retention_days=settings.log_retention_days
        )
        self.staged_model = self._staged_model(settings, model_bucket, staged_model_token)
        self.api_keys_secret = self._api_keys_secret() if settings.api_keys else None
        self.usage_table = self._usage_table()
        # Only with wake_on_request may the translate function resume a paused endpoint.
        self.control_function = control_function if settings.wake_on_request else None
        self.translate_fn = self._function(settings, model_bucket, endpoint_name)
        self._grant(settings, model_bucket, endpoint_arn)
        self.api = self._rest_api(settings)
        # A stage with access logs is refused while the account has no logging role: set one first.
        self.api.deployment_stage.node.add_dependency(self.logging_role.resource)
        self._add_gateway_responses(settings.cors_origins)
        self._routes()
        self.monitoring = ApiMonitoring(
            self,
            "Monitoring",
            api=self.api,
            function=self.translate_fn,
            topic=alarm_topic,
            endpoint_widgets=endpoint_widgets,
        )
        self._outputs()

    def _log_group(self, construct_id: str, settings: Settings) -> logs.LogGroup:
        # CloudWatch Logs encrypts every group at rest; a key of our own would cost 1 USD a month and outlive
        # `cdk destroy` by its 7 to 30 day deletion window, for logs that hold no request text (the Lambda logs none).
        return logs.LogGroup(
            self,
            construct_id,
            retention=retention(settings.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )

    def _staged_model(self, settings: Settings, model_bucket: s3.IBucket, staged_model_token: str) -> CustomResource:
        # The version the endpoint serves, asked of the endpoint stack's StagedModel function in this stack: an
        # exported value could not change while this stack imports it, and the version changes with every model.
        return staged_model_resource(
            self,
            "StagedModel",
            staged_model_token,
            IN_SERVICE_MODE,
            model_bucket.bucket_name,
            settings.model_prefix,
            settings.model_version,
            settings.keep_model_versions,
        )

    def _api_keys_secret(self) -> secretsmanager.Secret:
        # Holds names and SHA-256 digests of the keys, never a key (`make keys` shows each once); the initial value
        # is no secret. Deleted with the stack: `cdk destroy` means the keys go too (Secrets Manager keeps a deleted
        # secret restorable for its recovery window).
        return secretsmanager.Secret(
            self,
            "ApiKeys",
            description="API keys of the translate API: names and SHA-256 digests (make keys)",
            secret_string_value=SecretValue.unsafe_plain_text(EMPTY_KEYS),
            removal_policy=RemovalPolicy.DESTROY,
        )

    def _usage_table(self) -> dynamodb.Table:
        """Characters translated per key and month (the schema is translator/usage.py's); billed per request only."""
        return dynamodb.Table(
            self,
            "UsageTable",
            partition_key=dynamodb.Attribute(name="key", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="month", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            # A few hundred bytes a key and month: recovery costs next to nothing and undoes a mistaken write.
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=RemovalPolicy.DESTROY,
        )

    def _function(self, settings: Settings, model_bucket: s3.IBucket, endpoint_name: str) -> lambda_.Function:
        """The translate function.

        Not followed on purpose: reserved concurrency (new accounts often have an account limit of 10, and reserving
        any fails the deploy; the stage throttle bounds concurrency at throttle_rate x the request time instead);
        a dead-letter queue (API Gateway invokes it synchronously: a DLQ only catches asynchronous events, and a
        failed request is answered, not queued); a VPC (it calls only public AWS APIs, SageMaker and S3: a VPC would
        need NAT or interface endpoints, several USD a month each, and lengthen cold starts); a key of our own for
        the environment (Lambda encrypts it at rest with its own key; it holds names, never secrets).
        """
        runtime, architecture = LAMBDA_RUNTIME, LAMBDA_ARCHITECTURE
        return lambda_.Function(
            self,
            "TranslateFunction",
            description="Translates English to German with the seq2seq endpoint",
            runtime=runtime,
            architecture=architecture,
            handler="handler.handler",
            code=python_code(LAMBDA_SOURCE, runtime, architecture),
            timeout=LAMBDA_TIMEOUT,
            memory_size=LAMBDA_MEMORY_MB,
            log_group=self._log_group("TranslateFunctionLogs", settings),
            logging_format=lambda_.LoggingFormat.JSON,
            # Traces show where a slow request spent its time (gateway, cold start, endpoint); the first 100,000
            # traces a month are free, and the stage traces too (below).
            tracing=lambda_.Tracing.ACTIVE,
            environment=lambda_environment(
                settings,
                endpoint_name=endpoint_name,
                model_bucket=model_bucket.bucket_name,
                source_vocabulary_key=self.staged_model.get_att_string("SourceVocabularyKey"),
                api_keys_secret=self.api_keys_secret.secret_arn if self.api_keys_secret else None,
                usage_table=self.usage_table.table_name,
                control_function=self.control_function.function_name if self.control_function else None,
            ),
        )

    def _grant(self, settings: Settings, model_bucket: s3.IBucket, endpoint_arn: str) -> None:
        # No L2 grant exists for a CfnEndpoint; the statement names this one endpoint's ARN only.
        # DescribeEndpoint tells a paused endpoint (none) from one starting again.
        self.translate_fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=["sagemaker:InvokeEndpoint", "sagemaker:DescribeEndpoint"], resources=[endpoint_arn]
            )
        )
        if self.api_keys_secret:
            self.api_keys_secret.grant_read(self.translate_fn)
        # It adds to its key's count and reads it back for /v2/usage: nothing else of the table.
        self.usage_table.grant(self.translate_fn, "dynamodb:UpdateItem", "dynamodb:GetItem")
        if self.control_function:
            # The unqualified function only (it is invoked by name), not its versions.
            self.translate_fn.add_to_role_policy(
                iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[self.control_function.function_arn])
            )
        # Any staged version's vocabularies: the function reads the one its SOURCE_VOCABULARY_KEY names.
        for vocabulary in VOCABULARY_FILES:
            model_bucket.grant_read(self.translate_fn, f"{settings.model_prefix}*/{vocabulary}")

    def _rest_api(self, settings: Settings) -> apigw.RestApi:
        return apigw.RestApi(
            self,
            "TranslateApi",
            description="English to German translation with SageMaker's seq2seq model",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            binary_media_types=list(BINARY_MEDIA_TYPES),
            # Not CDK's AWS::ApiGateway::Account: it would replace the account and region's logging role for every
            # API there. ApiGatewayLoggingRole sets ours only where none is set.
            cloud_watch_role=False,
            deploy_options=self._stage_options(settings),
            default_cors_preflight_options=apigw.CorsOptions(
                allow_origins=list(settings.cors_origins),
                allow_methods=list(CORS_ALLOW_METHODS),
                allow_headers=list(CORS_ALLOW_HEADERS),
                expose_headers=list(CORS_EXPOSE_HEADERS),
                max_age=Duration.seconds(CORS_MAX_AGE_SECONDS),
            ),
        )

    def _stage_options(self, settings: Settings) -> apigw.StageOptions:
        return apigw.StageOptions(
            stage_name=STAGE_NAME,
            throttling_rate_limit=settings.throttle_rate,
            throttling_burst_limit=settings.throttle_burst,
            access_log_destination=apigw.LogGroupLogDestination(self._log_group("ApiAccessLogs", settings)),
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
            tracing_enabled=True,
            # No stage cache: translations are POSTs, which API Gateway does not cache, and a cache is billed by
            # the hour (from about 14 USD a month) whether used or not.
            caching_enabled=False,
        )

    def _routes(self) -> None:
        """Every route of the shared contract, by the one Lambda; bodies the contract names checked by the gateway."""
        integration = apigw.LambdaIntegration(self.translate_fn, proxy=True)
        validation = self._body_validation() if VALIDATED_BODIES else {}
        for path, methods in ROUTES.items():
            resource = self.api.root.resource_for_path(path)
            for method in sorted(methods):
                resource.add_method(method, integration, **(validation if (method, path) in VALIDATED_BODIES else {}))

    def _body_validation(self) -> dict[str, Any]:
        """add_method's arguments that check a JSON body against the OpenAPI document's TranslateRequest schema."""
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
        return {"request_validator": validator, "request_models": {REQUEST_MODEL_CONTENT_TYPE: request_model}}

    def _outputs(self) -> None:
        CfnOutput(
            self, TRANSLATE_URL_OUTPUT, value=self.api.url_for_path("/translate"), description="POST English text here"
        )
        CfnOutput(
            self,
            API_URL_OUTPUT,
            value=self.api.url,
            description="Stage base URL: the web page, and the base URL for LibreTranslate clients",
        )
        CfnOutput(
            self,
            USAGE_TABLE_OUTPUT,
            value=self.usage_table.table_name,
            description="Characters translated per API key and month",
        )
        if self.api_keys_secret:
            CfnOutput(
                self,
                API_KEYS_SECRET_OUTPUT,
                value=self.api_keys_secret.secret_arn,
                description="API keys (names and SHA-256 digests): make keys ARGS='add NAME' | list | revoke NAME",
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
            response_headers={**headers, "Retry-After": f"'{THROTTLED_RETRY_AFTER_SECONDS}'"},
            templates={"application/json": json.dumps(gateway_error_body(THROTTLED_MESSAGE))},
        )
