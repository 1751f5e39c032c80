"""Templates for each pausing and keys mode: the Paused parameter, the control function, its schedule, keys, usage."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_cdk.assertions import Match

from stacks.endpoint import EARLIER_EXPORTS, RUNNING_CONDITION
from stacks.endpoint_control import check_interval_minutes, package_files
from stacks.names import (
    API_KEYS_SECRET_OUTPUT,
    API_STACK,
    CONTROL_FUNCTION_OUTPUT,
    ENDPOINT_STACK,
    PAUSED_PARAMETER,
    USAGE_TABLE_OUTPUT,
)
from tests.fixtures.cdk_app import PAUSING_SETTINGS

# What exists only while the endpoint runs.
CONDITIONAL_TYPES = {
    "AWS::SageMaker::Endpoint",
    "AWS::ApplicationAutoScaling::ScalableTarget",
    "AWS::ApplicationAutoScaling::ScalingPolicy",
}


@pytest.fixture(scope="session")
def pausing_app(synthesize):
    return synthesize(PAUSING_SETTINGS)


def statement(**fields) -> dict:
    """A policy holding a statement with these fields (among others)."""
    return {"PolicyDocument": {"Statement": Match.array_with([Match.object_like(fields)])}}


def references(value: Any) -> Iterator[str]:
    """Every logical id a template value names with Ref, Fn::GetAtt or Fn::Sub."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                yield inner
            elif key == "Fn::GetAtt":
                yield inner[0] if isinstance(inner, list) else inner.split(".")[0]
            elif key == "Fn::Sub" and isinstance(inner, str):
                yield from (part.split("}")[0].split(".")[0] for part in inner.split("${")[1:])
            yield from references(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from references(inner)


def control_function_id(synthesized) -> str:
    functions = synthesized.template(ENDPOINT_STACK).find_resources(
        "AWS::Lambda::Function", {"Properties": {"Environment": {"Variables": {"PAUSED_PARAMETER": PAUSED_PARAMETER}}}}
    )
    (function_id,) = functions
    return function_id


# --- the Paused parameter and what it removes ---


@pytest.mark.parametrize("fixture", ["default_app", "pausing_app"])
def test_the_paused_parameter_defaults_to_running_and_says_how_to_set_it(fixture, request):
    template = request.getfixturevalue(fixture).template(ENDPOINT_STACK)
    template.has_parameter(
        PAUSED_PARAMETER,
        {
            "Type": "String",
            "AllowedValues": ["false", "true"],
            "Default": "false",
            "Description": Match.string_like_regexp("make pause.*make resume"),
        },
    )
    template.template_matches({"Conditions": {RUNNING_CONDITION: {"Fn::Equals": [{"Ref": PAUSED_PARAMETER}, "false"]}}})


@pytest.mark.parametrize("fixture", ["default_app", "pausing_app"])
def test_only_the_endpoint_and_its_autoscaling_depend_on_running(fixture, request):
    synthesized = request.getfixturevalue(fixture)
    resources = synthesized.templates[ENDPOINT_STACK]["Resources"]
    conditional = {key: r["Type"] for key, r in resources.items() if r.get("Condition") == RUNNING_CONDITION}
    assert "AWS::SageMaker::Endpoint" in conditional.values()
    assert set(conditional.values()) <= CONDITIONAL_TYPES
    # Every resource of those types carries it: none is left to point at a missing endpoint.
    assert [key for key, r in resources.items() if r["Type"] in CONDITIONAL_TYPES] == sorted(
        conditional, key=list(resources).index
    )


def test_autoscaling_carries_the_condition_when_on(pausing_app):
    template = pausing_app.template(ENDPOINT_STACK)
    for type_name in sorted(CONDITIONAL_TYPES):
        template.has_resource(type_name, {"Condition": RUNNING_CONDITION})


@pytest.mark.parametrize("fixture", ["default_app", "pausing_app"])
def test_nothing_that_stays_references_what_goes(fixture, request):
    template = request.getfixturevalue(fixture).templates[ENDPOINT_STACK]
    resources = template["Resources"]
    conditional = {key for key, r in resources.items() if r.get("Condition") == RUNNING_CONDITION}
    for key, resource in resources.items():
        if key in conditional:
            continue
        depends_on = resource.get("DependsOn", [])
        named = set(references(resource)) | set([depends_on] if isinstance(depends_on, str) else depends_on)
        assert not named & conditional, f"{key} names {named & conditional}"
    for key, output in template["Outputs"].items():
        assert not set(references(output)) & conditional, key


def test_the_endpoint_names_itself_after_the_stack_which_names_it_everywhere_else(default_app):
    template = default_app.template(ENDPOINT_STACK)
    template.has_resource_properties("AWS::SageMaker::Endpoint", {"EndpointName": {"Ref": "AWS::StackName"}})
    assert default_app.service.endpoint.endpoint_name == ENDPOINT_STACK


def test_exports_the_api_stack_imported_before_keep_their_names_and_values(default_app):
    # A deployed API stack imports them until its own update: the endpoint stack's update must not remove them.
    template = default_app.template(ENDPOINT_STACK)
    endpoint_arn = default_app.service.endpoint.endpoint_arn
    values = {"name": ENDPOINT_STACK, "arn": default_app.service.endpoint.resolve(endpoint_arn)}
    for export, value in EARLIER_EXPORTS.items():
        template.has_output(export, {"Value": values[value], "Export": {"Name": f"{ENDPOINT_STACK}:{export}"}})
    assert values["arn"]["Fn::Join"][1][-1] == f":endpoint/{ENDPOINT_STACK.lower()}"


# --- the control function ---


@pytest.mark.parametrize(("fixture", "idle"), [("default_app", Match.absent()), ("pausing_app", "30")])
def test_the_control_function_knows_its_stack_endpoint_parameter_and_idle_time(fixture, idle, request):
    synthesized = request.getfixturevalue(fixture)
    variables = {
        "STACK_NAME": {"Ref": "AWS::StackName"},
        "ENDPOINT_NAME": ENDPOINT_STACK,
        "PAUSED_PARAMETER": PAUSED_PARAMETER,
        "IDLE_MINUTES": idle,
    }
    synthesized.template(ENDPOINT_STACK).has_resource_properties(
        "AWS::Lambda::Function",
        {"Handler": "handler.handler", "Environment": {"Variables": variables}, "LoggingConfig": Match.any_value()},
    )
    function_id = control_function_id(synthesized)
    synthesized.template(ENDPOINT_STACK).has_output(CONTROL_FUNCTION_OUTPUT, {"Value": {"Ref": function_id}})


def test_the_control_function_logs_to_its_own_group_with_retention_and_is_not_retried(default_app):
    template = default_app.template(ENDPOINT_STACK)
    function = template.find_resources("AWS::Lambda::Function")[control_function_id(default_app)]
    group_id = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    template.has_resource(
        "AWS::Logs::LogGroup",
        {
            "Properties": {"RetentionInDays": default_app.service.settings.log_retention_days},
            "DeletionPolicy": "Delete",
        },
    )
    assert group_id in template.find_resources(
        "AWS::Logs::LogGroup", {"Properties": {"RetentionInDays": Match.any_value()}}
    )
    template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {"FunctionName": {"Ref": control_function_id(default_app)}, "MaximumRetryAttempts": 0},
    )


def control_policy(synthesized) -> list[dict]:
    template = synthesized.template(ENDPOINT_STACK)
    function = template.find_resources("AWS::Lambda::Function")[control_function_id(synthesized)]
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    (policy,) = template.find_resources("AWS::IAM::Policy", {"Properties": {"Roles": [{"Ref": role_id}]}}).values()
    return policy["Properties"]["PolicyDocument"]["Statement"]


def test_the_control_function_may_update_its_own_stack_and_nothing_else(default_app):
    statements = {json.dumps(s["Action"]): s for s in control_policy(default_app)}
    assert set(statements) == {
        '["cloudformation:DescribeStacks", "cloudformation:UpdateStack"]',
        '"iam:PassRole"',
        '"ssm:GetParameters"',
        '["sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig"]',
        '"cloudwatch:GetMetricStatistics"',
    }
    assert statements['["cloudformation:DescribeStacks", "cloudformation:UpdateStack"]']["Resource"] == {
        "Ref": "AWS::StackId"
    }
    # The CDK execution role, which every update of a `cdk deploy`ed stack runs with; to CloudFormation only.
    pass_role = statements['"iam:PassRole"']
    assert pass_role["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}"
    }
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}}
    parameter = statements['"ssm:GetParameters"']["Resource"]["Fn::Join"][1][-1]
    assert parameter == ":parameter/cdk-bootstrap/hnb659fds/version"
    describe = statements['["sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig"]']["Resource"]
    assert describe[0]["Fn::Join"][1][-1] == f":endpoint/{ENDPOINT_STACK.lower()}"
    assert describe[1] == {"Ref": "EndpointConfig"}
    # The only statement on every resource: the metric read, which has no resource-level permissions.
    assert [s["Action"] for s in control_policy(default_app) if s["Resource"] == "*"] == [
        "cloudwatch:GetMetricStatistics"
    ]


def test_auto_pause_checks_on_a_schedule_only_when_set(default_app, pausing_app):
    default_app.template(ENDPOINT_STACK).resource_count_is("AWS::Events::Rule", 0)
    pausing_app.template(ENDPOINT_STACK).has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": "rate(10 minutes)",
            "State": "ENABLED",
            "Targets": [
                Match.object_like(
                    {
                        "Arn": {"Fn::GetAtt": [control_function_id(pausing_app), "Arn"]},
                        "Input": json.dumps({"action": "check"}, separators=(",", ":")),
                    }
                )
            ],
        },
    )
    pausing_app.template(ENDPOINT_STACK).has_resource_properties(
        "AWS::Lambda::Permission",
        {"Action": "lambda:InvokeFunction", "Principal": "events.amazonaws.com"},
    )


@pytest.mark.parametrize(("idle", "every"), [(15, 5), (30, 10), (120, 40), (600, 60), (10080, 60)])
def test_the_check_runs_within_a_third_of_the_idle_time_every_5_to_60_minutes(idle, every):
    assert check_interval_minutes(idle) == every


def test_the_control_package_is_its_directory_alone():
    files = package_files()
    assert {"handler.py", "control.py"} <= set(files)
    assert all(path.suffix == ".py" and "__pycache__" not in path.parts for path in files.values())


# --- the API stack: keys, usage, waking ---


def has_environment(synthesized, variables: dict) -> None:
    synthesized.template(API_STACK).has_resource_properties(
        "AWS::Lambda::Function",
        {"Environment": {"Variables": Match.object_like({"ENDPOINT_NAME": Match.any_value(), **variables})}},
    )


def only_id(synthesized, type_name: str) -> str:
    (logical_id,) = synthesized.template(API_STACK).find_resources(type_name)
    return logical_id


@pytest.mark.parametrize("fixture", ["default_app", "pausing_app"])
def test_the_usage_table_is_always_there_on_demand_recoverable_and_destroyed_with_the_stack(fixture, request):
    synthesized = request.getfixturevalue(fixture)
    template = synthesized.template(API_STACK)
    template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "Properties": Match.object_like(
                {
                    "KeySchema": [
                        {"AttributeName": "key", "KeyType": "HASH"},
                        {"AttributeName": "month", "KeyType": "RANGE"},
                    ],
                    "AttributeDefinitions": [
                        {"AttributeName": "key", "AttributeType": "S"},
                        {"AttributeName": "month", "AttributeType": "S"},
                    ],
                    "BillingMode": "PAY_PER_REQUEST",
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                }
            ),
            "DeletionPolicy": "Delete",
        },
    )
    table_id = only_id(synthesized, "AWS::DynamoDB::Table")
    has_environment(synthesized, {"USAGE_TABLE": {"Ref": table_id}})
    template.has_output(USAGE_TABLE_OUTPUT, {"Value": {"Ref": table_id}})
    # Exactly what usage.py calls: add to a count, read it back; no scan, no delete, no other item writes.
    template.has_resource_properties(
        "AWS::IAM::Policy",
        statement(Action=["dynamodb:GetItem", "dynamodb:UpdateItem"], Resource={"Fn::GetAtt": [table_id, "Arn"]}),
    )


def test_keys_off_no_secret_and_no_secret_in_the_environment(default_app):
    template = default_app.template(API_STACK)
    template.resource_count_is("AWS::SecretsManager::Secret", 0)
    has_environment(default_app, {"API_KEYS_SECRET": Match.absent()})
    assert API_KEYS_SECRET_OUTPUT not in default_app.templates[API_STACK]["Outputs"]


def test_keys_on_an_empty_secret_the_function_reads(pausing_app):
    template = pausing_app.template(API_STACK)
    template.has_resource(
        "AWS::SecretsManager::Secret",
        {"Properties": Match.object_like({"SecretString": json.dumps({"keys": {}})}), "DeletionPolicy": "Delete"},
    )
    template.resource_count_is("AWS::SecretsManager::RotationSchedule", 0)
    secret_id = only_id(pausing_app, "AWS::SecretsManager::Secret")
    has_environment(pausing_app, {"API_KEYS_SECRET": {"Ref": secret_id}})
    template.has_output(API_KEYS_SECRET_OUTPUT, {"Value": {"Ref": secret_id}})
    template.has_resource_properties(
        "AWS::IAM::Policy",
        statement(Action=Match.array_with(["secretsmanager:GetSecretValue"]), Resource={"Ref": secret_id}),
    )


def test_wake_off_the_function_may_not_invoke_the_control_function(default_app):
    has_environment(default_app, {"ENDPOINT_CONTROL_FUNCTION": Match.absent()})
    invoke = statement(Action="lambda:InvokeFunction")
    assert default_app.template(API_STACK).find_resources("AWS::IAM::Policy", {"Properties": invoke}) == {}


def test_wake_on_the_function_may_invoke_the_control_function_and_no_other(pausing_app):
    control_name = {"Fn::ImportValue": Match.string_like_regexp("EndpointControlFunction")}
    has_environment(pausing_app, {"ENDPOINT_CONTROL_FUNCTION": control_name})
    control_arn = {"Fn::ImportValue": Match.string_like_regexp("EndpointControlFunction.*Arn")}
    template = pausing_app.template(API_STACK)
    template.has_resource_properties(
        "AWS::IAM::Policy", statement(Action="lambda:InvokeFunction", Resource=control_arn)
    )
    (statement_,) = [
        s
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if "lambda:InvokeFunction" in json.dumps(s["Action"])
    ]
    assert "*" not in json.dumps(statement_["Resource"])


def test_turning_wake_off_deletes_no_export_the_api_stack_imported(default_app, pausing_app):
    # CloudFormation refuses to delete an export another stack imports: every export of the wake-on endpoint stack
    # must still be there when wake_on_request is turned off (the endpoint stack updates before the API stack).
    def exports(synthesized) -> set[str]:
        outputs = synthesized.templates[ENDPOINT_STACK]["Outputs"].values()
        return {json.dumps(output["Export"]["Name"]) for output in outputs if "Export" in output}

    imported = {
        json.dumps(value["Fn::ImportValue"])
        for value in references_to_imports(pausing_app.templates[API_STACK])
        if "EndpointControl" in json.dumps(value)
    }
    assert imported, "the wake-on API stack imports the control function"
    assert imported <= exports(default_app)


def references_to_imports(node: Any) -> Iterator[dict]:
    if isinstance(node, dict):
        if "Fn::ImportValue" in node:
            yield node
        for value in node.values():
            yield from references_to_imports(value)
    elif isinstance(node, list):
        for value in node:
            yield from references_to_imports(value)


# --- the template allows pausing: a stack update in moto's CloudFormation ---


def trimmed_endpoint_template(synthesized) -> dict:
    """The endpoint stack as synthesized, trimmed to what moto can create: its parameter, condition and endpoint."""
    template = synthesized.templates[ENDPOINT_STACK]
    resources = template["Resources"]
    (endpoint_id,) = [key for key, r in resources.items() if r["Type"] == "AWS::SageMaker::Endpoint"]
    (config_id,) = [key for key, r in resources.items() if r["Type"] == "AWS::SageMaker::EndpointConfig"]
    (model_id,) = [key for key, r in resources.items() if r["Type"] == "AWS::SageMaker::Model"]
    endpoint = {key: value for key, value in resources[endpoint_id].items() if key != "DependsOn"}
    model = {
        "Type": "AWS::SageMaker::Model",
        # The real one reads the staged model and the image map, which moto can't resolve.
        "Properties": {
            "ExecutionRoleArn": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/stand-in"},
            "PrimaryContainer": {"Image": "stand-in", "ModelDataUrl": "s3://stand-in/model.tar.gz"},
        },
    }
    return {
        "Parameters": {PAUSED_PARAMETER: template["Parameters"][PAUSED_PARAMETER]},
        "Conditions": template["Conditions"],
        "Resources": {
            model_id: model,
            config_id: resources[config_id],
            endpoint_id: endpoint,
            "AlarmTopic": {"Type": "AWS::SNS::Topic"},
        },
        "Outputs": {key: template["Outputs"][key] for key in ("EndpointName", "ModelName")},
    }


def resource_types(cloudformation) -> list[str]:
    summaries = cloudformation.list_stack_resources(StackName=ENDPOINT_STACK)["StackResourceSummaries"]
    return sorted(summary["ResourceType"] for summary in summaries)


def set_paused(cloudformation, value: str) -> None:
    # What the control function does: the previous template, only Paused changed.
    cloudformation.update_stack(
        StackName=ENDPOINT_STACK,
        UsePreviousTemplate=True,
        Parameters=[{"ParameterKey": PAUSED_PARAMETER, "ParameterValue": value}],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )


def create_endpoint_stack(cloudformation, synthesized, paused: str) -> None:
    cloudformation.create_stack(
        StackName=ENDPOINT_STACK,
        TemplateBody=json.dumps(trimmed_endpoint_template(synthesized)),
        Parameters=[{"ParameterKey": PAUSED_PARAMETER, "ParameterValue": paused}],
    )


def stack_of(cloudformation) -> dict:
    (stack,) = cloudformation.describe_stacks(StackName=ENDPOINT_STACK)["Stacks"]
    return stack


def test_a_paused_stack_has_everything_but_the_endpoint_and_says_its_name(default_app, aws_env):
    cloudformation, sagemaker = boto3.client("cloudformation"), boto3.client("sagemaker")
    create_endpoint_stack(cloudformation, default_app, "true")
    assert "AWS::SageMaker::Endpoint" not in resource_types(cloudformation)
    assert {"AWS::SNS::Topic", "AWS::SageMaker::EndpointConfig", "AWS::SageMaker::Model"} <= set(
        resource_types(cloudformation)
    )
    assert sagemaker.list_endpoints()["Endpoints"] == []
    assert len(sagemaker.list_endpoint_configs()["EndpointConfigs"]) == 1
    # Outputs resolve without the endpoint: none names it.
    assert {o["OutputKey"]: o["OutputValue"] for o in stack_of(cloudformation)["Outputs"]}["EndpointName"] == (
        ENDPOINT_STACK
    )


def test_the_previous_template_takes_paused_alone(default_app, aws_env):
    cloudformation, sagemaker = boto3.client("cloudformation"), boto3.client("sagemaker")
    create_endpoint_stack(cloudformation, default_app, "false")
    assert "AWS::SageMaker::Endpoint" in resource_types(cloudformation)
    assert len(sagemaker.list_endpoints()["Endpoints"]) == 1
    set_paused(cloudformation, "true")
    stack = stack_of(cloudformation)
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]} == {PAUSED_PARAMETER: "true"}
    assert {o["OutputKey"] for o in stack["Outputs"]} == {"EndpointName", "ModelName"}
    # moto (5.2) does not re-evaluate conditions on an update, so it can't show the endpoint going; CloudFormation
    # does, and the test above shows what the template is with Paused=true.
