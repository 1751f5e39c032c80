import json
import re

from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match

from stacks.api import LAMBDA_TIMEOUT, translate_request_schema
from stacks.api_contract import ENDPOINT_READ_TIMEOUT_SECONDS, ROUTES, VALIDATED_BODIES

STACK = "TranslateApi"


def resources_of(synthesized, type_name):
    return {k: v for k, v in synthesized.templates[STACK]["Resources"].items() if v["Type"] == type_name}


def translate_function(synthesized):
    return next(
        v
        for v in resources_of(synthesized, "AWS::Lambda::Function").values()
        if v["Properties"].get("Handler") == "handler.handler"
    )


def newest_python_runtime() -> str:
    versions = [
        tuple(map(int, m.groups())) for name in dir(lambda_.Runtime) if (m := re.fullmatch(r"PYTHON_(\d+)_(\d+)", name))
    ]
    major, minor = max(versions)
    return getattr(lambda_.Runtime, f"PYTHON_{major}_{minor}").name


def test_lambda_runs_the_newest_python_on_arm_with_a_timeout_below_api_gateways(default_app):
    props = translate_function(default_app)["Properties"]
    assert props["Runtime"] == newest_python_runtime()
    assert props["Architectures"] == ["arm64"]
    assert props["Timeout"] == LAMBDA_TIMEOUT.to_seconds() < 29
    env = props["Environment"]["Variables"]
    assert set(env) >= {
        "ENDPOINT_NAME",
        "CORS_ORIGINS",
        "MODEL_BUCKET",
        "SOURCE_VOCABULARY_KEY",
        "POWERTOOLS_SERVICE_NAME",
    }
    assert "Fn::ImportValue" in json.dumps(env["ENDPOINT_NAME"])
    assert env["CORS_ORIGINS"] == "*"
    assert env["SOURCE_VOCABULARY_KEY"] == "sagemaker/seq2seq/eng-german/pretrained_model/vocab.src.json"


def test_lambda_log_group_has_retention_and_goes_with_the_stack(default_app):
    props = translate_function(default_app)["Properties"]
    log_group_id = props["LoggingConfig"]["LogGroup"]["Ref"]
    log_group = default_app.templates[STACK]["Resources"][log_group_id]
    assert log_group["Properties"]["RetentionInDays"] == 30
    assert log_group["DeletionPolicy"] == "Delete"
    assert "LogGroupName" not in log_group["Properties"]


def test_lambda_may_invoke_this_one_endpoint_only(default_app):
    statements = [
        s
        for p in resources_of(default_app, "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    invoke = [s for s in statements if "sagemaker:InvokeEndpoint" in json.dumps(s["Action"])]
    assert len(invoke) == 1
    assert invoke[0]["Action"] == "sagemaker:InvokeEndpoint"
    resource = json.dumps(invoke[0]["Resource"])
    assert "Fn::ImportValue" in resource and "EndpointName" not in resource and resource != '"*"'
    vocab = [s for s in statements if "s3:GetObject*" in s["Action"]]
    vocab_arns = json.dumps([s["Resource"] for s in vocab])
    assert "vocab.src.json" in vocab_arns and "vocab.trg.json" in vocab_arns and "model.tar.gz" not in vocab_arns


def test_regional_rest_api_with_post_translate_proxy(default_app):
    template = default_app.template(STACK)
    template.has_resource_properties(
        "AWS::ApiGateway::RestApi",
        {
            "EndpointConfiguration": {"Types": ["REGIONAL"]},
            "Name": Match.any_value(),
            "BinaryMediaTypes": ["multipart/form-data"],
        },
    )
    resources = resources_of(default_app, "AWS::ApiGateway::Resource")
    translate_id = next(k for k, v in resources.items() if v["Properties"]["PathPart"] == "translate")
    methods = resources_of(default_app, "AWS::ApiGateway::Method")
    post = next(
        v
        for v in methods.values()
        if v["Properties"]["HttpMethod"] == "POST" and v["Properties"]["ResourceId"] == {"Ref": translate_id}
    )
    assert post["Properties"]["Integration"]["Type"] == "AWS_PROXY"
    assert post["Properties"]["AuthorizationType"] == "NONE"
    assert "RequestValidatorId" in post["Properties"]
    model_ref = post["Properties"]["RequestModels"]["application/json"]["Ref"]
    model = default_app.templates[STACK]["Resources"][model_ref]
    assert model["Properties"]["Schema"] == translate_request_schema()
    assert {v["Properties"]["PathPart"] for v in resources.values()} >= {"translate", "languages", "detect"}
    root_get = [
        v
        for v in methods.values()
        if v["Properties"]["HttpMethod"] == "GET" and "Fn::GetAtt" in json.dumps(v["Properties"]["ResourceId"])
    ]
    assert root_get, "GET / serves the web page"


def test_stage_is_throttled_and_access_logged(default_app, custom_app):
    default_app.template(STACK).has_resource_properties(
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
    custom_app.template(STACK).has_resource_properties(
        "AWS::ApiGateway::Stage",
        {"MethodSettings": [Match.object_like({"ThrottlingRateLimit": 25, "ThrottlingBurstLimit": 50})]},
    )


def test_cors_on_preflight_and_on_api_gateways_own_errors(default_app):
    methods = resources_of(default_app, "AWS::ApiGateway::Method")
    options = [v for v in methods.values() if v["Properties"]["HttpMethod"] == "OPTIONS"]
    assert len(options) >= 3
    headers = json.dumps(options[0]["Properties"]["Integration"]["IntegrationResponses"])
    assert "Access-Control-Allow-Origin" in headers and "'*'" in headers
    responses = {
        v["Properties"]["ResponseType"]: v["Properties"]
        for v in resources_of(default_app, "AWS::ApiGateway::GatewayResponse").values()
    }
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "BAD_REQUEST_BODY", "THROTTLED"} <= set(responses)
    for response in responses.values():
        assert response["ResponseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"] == "'*'"
        assert response["ResponseParameters"]["gatewayresponse.header.Access-Control-Expose-Headers"] == "'Retry-After'"
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
    props = translate_function(custom_app)["Properties"]
    assert props["Environment"]["Variables"]["CORS_ORIGINS"] == "https://example.com,https://translate.example.org"
    for response in resources_of(custom_app, "AWS::ApiGateway::GatewayResponse").values():
        assert (
            response["Properties"]["ResponseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"]
            == "method.request.header.origin"
        )


def test_account_level_logging_role_goes_with_the_stack(default_app):
    template = default_app.template(STACK)
    template.resource_count_is("AWS::ApiGateway::Account", 1)
    roles = resources_of(default_app, "AWS::IAM::Role")
    cloudwatch_role = next(
        v for v in roles.values() if "AmazonAPIGatewayPushToCloudWatchLogs" in json.dumps(v["Properties"])
    )
    assert cloudwatch_role["DeletionPolicy"] == "Delete"


def test_outputs_translate_url_and_stage_url(default_app):
    outputs = default_app.templates[STACK]["Outputs"]
    translate_url = json.dumps(outputs["TranslateUrl"]["Value"])
    assert translate_url.startswith('{"Fn::Join": ["", ["https://"') and translate_url.endswith('"/translate"]]}')
    assert "DeploymentStageprod" in translate_url
    assert json.dumps(outputs["ApiUrl"]["Value"]).endswith('"/"]]}')


def test_alarms_for_every_failure_mode_notify_one_topic(default_app):
    alarms = resources_of(default_app, "AWS::CloudWatch::Alarm")
    assert len(alarms) == 6
    topic_id = next(iter(resources_of(default_app, "AWS::SNS::Topic")))
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]
        assert alarm["Properties"]["TreatMissingData"] == "notBreaching"
        assert "AlarmName" not in alarm["Properties"]
    metrics = json.dumps(alarms)
    for metric in ("5XXError", "Latency", "Errors", "Throttles", "Invocation5XXErrors", "ModelLatency"):
        assert f'"{metric}"' in metrics, metric
    default_app.template(STACK).resource_count_is("AWS::CloudWatch::Dashboard", 1)
    default_app.template(STACK).resource_count_is("AWS::SNS::Subscription", 0)


def test_model_latency_alarm_fires_before_the_lambda_gives_up_on_the_endpoint(default_app):
    read_timeout = float(
        translate_function(default_app)["Properties"]["Environment"]["Variables"]["ENDPOINT_READ_TIMEOUT_SECONDS"]
    )
    alarms = default_app.template(STACK).find_resources(
        "AWS::CloudWatch::Alarm", {"Properties": {"MetricName": "ModelLatency", "Namespace": "AWS/SageMaker"}}
    )
    ((_, alarm),) = alarms.items()
    props = alarm["Properties"]
    assert props["ExtendedStatistic"] == "p90"
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    # ModelLatency is in microseconds; at the read timeout users already get 504s.
    assert 0 < props["Threshold"] < read_timeout * 1_000_000
    assert props["Threshold"] <= 5_000_000
    assert (props["DatapointsToAlarm"], props["EvaluationPeriods"], props["Period"]) == (2, 2, 300)


def test_error_sums_count_a_missing_series_as_zero(default_app, custom_app):
    # In metric math a+b has no value where either series has no datapoint: 5XX errors alone would not alarm.
    for synthesized in (default_app, custom_app):
        alarms = synthesized.template(STACK).find_resources(
            "AWS::CloudWatch::Alarm", {"Properties": {"Metrics": Match.any_value()}}
        )
        assert alarms
        expressions = [
            m["Expression"] for a in alarms.values() for m in a["Properties"]["Metrics"] if "Expression" in m
        ]
        for expression in expressions:
            ids = re.findall(r"\b[a-z]\w*\b", expression)
            series = [i for i in ids if i != "FILL"]
            assert series and all(f"FILL({i}, 0)" in expression for i in series), expression


def test_alarm_email_subscribes_to_the_topic(custom_app):
    custom_app.template(STACK).has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"}
    )


def test_request_schema_is_draft4_and_accepts_the_documented_shapes():
    schema = translate_request_schema()
    assert schema["$schema"].startswith("http://json-schema.org/draft-04/")
    text = json.dumps(schema)
    assert '"const"' not in text and "$ref" not in text


def test_routes_are_exactly_the_shared_contract_the_local_server_serves(default_app):
    resources = resources_of(default_app, "AWS::ApiGateway::Resource")
    paths = {logical_id: "/" + props["Properties"]["PathPart"] for logical_id, props in resources.items()}
    served: dict[str, set[str]] = {}
    validated = set()
    for method in resources_of(default_app, "AWS::ApiGateway::Method").values():
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


def test_the_stack_sets_the_lambdas_endpoint_read_timeout(default_app):
    env = translate_function(default_app)["Properties"]["Environment"]["Variables"]
    assert float(env["ENDPOINT_READ_TIMEOUT_SECONDS"]) == ENDPOINT_READ_TIMEOUT_SECONDS


def test_endpoint_client_gives_up_before_the_lambda_which_gives_up_before_api_gateway(default_app):
    from translator import endpoint, vocab

    read_timeout = float(
        translate_function(default_app)["Properties"]["Environment"]["Variables"]["ENDPOINT_READ_TIMEOUT_SECONDS"]
    )
    # Two attempts of connect + read, plus up to a second of botocore's backoff between them...
    client_worst_case = endpoint.MAX_ATTEMPTS * (endpoint.CONNECT_TIMEOUT_SECONDS + read_timeout) + 1
    # ...after a cold start's single attempt at the vocabulary.
    client_worst_case += vocab.S3_CONNECT_TIMEOUT_SECONDS + vocab.S3_READ_TIMEOUT_SECONDS
    assert vocab._S3_CONFIG.retries["total_max_attempts"] == 1
    lambda_timeout = translate_function(default_app)["Properties"]["Timeout"]
    assert client_worst_case < lambda_timeout < 29
