"""stacks/api_logging_role_function/handler.py against moto's API Gateway and IAM over HTTP."""

import json

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from stacks.api_logging_role_function import handler as logging_role
from stacks.names import API_GATEWAY_LOGGING_ROLE

# moto does not load AWS-managed policies unless told to (slowly): the tests create one by that name in the account.
POLICY_NAME = "AmazonAPIGatewayPushToCloudWatchLogs"
POLICY_ARN = f"arn:aws:iam::123456789012:policy/service-role/{POLICY_NAME}"
ACCOUNT = "123456789012"
OTHER_ROLE_NAME = "someone-elses-logging-role"
OTHER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/{OTHER_ROLE_NAME}"
ANOTHER_ACCOUNTS_ROLE = "arn:aws:iam::210987654321:role/central-logging-role"


@pytest.fixture
def clients(aws_env):
    iam = boto3.client("iam")
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}
    created = iam.create_policy(PolicyName=POLICY_NAME, Path="/service-role/", PolicyDocument=json.dumps(document))
    assert created["Policy"]["Arn"] == POLICY_ARN
    return boto3.client("apigateway"), iam


def ensure(apigateway, iam, sleep=None):
    pauses = []
    result = logging_role.ensure_logging_role(
        apigateway,
        iam,
        account=ACCOUNT,
        role_name=API_GATEWAY_LOGGING_ROLE,
        policy_arn=POLICY_ARN,
        sleep=sleep or pauses.append,
    )
    return result, pauses


def set_account_role(apigateway, arn):
    apigateway.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": arn}])


def create_other_role(iam):
    trust = {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}
    document = json.dumps({"Version": "2012-10-17", "Statement": [trust]})
    arn = iam.create_role(RoleName=OTHER_ROLE_NAME, Path="/service-role/", AssumeRolePolicyDocument=document)
    assert arn["Role"]["Arn"] == OTHER_ROLE


def test_an_account_without_a_role_gets_ours_trusting_api_gateway(clients):
    apigateway, iam = clients
    (arn, set_now, reason), pauses = ensure(apigateway, iam)
    assert set_now and pauses == []
    assert reason == "The account had no role; set ours"
    assert apigateway.get_account()["cloudwatchRoleArn"] == arn
    role = iam.get_role(RoleName=API_GATEWAY_LOGGING_ROLE)["Role"]
    assert role["Arn"] == arn
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    attached = iam.list_attached_role_policies(RoleName=API_GATEWAY_LOGGING_ROLE)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [POLICY_ARN]


def test_a_live_role_the_account_already_has_is_left_alone(clients):
    apigateway, iam = clients
    create_other_role(iam)
    set_account_role(apigateway, OTHER_ROLE)
    (arn, set_now, reason), _ = ensure(apigateway, iam)
    assert (arn, set_now) == (OTHER_ROLE, False)
    assert reason == f"The account already has the role {OTHER_ROLE}; left as it is"
    assert apigateway.get_account()["cloudwatchRoleArn"] == OTHER_ROLE
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_role(RoleName=API_GATEWAY_LOGGING_ROLE)


def test_a_deleted_role_of_this_account_is_replaced_by_ours(clients):
    apigateway, iam = clients
    # What a stack with CDK's cloud_watch_role and RemovalPolicy.DESTROY leaves behind once destroyed.
    create_other_role(iam)
    set_account_role(apigateway, OTHER_ROLE)
    iam.delete_role(RoleName=OTHER_ROLE_NAME)
    (arn, set_now, reason), _ = ensure(apigateway, iam)
    assert set_now and arn == iam.get_role(RoleName=API_GATEWAY_LOGGING_ROLE)["Role"]["Arn"]
    assert reason == f"The account's role {OTHER_ROLE} no longer exists; set ours"
    assert apigateway.get_account()["cloudwatchRoleArn"] == arn


def test_a_role_of_another_account_is_left_alone_unread(clients):
    apigateway, iam = clients
    set_account_role(apigateway, ANOTHER_ACCOUNTS_ROLE)
    read = []
    iam.meta.events.register("before-call.iam.GetRole", lambda **_: read.append(1))
    (arn, set_now, reason), _ = ensure(apigateway, iam)
    assert (arn, set_now, read) == (ANOTHER_ACCOUNTS_ROLE, False, [])
    assert reason == f"The account's role {ANOTHER_ACCOUNTS_ROLE} belongs to another account; left as it is"
    assert apigateway.get_account()["cloudwatchRoleArn"] == ANOTHER_ACCOUNTS_ROLE


def answer_with_error(client, event_name, code, message):
    # moto's server runs without IAM authorization, so it never denies a call: botocore's before-call hook answers
    # this one call with the service's error instead, as refuse_first_updates below does for API Gateway.
    def hook(**_):
        body = {"Error": {"Code": code, "Message": message}}
        return AWSResponse("", 403, {}, None), {**body, "ResponseMetadata": {"HTTPStatusCode": 403}}

    client.meta.events.register(event_name, hook)


def test_a_role_that_cannot_be_read_is_left_alone_and_the_reason_says_why(clients):
    apigateway, iam = clients
    set_account_role(apigateway, OTHER_ROLE)
    answer_with_error(iam, "before-call.iam.GetRole", "AccessDenied", "not authorized to perform: iam:GetRole")
    (arn, set_now, reason), _ = ensure(apigateway, iam)
    assert (arn, set_now) == (OTHER_ROLE, False)
    assert reason == f"Could not check the account's role {OTHER_ROLE} (AccessDenied); left as it is"
    assert apigateway.get_account()["cloudwatchRoleArn"] == OTHER_ROLE


def test_our_role_left_by_an_earlier_deploy_is_reused(clients):
    apigateway, iam = clients
    (first, _, _), _ = ensure(apigateway, iam)
    # Someone cleared the account setting since; the role (global in IAM) is still there.
    set_account_role(apigateway, "")
    (second, set_now, _), _ = ensure(apigateway, iam)
    assert set_now and second == first
    assert len([r for r in iam.list_roles()["Roles"] if r["RoleName"] == API_GATEWAY_LOGGING_ROLE]) == 1


def refuse_first_updates(client, times, code="BadRequestException"):
    # moto sets the role at once; a real account refuses a brand-new role for a few seconds while IAM propagates.
    # botocore's before-call hook answers those first calls with API Gateway's error, then lets calls through.
    refused = []

    def hook(**_):
        if len(refused) < times:
            refused.append(1)
            body = {"Error": {"Code": code, "Message": "The role ARN does not have required permissions"}}
            return AWSResponse("", 400, {}, None), {**body, "ResponseMetadata": {"HTTPStatusCode": 400}}
        return None

    client.meta.events.register("before-call.apigateway.UpdateAccount", hook)
    return refused


def test_a_role_api_gateway_does_not_accept_yet_is_retried(clients):
    apigateway, iam = clients
    refused = refuse_first_updates(apigateway, 2)
    (arn, set_now, _), pauses = ensure(apigateway, iam)
    assert set_now and len(refused) == 2
    assert pauses == [logging_role.SET_ROLE_DELAY_SECONDS] * 2
    assert apigateway.get_account()["cloudwatchRoleArn"] == arn


def test_retries_end_with_api_gateways_error(clients):
    apigateway, iam = clients
    refuse_first_updates(apigateway, logging_role.SET_ROLE_ATTEMPTS)
    with pytest.raises(ClientError, match="does not have required permissions"):
        ensure(apigateway, iam)
    assert not apigateway.get_account().get("cloudwatchRoleArn")


def event(request_type, url, **properties):
    return {
        "RequestType": request_type,
        "ResponseURL": url,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/TranslateApi/1",
        "RequestId": "request-1",
        "LogicalResourceId": "ApiGatewayLoggingRole",
        "ResourceProperties": {"RoleName": API_GATEWAY_LOGGING_ROLE, "PolicyArn": POLICY_ARN, **properties},
    }


def test_create_reports_success_with_the_role_in_use(clients, cloudformation):
    apigateway, _ = clients
    url, received = cloudformation
    logging_role.handler(event("Create", url), None)
    (response,) = received
    assert response["Status"] == "SUCCESS" and response["RequestId"] == "request-1"
    assert response["Data"]["RoleArn"] == apigateway.get_account()["cloudwatchRoleArn"]
    assert response["Data"]["RoleArn"].endswith(f":role/{API_GATEWAY_LOGGING_ROLE}")


def test_create_tells_cloudformation_it_replaced_a_deleted_role_of_the_stacks_account(clients, cloudformation):
    apigateway, iam = clients
    url, received = cloudformation
    create_other_role(iam)
    set_account_role(apigateway, OTHER_ROLE)
    iam.delete_role(RoleName=OTHER_ROLE_NAME)
    logging_role.handler(event("Create", url), None)
    (response,) = received
    assert response["Status"] == "SUCCESS"
    assert response["Reason"] == f"The account's role {OTHER_ROLE} no longer exists; set ours"
    assert response["Data"]["RoleArn"] == apigateway.get_account()["cloudwatchRoleArn"] != OTHER_ROLE


def test_delete_leaves_the_account_setting_and_the_role(clients, cloudformation):
    apigateway, iam = clients
    url, received = cloudformation
    logging_role.handler(event("Create", url), None)
    logging_role.handler({**event("Delete", url), "PhysicalResourceId": received[0]["PhysicalResourceId"]}, None)
    assert received[1]["Status"] == "SUCCESS"
    assert received[1]["PhysicalResourceId"] == received[0]["PhysicalResourceId"]
    assert apigateway.get_account()["cloudwatchRoleArn"] == received[0]["Data"]["RoleArn"]
    assert iam.get_role(RoleName=API_GATEWAY_LOGGING_ROLE)["Role"]["Arn"] == received[0]["Data"]["RoleArn"]


def test_a_failure_reaches_cloudformation_with_its_reason(clients, cloudformation):
    url, received = cloudformation
    logging_role.handler(event("Create", url, PolicyArn="arn:aws:iam::aws:policy/NoSuchPolicy"), None)
    (response,) = received
    assert response["Status"] == "FAILED"
    assert response["Reason"].startswith("NoSuchEntityException: ") and "NoSuchPolicy" in response["Reason"]
