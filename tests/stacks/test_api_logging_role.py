"""stacks/api_logging_role.py: no account-wide side effect from the API stack's logging role."""

import json

from aws_cdk.assertions import Capture, Match

from stacks.names import API_GATEWAY_LOGGING_ROLE, API_STACK

CUSTOM_TYPE = "Custom::ApiGatewayLoggingRole"


def arn(*parts) -> dict:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, *parts]]}


OUR_ROLE = arn(":iam::", {"Ref": "AWS::AccountId"}, f":role/{API_GATEWAY_LOGGING_ROLE}")
MANAGED_POLICY = arn(":iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs")


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
            "PolicyArn": MANAGED_POLICY,
        },
    )


def test_the_stage_is_created_after_the_account_has_a_role(default_app):
    template = default_app.template(API_STACK)
    (custom_id,) = template.find_resources(CUSTOM_TYPE)
    template.has_resource("AWS::ApiGateway::Stage", {"DependsOn": Match.array_with([custom_id])})


def logging_function_id(template) -> str:
    token = Capture()
    template.has_resource_properties(CUSTOM_TYPE, {"ServiceToken": {"Fn::GetAtt": [token, "Arn"]}})
    return token.as_string()


def test_the_function_logs_to_a_declared_group_that_goes_with_the_stack(default_app):
    template = default_app.template(API_STACK)
    log_group = Capture()
    functions = template.find_resources(
        "AWS::Lambda::Function",
        {
            "Properties": {
                "Handler": "handler.handler",
                "Timeout": 120,
                "LoggingConfig": {"LogGroup": {"Ref": log_group}},
            }
        },
    )
    assert list(functions) == [logging_function_id(template)]
    groups = template.find_resources(
        "AWS::Logs::LogGroup", {"Properties": {"RetentionInDays": 30}, "DeletionPolicy": "Delete"}
    )
    assert log_group.as_string() in groups


def test_the_function_runs_after_its_permissions_exist(default_app):
    template = default_app.template(API_STACK)
    role = Capture()
    functions = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Role": {"Fn::GetAtt": [role, "Arn"]}, "Timeout": 120}}
    )
    assert list(functions) == [logging_function_id(template)]
    ((policy_id, _),) = template.find_resources(
        "AWS::IAM::Policy", {"Properties": {"Roles": [{"Ref": role.as_string()}]}}
    ).items()
    template.has_resource(CUSTOM_TYPE, {"DependsOn": Match.array_with([policy_id])})


def test_the_function_may_touch_the_account_setting_and_our_role_and_read_this_accounts_roles(default_app):
    # The whole policy, exactly: nothing else is allowed, and nothing on roles beyond what each statement says.
    statements = [
        {
            "Action": ["apigateway:GET", "apigateway:PATCH"],
            "Effect": "Allow",
            "Resource": arn(":apigateway:", {"Ref": "AWS::Region"}, "::/account"),
        },
        {"Action": "iam:CreateRole", "Effect": "Allow", "Resource": OUR_ROLE},
        # Telling a deleted role the account's settings name from a live one (any role of this account).
        {"Action": "iam:GetRole", "Effect": "Allow", "Resource": arn(":iam::", {"Ref": "AWS::AccountId"}, ":role/*")},
        {
            "Action": "iam:AttachRolePolicy",
            "Condition": {"ArnEquals": {"iam:PolicyARN": MANAGED_POLICY}},
            "Effect": "Allow",
            "Resource": OUR_ROLE,
        },
        {
            "Action": "iam:PassRole",
            "Condition": {"StringEquals": {"iam:PassedToService": "apigateway.amazonaws.com"}},
            "Effect": "Allow",
            "Resource": OUR_ROLE,
        },
    ]
    template = default_app.template(API_STACK)
    template.has_resource_properties(
        "AWS::IAM::Policy", {"PolicyDocument": {"Statement": Match.exact(statements), "Version": "2012-10-17"}}
    )


def test_no_policy_of_the_stack_may_delete_a_role(default_app):
    assert "iam:DeleteRole" not in json.dumps(default_app.template(API_STACK).find_resources("AWS::IAM::Policy"))
