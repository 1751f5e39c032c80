"""stacks/api_logging_role.py: no account-wide side effect from the API stack's logging role."""

import json

from aws_cdk.assertions import Capture, Match

from stacks.names import API_GATEWAY_LOGGING_ROLE, API_STACK

CUSTOM_TYPE = "Custom::ApiGatewayLoggingRole"


def test_the_stack_never_declares_the_account_setting_or_a_logging_role(default_app):
    template = default_app.template(API_STACK)
    # AWS::ApiGateway::Account would replace the account and region's role for every API there.
    template.resource_count_is("AWS::ApiGateway::Account", 0)
    roles = json.dumps(template.find_resources("AWS::IAM::Role"))
    assert "AmazonAPIGatewayPushToCloudWatchLogs" not in roles


def test_a_custom_resource_sets_our_named_role_with_api_gateways_managed_policy(default_app):
    default_app.template(API_STACK).has_resource_properties(
        CUSTOM_TYPE,
        {
            "ServiceToken": {"Fn::GetAtt": [Match.any_value(), "Arn"]},
            "RoleName": API_GATEWAY_LOGGING_ROLE,
            "PolicyArn": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
                    ],
                ]
            },
        },
    )


def test_the_stage_is_created_after_the_account_has_a_role(default_app):
    template = default_app.template(API_STACK)
    (custom_id,) = template.find_resources(CUSTOM_TYPE)
    template.has_resource("AWS::ApiGateway::Stage", {"DependsOn": Match.array_with([custom_id])})


def test_the_function_runs_after_its_permissions_exist_and_logs_to_a_declared_group(default_app):
    template = default_app.template(API_STACK)
    token, role = Capture(), Capture()
    template.has_resource_properties(CUSTOM_TYPE, {"ServiceToken": {"Fn::GetAtt": [token, "Arn"]}})
    resources = template.to_json()["Resources"]
    function = resources[token.as_string()]
    assert function["Properties"]["Handler"] == "handler.handler"
    assert function["Properties"]["Timeout"] <= 900
    log_group = resources[function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]]
    assert log_group["Properties"]["RetentionInDays"] == 30 and log_group["DeletionPolicy"] == "Delete"
    template.has_resource_properties(
        "AWS::Lambda::Function", {"Handler": "handler.handler", "Role": {"Fn::GetAtt": [role, "Arn"]}, "Timeout": 120}
    )
    ((policy_id, _),) = template.find_resources(
        "AWS::IAM::Policy", {"Properties": {"Roles": [{"Ref": function["Properties"]["Role"]["Fn::GetAtt"][0]}]}}
    ).items()
    template.has_resource(CUSTOM_TYPE, {"DependsOn": Match.array_with([policy_id])})


def statement_for(template, action):
    policies = template.find_resources("AWS::IAM::Policy")
    statements = [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    (statement,) = [s for s in statements if action in json.dumps(s["Action"])]
    return statement


def test_the_function_may_touch_only_the_account_setting_and_our_one_role(default_app):
    template = default_app.template(API_STACK)
    settings = statement_for(template, "apigateway:PATCH")
    assert sorted(settings["Action"]) == ["apigateway:GET", "apigateway:PATCH"]
    assert json.dumps(settings["Resource"]).endswith('"::/account"]]}')
    for action in ("iam:CreateRole", "iam:AttachRolePolicy", "iam:PassRole"):
        resource = json.dumps(statement_for(template, action)["Resource"])
        assert resource.endswith(f':role/{API_GATEWAY_LOGGING_ROLE}"]]}}'), action
    read = statement_for(template, "iam:GetRole")
    assert read["Action"] == "iam:GetRole"
    assert json.dumps(read["Resource"]).endswith('{"Ref": "AWS::AccountId"}, ":role/*"]]}')
    attach = statement_for(template, "iam:AttachRolePolicy")
    assert "AmazonAPIGatewayPushToCloudWatchLogs" in json.dumps(attach["Condition"]["ArnEquals"]["iam:PolicyARN"])
    passed = statement_for(template, "iam:PassRole")
    assert passed["Condition"] == {"StringEquals": {"iam:PassedToService": "apigateway.amazonaws.com"}}
    assert "iam:DeleteRole" not in json.dumps(template.find_resources("AWS::IAM::Policy"))
