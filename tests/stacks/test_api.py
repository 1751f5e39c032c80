"""stacks/api.py: the translate function, the REST API, its routes, CORS, stage and outputs."""

import json
import re

from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Capture, Match

from stacks.api import LAMBDA_TIMEOUT, translate_request_schema
from stacks.api_contract import LAMBDA_TIMEOUT_SECONDS, ROUTES, VALIDATED_BODIES
from stacks.names import API_STACK, ENDPOINT_STACK

# The translate function is the one the contract's environment names the endpoint for.
TRANSLATE_FN = {"Environment": {"Variables": Match.object_like({"ENDPOINT_NAME": Match.any_value()})}}


def has_environment(synthesized, variables: dict) -> None:
    """The translate function's environment holds these variables (among others)."""
    synthesized.template(API_STACK).has_resource_properties(
        "AWS::Lambda::Function",
        {"Environment": {"Variables": Match.object_like({"ENDPOINT_NAME": Match.any_value(), **variables})}},
    )


def statement(**fields) -> dict:
    """A policy holding a statement with these fields (among others)."""
    return {"PolicyDocument": {"Statement": Match.array_with([Match.object_like(fields)])}}


def newest_python_runtime() -> str:
    versions = [
        tuple(map(int, m.groups())) for name in dir(lambda_.Runtime) if (m := re.fullmatch(r"PYTHON_(\d+)_(\d+)", name))
    ]
    major, minor = max(versions)
    return getattr(lambda_.Runtime, f"PYTHON_{major}_{minor}").name


def test_lambda_runs_the_newest_python_on_arm_with_a_timeout_below_api_gateways(default_app):
    assert LAMBDA_TIMEOUT.to_seconds() < 29
    default_app.template(API_STACK).has_resource_properties(
        "AWS::Lambda::Function",
        {
            **TRANSLATE_FN,
            "Runtime": newest_python_runtime(),
            "Architectures": ["arm64"],
            "Timeout": LAMBDA_TIMEOUT.to_seconds(),
        },
    )


def test_lambda_environment_names_endpoint_bucket_origins_and_vocabulary(default_app):
    (staged_id,) = default_app.template(API_STACK).find_resources("Custom::StagedModel")
    has_environment(
        default_app,
        {
            # The endpoint stack's name, which its endpoint takes: no import of the endpoint, which goes when paused.
            "ENDPOINT_NAME": ENDPOINT_STACK,
            "CORS_ORIGINS": "*",
            "MODEL_BUCKET": Match.any_value(),
            "SOURCE_VOCABULARY_KEY": {"Fn::GetAtt": [staged_id, "SourceVocabularyKey"]},
            "POWERTOOLS_SERVICE_NAME": Match.any_value(),
        },
    )


def test_the_vocabulary_key_is_asked_of_the_endpoint_stacks_function_in_this_stack(default_app, custom_app):
    # An export could not change while imported, and the version changes with every model: the API stack asks the
    # endpoint stack's StagedModel function (its ARN is stable) for the version in service.
    for synthesized, requested in ((default_app, ""), (custom_app, "0123456789abcdef")):
        synthesized.template(API_STACK).has_resource_properties(
            "Custom::StagedModel",
            {
                "Mode": "in-service",
                "RequestedVersion": requested,
                "Prefix": "sagemaker/seq2seq/eng-german/pretrained_model/",
                "ServiceToken": {"Fn::ImportValue": Match.string_like_regexp("StagedModelFunction")},
            },
        )


def test_lambda_log_group_has_retention_and_goes_with_the_stack(default_app):
    template = default_app.template(API_STACK)
    log_group = Capture()
    template.has_resource_properties(
        "AWS::Lambda::Function", {**TRANSLATE_FN, "LoggingConfig": Match.object_like({"LogGroup": {"Ref": log_group}})}
    )
    groups = template.find_resources(
        "AWS::Logs::LogGroup",
        {"Properties": {"RetentionInDays": 30, "LogGroupName": Match.absent()}, "DeletionPolicy": "Delete"},
    )
    assert log_group.as_string() in groups


# The endpoint's ARN, built from the stack's name in lower case as SageMaker writes names inside ARNs.
THIS_ENDPOINT = {
    "Fn::Join": [
        "",
        [
            "arn:",
            {"Ref": "AWS::Partition"},
            ":sagemaker:",
            {"Ref": "AWS::Region"},
            ":",
            {"Ref": "AWS::AccountId"},
            f":endpoint/{ENDPOINT_STACK.lower()}",
        ],
    ]
}


def test_lambda_may_invoke_and_describe_this_one_endpoint_only(default_app):
    template = default_app.template(API_STACK)
    actions = ["sagemaker:DescribeEndpoint", "sagemaker:InvokeEndpoint"]
    template.has_resource_properties("AWS::IAM::Policy", statement(Action=actions, Resource=THIS_ENDPOINT))
    for action in actions:
        other = statement(Action=Match.array_with([action]), Resource=Match.not_(THIS_ENDPOINT))
        assert template.find_resources("AWS::IAM::Policy", {"Properties": other}) == {}


def objects_named(name: str) -> dict:
    return {"Fn::Join": ["", Match.array_with([Match.string_like_regexp(re.escape(f"/{name}") + "$")])]}


def test_lambda_reads_the_two_vocabularies_and_not_the_model(default_app):
    template = default_app.template(API_STACK)
    reads = Match.array_with(["s3:GetObject*"])
    vocabularies = Match.array_with([objects_named("vocab.src.json"), objects_named("vocab.trg.json")])
    template.has_resource_properties("AWS::IAM::Policy", statement(Action=reads, Resource=vocabularies))
    model = Match.array_with([objects_named("model.tar.gz")])
    assert template.find_resources("AWS::IAM::Policy", {"Properties": statement(Action=reads, Resource=model)}) == {}


def test_regional_rest_api_accepts_forms_as_binary(default_app):
    default_app.template(API_STACK).has_resource_properties(
        "AWS::ApiGateway::RestApi",
        {
            "EndpointConfiguration": {"Types": ["REGIONAL"]},
            "Name": Match.any_value(),
            "BinaryMediaTypes": ["multipart/form-data"],
        },
    )


def test_post_translate_is_a_proxy_without_authorization_validated_as_the_contract_says(default_app):
    template = default_app.template(API_STACK)
    resource_id = Capture()
    validated = ("POST", "/translate") in VALIDATED_BODIES
    template.has_resource_properties(
        "AWS::ApiGateway::Method",
        {
            "HttpMethod": "POST",
            "ResourceId": {"Ref": resource_id},
            "AuthorizationType": "NONE",
            "Integration": Match.object_like({"Type": "AWS_PROXY"}),
            "RequestValidatorId": Match.any_value() if validated else Match.absent(),
        },
    )
    assert resource_paths(template)[resource_id.as_string()] == "/translate"
    if validated:
        schema = {"Properties": {"Schema": Match.exact(translate_request_schema())}}
        assert template.find_resources("AWS::ApiGateway::Model", schema)
    else:
        # No body model nobody uses: LibreTranslate clients send their fields in the query string.
        template.resource_count_is("AWS::ApiGateway::Model", 0)
        template.resource_count_is("AWS::ApiGateway::RequestValidator", 0)


def resource_paths(template) -> dict[str, str]:
    """Each API Gateway resource's full path, by logical id (nested resources name their parent by Ref)."""
    resources = template.find_resources("AWS::ApiGateway::Resource")

    def path(logical_id: str) -> str:
        props = resources[logical_id]["Properties"]
        parent = props["ParentId"].get("Ref")
        return (path(parent) if parent in resources else "") + "/" + props["PathPart"]

    return {logical_id: path(logical_id) for logical_id in resources}


def test_get_on_the_root_serves_the_web_page(default_app):
    default_app.template(API_STACK).has_resource_properties(
        "AWS::ApiGateway::Method",
        {
            "HttpMethod": "GET",
            "ResourceId": {"Fn::GetAtt": [Match.any_value(), "RootResourceId"]},
            "Integration": Match.object_like({"Type": "AWS_PROXY"}),
        },
    )


def test_stage_is_throttled_and_access_logged(default_app, custom_app):
    default_app.template(API_STACK).has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": "prod",
            "MethodSettings": [
                Match.object_like(
                    {
                        "ThrottlingRateLimit": 10,
                        "ThrottlingBurstLimit": 20,
                        "DataTraceEnabled": False,
                        "LoggingLevel": "OFF",
                    }
                )
            ],
            "AccessLogSetting": {"DestinationArn": Match.any_value(), "Format": Match.string_like_regexp("requestId")},
        },
    )
    custom_app.template(API_STACK).has_resource_properties(
        "AWS::ApiGateway::Stage",
        {"MethodSettings": [Match.object_like({"ThrottlingRateLimit": 25, "ThrottlingBurstLimit": 50})]},
    )


def test_cors_preflight_allows_any_origin_by_default(default_app):
    template = default_app.template(API_STACK)
    options = template.find_resources("AWS::ApiGateway::Method", {"Properties": {"HttpMethod": "OPTIONS"}})
    assert len(options) >= 3
    template.has_resource_properties(
        "AWS::ApiGateway::Method",
        {
            "HttpMethod": "OPTIONS",
            "Integration": Match.object_like(
                {
                    "IntegrationResponses": Match.array_with(
                        [
                            Match.object_like(
                                {
                                    "ResponseParameters": Match.object_like(
                                        {"method.response.header.Access-Control-Allow-Origin": "'*'"}
                                    )
                                }
                            )
                        ]
                    )
                }
            ),
        },
    )


REQUIRED_GATEWAY_RESPONSES = ("DEFAULT_4XX", "DEFAULT_5XX", "BAD_REQUEST_BODY", "THROTTLED")


def test_api_gateways_own_errors_carry_cors_headers(default_app):
    template = default_app.template(API_STACK)
    for kind in REQUIRED_GATEWAY_RESPONSES:
        template.has_resource_properties("AWS::ApiGateway::GatewayResponse", {"ResponseType": kind})
    template.all_resources_properties(
        "AWS::ApiGateway::GatewayResponse",
        {
            "ResponseParameters": Match.object_like(
                {
                    "gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
                    "gatewayresponse.header.Access-Control-Expose-Headers": "'Retry-After,X-Service-State'",
                }
            )
        },
    )


def gateway_response_body(kind: str, body) -> dict:
    return {"ResponseType": kind, "ResponseTemplates": {"application/json": body}}


def test_api_gateways_own_errors_speak_both_dialects(default_app):
    template = default_app.template(API_STACK)
    # LibreTranslate clients read "error", ours "message": API Gateway's own errors carry both.
    message, error = Capture(Match.string_like_regexp("^Invalid request body")), Capture()
    bad_body = Match.serialized_json(Match.object_like({"message": message, "error": error}))
    template.has_resource_properties(
        "AWS::ApiGateway::GatewayResponse", gateway_response_body("BAD_REQUEST_BODY", bad_body)
    )
    assert error.as_string() == message.as_string()
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        template.has_resource_properties(
            "AWS::ApiGateway::GatewayResponse",
            gateway_response_body(
                kind, '{"message": $context.error.messageString, "error": $context.error.messageString}'
            ),
        )
    throttled = Match.serialized_json(Match.object_like({"error": Match.string_like_regexp("^Too many requests")}))
    template.has_resource_properties("AWS::ApiGateway::GatewayResponse", gateway_response_body("THROTTLED", throttled))


def test_several_origins_reach_the_function(custom_app):
    has_environment(custom_app, {"CORS_ORIGINS": "https://example.com,https://translate.example.org"})


def test_several_origins_are_echoed_on_gateway_errors(custom_app):
    template = custom_app.template(API_STACK)
    template.has_resource_properties("AWS::ApiGateway::GatewayResponse", Match.any_value())
    template.all_resources_properties(
        "AWS::ApiGateway::GatewayResponse",
        {
            "ResponseParameters": Match.object_like(
                {"gatewayresponse.header.Access-Control-Allow-Origin": "method.request.header.origin"}
            )
        },
    )


def stage_url(path: str) -> dict:
    stage = {"Ref": Match.string_like_regexp("DeploymentStageprod")}
    host = [{"Ref": Match.any_value()}, ".execute-api.", {"Ref": "AWS::Region"}, ".", {"Ref": "AWS::URLSuffix"}]
    return {"Value": {"Fn::Join": ["", ["https://", *host, "/", stage, path]]}}


def test_outputs_translate_url_and_stage_url(default_app):
    template = default_app.template(API_STACK)
    template.has_output("TranslateUrl", stage_url("/translate"))
    template.has_output("ApiUrl", stage_url("/"))


def test_request_schema_is_draft4_and_accepts_the_documented_shapes():
    schema = translate_request_schema()
    assert schema["$schema"].startswith("http://json-schema.org/draft-04/")
    text = json.dumps(schema)
    assert '"const"' not in text and "$ref" not in text


def test_routes_are_exactly_the_shared_contract_the_local_server_serves(default_app):
    template = default_app.template(API_STACK)
    paths = resource_paths(template)
    served: dict[str, set[str]] = {}
    validated = set()
    for method in template.find_resources("AWS::ApiGateway::Method").values():
        props = method["Properties"]
        if props["HttpMethod"] == "OPTIONS":
            continue
        path = paths.get(props["ResourceId"].get("Ref"), "/")
        served.setdefault(path, set()).add(props["HttpMethod"])
        assert props["Integration"]["Type"] == "AWS_PROXY"
        if "RequestValidatorId" in props:
            validated.add((props["HttpMethod"], path))
    assert served == {path: set(methods) for path, methods in ROUTES.items()}
    assert validated == set(VALIDATED_BODIES)


def test_the_functions_timeout_sits_below_api_gateways_and_is_what_the_plan_budgets(default_app):
    from translator import plan

    default_app.template(API_STACK).has_resource_properties(
        "AWS::Lambda::Function", {**TRANSLATE_FN, "Timeout": LAMBDA_TIMEOUT_SECONDS}
    )
    assert LAMBDA_TIMEOUT_SECONDS < 29
    # Without a Lambda context (local runs) the plan assumes a window no longer than the deployed function has.
    assert plan.FALLBACK_WINDOW_SECONDS <= LAMBDA_TIMEOUT_SECONDS


def test_calibrated_model_speed_reaches_the_function_and_unset_ones_keep_the_defaults(default_app, custom_app):
    from translator.model_speed import ENVIRONMENT

    has_environment(default_app, dict.fromkeys(ENVIRONMENT, Match.absent()))
    has_environment(custom_app, {"MODEL_STEP_MS": "25", "MODEL_CONCURRENT_CALLS": "2"})


# Hardening (issue 13): each choice and its reason sit next to the resource in stacks/api.py.


def test_function_and_stage_are_traced_with_x_ray(default_app):
    template = default_app.template(API_STACK)
    template.has_resource_properties("AWS::Lambda::Function", {**TRANSLATE_FN, "TracingConfig": {"Mode": "Active"}})
    template.has_resource_properties("AWS::ApiGateway::Stage", {"TracingEnabled": True})


def test_function_reserves_no_concurrency_and_has_no_dead_letter_queue_or_vpc(default_app):
    default_app.template(API_STACK).has_resource_properties(
        "AWS::Lambda::Function",
        {
            **TRANSLATE_FN,
            "ReservedConcurrentExecutions": Match.absent(),
            "DeadLetterConfig": Match.absent(),
            "VpcConfig": Match.absent(),
            "KmsKeyArn": Match.absent(),
        },
    )


def test_stage_caches_nothing(default_app):
    default_app.template(API_STACK).has_resource_properties(
        "AWS::ApiGateway::Stage",
        {"CacheClusterEnabled": Match.absent(), "MethodSettings": [Match.object_like({"CachingEnabled": False})]},
    )


def test_log_groups_use_cloudwatch_logs_own_encryption(default_app):
    groups = default_app.template(API_STACK).find_resources("AWS::Logs::LogGroup")
    assert len(groups) >= 2
    default_app.template(API_STACK).all_resources_properties("AWS::Logs::LogGroup", {"KmsKeyId": Match.absent()})
