"""stacks/api.py: the translate function, the REST API, its routes, CORS, stage and outputs."""

import json
import re

from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Capture, Match

from stacks.api import LAMBDA_TIMEOUT, translate_request_schema
from stacks.api_contract import LAMBDA_TIMEOUT_SECONDS, ROUTES, VALIDATED_BODIES
from stacks.names import API_STACK

# The translate function is the one the contract's environment names the endpoint for.
TRANSLATE_FN = {"Environment": {"Variables": Match.object_like({"ENDPOINT_NAME": Match.any_value()})}}


def translate_function(synthesized) -> dict:
    ((_, function),) = (
        synthesized.template(API_STACK)
        .find_resources("AWS::Lambda::Function", {"Properties": Match.object_like(TRANSLATE_FN)})
        .items()
    )
    return function


def environment(synthesized) -> dict:
    return translate_function(synthesized)["Properties"]["Environment"]["Variables"]


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
    env = environment(default_app)
    assert set(env) >= {
        "ENDPOINT_NAME",
        "CORS_ORIGINS",
        "MODEL_BUCKET",
        "SOURCE_VOCABULARY_KEY",
        "POWERTOOLS_SERVICE_NAME",
    }
    assert "Fn::ImportValue" in json.dumps(env["ENDPOINT_NAME"])
    assert env["CORS_ORIGINS"] == "*"
    staged_id = next(iter(default_app.template(API_STACK).find_resources("Custom::StagedModel")))
    assert env["SOURCE_VOCABULARY_KEY"] == {"Fn::GetAtt": [staged_id, "SourceVocabularyKey"]}


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
    group = template.to_json()["Resources"][log_group.as_string()]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["RetentionInDays"] == 30
    assert group["DeletionPolicy"] == "Delete"
    assert "LogGroupName" not in group["Properties"]


def test_lambda_may_invoke_this_one_endpoint_only(default_app):
    template = default_app.template(API_STACK)
    invoke = template.find_resources(
        "AWS::IAM::Policy",
        {
            "Properties": {
                "PolicyDocument": {
                    "Statement": Match.array_with([Match.object_like({"Action": "sagemaker:InvokeEndpoint"})])
                }
            }
        },
    )
    statements = [s for p in invoke.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    (statement,) = [s for s in statements if "sagemaker:InvokeEndpoint" in json.dumps(s["Action"])]
    resource = json.dumps(statement["Resource"])
    assert "Fn::ImportValue" in resource and "EndpointName" not in resource and resource != '"*"'


def test_lambda_reads_the_two_vocabularies_and_not_the_model(default_app):
    policies = default_app.template(API_STACK).find_resources("AWS::IAM::Policy")
    statements = [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    vocab_arns = json.dumps([s["Resource"] for s in statements if "s3:GetObject*" in s["Action"]])
    assert "vocab.src.json" in vocab_arns and "vocab.trg.json" in vocab_arns and "model.tar.gz" not in vocab_arns


def test_regional_rest_api_accepts_forms_as_binary(default_app):
    default_app.template(API_STACK).has_resource_properties(
        "AWS::ApiGateway::RestApi",
        {
            "EndpointConfiguration": {"Types": ["REGIONAL"]},
            "Name": Match.any_value(),
            "BinaryMediaTypes": ["multipart/form-data"],
        },
    )


def test_post_translate_is_a_validated_proxy_without_authorization(default_app):
    template = default_app.template(API_STACK)
    resource_id, model_id = Capture(), Capture()
    template.has_resource_properties("AWS::ApiGateway::Resource", {"PathPart": "translate"})
    template.has_resource_properties(
        "AWS::ApiGateway::Method",
        {
            "HttpMethod": "POST",
            "ResourceId": {"Ref": resource_id},
            "AuthorizationType": "NONE",
            "Integration": Match.object_like({"Type": "AWS_PROXY"}),
            "RequestValidatorId": Match.any_value(),
            "RequestModels": {"application/json": {"Ref": model_id}},
        },
    )
    resources = template.to_json()["Resources"]
    assert resources[resource_id.as_string()]["Properties"]["PathPart"] == "translate"
    assert resources[model_id.as_string()]["Properties"]["Schema"] == translate_request_schema()


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


def gateway_responses(synthesized) -> dict[str, dict]:
    found = synthesized.template(API_STACK).find_resources("AWS::ApiGateway::GatewayResponse")
    return {v["Properties"]["ResponseType"]: v["Properties"] for v in found.values()}


def test_api_gateways_own_errors_carry_cors_headers(default_app):
    responses = gateway_responses(default_app)
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "BAD_REQUEST_BODY", "THROTTLED"} <= set(responses)
    for kind in responses:
        default_app.template(API_STACK).has_resource_properties(
            "AWS::ApiGateway::GatewayResponse",
            {
                "ResponseType": kind,
                "ResponseParameters": Match.object_like(
                    {
                        "gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
                        "gatewayresponse.header.Access-Control-Expose-Headers": "'Retry-After'",
                    }
                ),
            },
        )


def test_api_gateways_own_errors_speak_both_dialects(default_app):
    responses = gateway_responses(default_app)
    bad_body = json.loads(responses["BAD_REQUEST_BODY"]["ResponseTemplates"]["application/json"])
    assert bad_body["message"].startswith("Invalid request body") and bad_body["error"] == bad_body["message"]
    # LibreTranslate clients read "error", ours "message": API Gateway's own errors carry both.
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        template = responses[kind]["ResponseTemplates"]["application/json"]
        assert template == '{"message": $context.error.messageString, "error": $context.error.messageString}'
    assert json.loads(responses["THROTTLED"]["ResponseTemplates"]["application/json"])["error"].startswith(
        "Too many requests"
    )


def test_several_origins_are_echoed_on_gateway_errors(custom_app):
    assert environment(custom_app)["CORS_ORIGINS"] == "https://example.com,https://translate.example.org"
    responses = gateway_responses(custom_app)
    assert responses
    for response in responses.values():
        assert (
            response["ResponseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"]
            == "method.request.header.origin"
        )


def test_outputs_translate_url_and_stage_url(default_app):
    outputs = default_app.templates[API_STACK]["Outputs"]
    translate_url = json.dumps(outputs["TranslateUrl"]["Value"])
    assert translate_url.startswith('{"Fn::Join": ["", ["https://"') and translate_url.endswith('"/translate"]]}')
    assert "DeploymentStageprod" in translate_url
    assert json.dumps(outputs["ApiUrl"]["Value"]).endswith('"/"]]}')


def test_request_schema_is_draft4_and_accepts_the_documented_shapes():
    schema = translate_request_schema()
    assert schema["$schema"].startswith("http://json-schema.org/draft-04/")
    text = json.dumps(schema)
    assert '"const"' not in text and "$ref" not in text


def test_routes_are_exactly_the_shared_contract_the_local_server_serves(default_app):
    template = default_app.template(API_STACK)
    resources = template.find_resources("AWS::ApiGateway::Resource")
    paths = {logical_id: "/" + props["Properties"]["PathPart"] for logical_id, props in resources.items()}
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

    lambda_timeout = translate_function(default_app)["Properties"]["Timeout"]
    assert lambda_timeout == LAMBDA_TIMEOUT_SECONDS < 29
    # Without a Lambda context (local runs) the plan assumes a window no longer than the deployed function has.
    assert plan.FALLBACK_WINDOW_SECONDS <= lambda_timeout


def test_calibrated_model_speed_reaches_the_function_and_unset_ones_keep_the_defaults(default_app, custom_app):
    from translator.model_speed import ENVIRONMENT

    assert not set(ENVIRONMENT) & set(environment(default_app))
    assert environment(custom_app)["MODEL_STEP_MS"] == "25"
    assert environment(custom_app)["MODEL_CONCURRENT_CALLS"] == "2"


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
