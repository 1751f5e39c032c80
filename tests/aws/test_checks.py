"""The preconditions of a deploy against moto's server, a local STS that rejects credentials, and stubbed Service Quotas."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from botocore.stub import Stubber

from scripts.aws import checks
from scripts.aws.checks import (
    MIN_BOOTSTRAP_VERSION,
    PreflightError,
    bootstrap_parameter,
    check_autoscaling_role,
    check_bootstrap,
    check_caller,
    check_image,
    check_instance_quota,
    run_preflight,
)
from scripts.aws.session import aws_session
from stacks.settings import parse_overrides, settings_from_files
from tests.fixtures.moto_server import create_bootstrap_stack

ACCOUNT = "123456789012"  # moto's account


def settings(*pairs: str):
    return settings_from_files(parse_overrides(list(pairs)))


def quota(name: str, code: str, value: float) -> dict:
    return {"ServiceCode": "sagemaker", "QuotaCode": code, "QuotaName": name, "Value": value, "Adjustable": True}


FILLER = [quota(f"ml.p{n}.xlarge for training job usage", f"L-FILL{n:04d}", 4.0) for n in range(3)]


@pytest.fixture
def quotas(aws_env):
    """A Service Quotas client under botocore's Stubber: moto does not implement Service Quotas for sagemaker."""
    client = boto3.client("service-quotas", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def expect_pages(stubber: Stubber, operation: str, *pages: list[dict]) -> None:
    for index, page in enumerate(pages):
        params = {"ServiceCode": "sagemaker", "MaxResults": 100}
        if index:
            params["NextToken"] = f"page{index}"
        response = {"Quotas": page}
        if index < len(pages) - 1:
            response["NextToken"] = f"page{index + 1}"
        stubber.add_response(operation, response, params)


# --- credentials and region -------------------------------------------------------------------------------------


def test_credentials_against_moto_name_the_account_and_region(aws_env):
    caller = check_caller(aws_session())
    assert (caller.account, caller.region) == (ACCOUNT, "us-east-1")
    assert caller.arn.startswith(f"arn:aws:sts::{ACCOUNT}:")


@pytest.fixture
def no_credentials(monkeypatch, tmp_path):
    container = ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", *container):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_REGION", "us-east-1")


def test_missing_credentials_are_reported_with_what_works_offline(no_credentials):
    with pytest.raises(PreflightError) as raised:
        check_caller(aws_session())
    message = str(raised.value)
    assert message.startswith("no AWS credentials found")
    for offline in ("make test", "make local", "make synth"):
        assert offline in message


def test_missing_region_is_reported_before_any_call(aws_env, monkeypatch):
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(PreflightError, match=r"no AWS region set: .*export AWS_REGION=us-east-1"):
        check_caller(aws_session())


class _RejectingSts(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = (
            b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
            b"<Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message>"
            b"</Error><RequestId>r1</RequestId></ErrorResponse>"
        )
        self.send_response(403)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def rejecting_sts(aws_env, monkeypatch):
    """A real local HTTP server answering STS as AWS does for a bad access key (moto accepts any key)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RejectingSts)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", f"http://127.0.0.1:{server.server_address[1]}")
    yield
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_rejected_credentials_say_so_without_a_traceback(rejecting_sts):
    with pytest.raises(
        PreflightError, match=r"credentials were rejected \(InvalidClientTokenId: The security token"
    ) as raised:
        check_caller(aws_session())
    assert raised.value.__suppress_context__


def test_a_region_with_the_image_gives_its_registry_account():
    assert check_image("us-east-1") == "811284229777"  # the SDK map's account for us-east-1


@pytest.mark.parametrize("region", ["mx-central-1", "xx-made-up-1"])
def test_a_region_without_the_image_names_regions_that_have_it(region):
    with pytest.raises(PreflightError, match=rf"not offered in {region}\. Regions that have it: .*us-east-1"):
        check_image(region)


# --- instance type and quota (Service Quotas stubbed: moto lacks it for sagemaker) -----------------------------------


def test_quota_that_covers_the_fleet_and_a_rollout_passes_quietly(quotas):
    client, stubber = quotas
    expect_pages(stubber, "list_service_quotas", FILLER + [quota("ml.m4.xlarge for endpoint usage", "L-97CF11BE", 2.0)])
    proven, warnings = check_instance_quota(client, settings(), "us-east-1")
    assert proven == "ml.m4.xlarge is offered in us-east-1; quota L-97CF11BE is 2, this deployment needs 1"
    assert warnings == []


def test_quota_of_zero_stops_with_the_increase_request_to_make(quotas):
    client, stubber = quotas
    expect_pages(stubber, "list_service_quotas", [quota("ml.m4.xlarge for endpoint usage", "L-97CF11BE", 0.0)])
    with pytest.raises(PreflightError) as raised:
        check_instance_quota(client, settings(), "us-east-1")
    message = str(raised.value)
    assert "'ml.m4.xlarge for endpoint usage'" in message and "is 0, and this deployment needs 1" in message
    assert (
        "request-service-quota-increase --service-code sagemaker --quota-code L-97CF11BE --desired-value 2 --region us-east-1"
        in message
    )


def test_autoscaling_needs_quota_for_max_instance_count(quotas):
    client, stubber = quotas
    expect_pages(stubber, "list_service_quotas", [quota("ml.m5.xlarge for endpoint usage", "L-2F737F8D", 2.0)])
    with pytest.raises(
        PreflightError, match=r"is 2, and this deployment needs 3 \(max of instance_count 1 and max_instance_count 3\)"
    ):
        check_instance_quota(client, settings("instance_type=ml.m5.xlarge", "max_instance_count=3"), "us-east-1")


def test_quota_enough_for_one_fleet_warns_about_rolling_updates(quotas):
    client, stubber = quotas
    expect_pages(stubber, "list_service_quotas", [quota("ml.m4.xlarge for endpoint usage", "L-97CF11BE", 1.0)])
    proven, warnings = check_instance_quota(client, settings(), "us-east-1")
    assert proven.endswith("quota L-97CF11BE is 1, this deployment needs 1")
    assert len(warnings) == 1 and "second fleet" in warnings[0] and "needs up to 2" in warnings[0]


def test_quota_is_found_by_name_on_a_later_page(quotas):
    client, stubber = quotas
    expect_pages(
        stubber, "list_service_quotas", FILLER, FILLER, [quota("ml.c5.xlarge for endpoint usage", "L-C5XL", 4.0)]
    )
    proven, warnings = check_instance_quota(client, settings("instance_type=ml.c5.xlarge"), "us-east-1")
    assert proven == "ml.c5.xlarge is offered in us-east-1; quota L-C5XL is 4, this deployment needs 1"
    assert warnings == []


def test_quota_with_only_a_default_value_is_read_from_the_defaults(quotas):
    client, stubber = quotas
    expect_pages(stubber, "list_service_quotas", FILLER)
    expect_pages(
        stubber, "list_aws_default_service_quotas", [quota("ml.m4.xlarge for endpoint usage", "L-97CF11BE", 0.0)]
    )
    with pytest.raises(PreflightError, match=r"quota code L-97CF11BE\) in us-east-1 is 0"):
        check_instance_quota(client, settings(), "us-east-1")


def test_instance_type_without_an_endpoint_quota_is_not_offered(quotas):
    client, stubber = quotas
    expect_pages(stubber, "list_service_quotas", FILLER)
    expect_pages(
        stubber,
        "list_aws_default_service_quotas",
        FILLER,
        [quota("ml.m5.xlarge for endpoint usage", "L-2F737F8D", 0.0)],
    )
    with pytest.raises(
        PreflightError,
        match=r"ml\.m4\.xlarge is not offered for SageMaker endpoints in ap-southeast-7: .*=ml\.m5\.xlarge",
    ):
        check_instance_quota(client, settings(), "ap-southeast-7")


def test_unreadable_quotas_warn_and_name_the_quota_to_check_by_hand(quotas):
    client, stubber = quotas
    denied = "not authorized to perform servicequotas:ListServiceQuotas"
    stubber.add_client_error("list_service_quotas", "AccessDeniedException", denied, 403)
    proven, warnings = check_instance_quota(client, settings(), "us-east-1")
    assert proven is None
    assert len(warnings) == 1
    assert "could not read Service Quotas (AccessDeniedException: not authorized" in warnings[0]
    quota_label = "'ml.m4.xlarge for endpoint usage' (Service Quotas, service code sagemaker, quota code L-97CF11BE)"
    assert f"{quota_label} in us-east-1 is at least 1" in warnings[0]


# --- CDK bootstrap ----------------------------------------------------------------------------------------------------

TRIVIAL_TEMPLATE = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})


def bootstrap_check(stack_name="CDKToolkit", qualifier="hnb659fds"):
    caller = checks.Caller(account=ACCOUNT, arn="arn", region="us-east-1")
    return check_bootstrap(boto3.client("cloudformation"), boto3.client("ssm"), caller, stack_name, qualifier)


def test_bootstrap_stack_present(aws_env):
    create_bootstrap_stack("29")
    assert bootstrap_check() == "CDKToolkit (CREATE_COMPLETE), bootstrap version 29"


def test_bootstrap_version_is_read_from_the_parameter_when_the_stack_has_no_output(aws_env):
    create_bootstrap_stack("21", output=False)
    assert bootstrap_check() == "CDKToolkit (CREATE_COMPLETE), bootstrap version 21"


@pytest.mark.parametrize("version", [str(MIN_BOOTSTRAP_VERSION - 1), "1"])
def test_a_bootstrap_too_old_for_the_templates_names_the_command_that_upgrades_it(aws_env, version):
    create_bootstrap_stack(version)
    with pytest.raises(PreflightError) as raised:
        bootstrap_check()
    message = str(raised.value)
    assert f"is version {version}" in message
    assert f"need version {MIN_BOOTSTRAP_VERSION} or later" in message
    assert f"run `npx cdk bootstrap aws://{ACCOUNT}/us-east-1`" in message


def test_a_bootstrap_stack_without_any_version_is_too_old(aws_env):
    create_bootstrap_stack(None)
    with pytest.raises(PreflightError, match=rf"has no version .* run `npx cdk bootstrap aws://{ACCOUNT}/us-east-1`"):
        bootstrap_check()


def test_the_minimum_bootstrap_version_is_the_one_the_templates_check(default_app):
    # Every synthesized stack carries CheckBootstrapVersion: it refuses a list of versions, 1 up to the minimum - 1.
    for stack_name, template in default_app.templates.items():
        (assertion,) = template["Rules"]["CheckBootstrapVersion"]["Assertions"]
        refused, ref = assertion["Assert"]["Fn::Not"][0]["Fn::Contains"]
        assert ref == {"Ref": "BootstrapVersion"}, stack_name
        assert refused == [str(n) for n in range(1, MIN_BOOTSTRAP_VERSION)], stack_name
        assert template["Parameters"]["BootstrapVersion"]["Default"] == bootstrap_parameter("hnb659fds"), stack_name


def test_bootstrap_missing_says_the_command_to_run(aws_env):
    boto3.client("cloudformation").create_stack(StackName="SomethingElse", TemplateBody=TRIVIAL_TEMPLATE)
    with pytest.raises(
        PreflightError, match=rf"not bootstrapped .* run `npx cdk bootstrap aws://{ACCOUNT}/us-east-1` once"
    ):
        bootstrap_check()


def test_bootstrap_under_another_stack_name_is_found_by_its_qualifier(aws_env):
    boto3.client("ssm").put_parameter(Name="/cdk-bootstrap/custom123/version", Value="29", Type="String")
    assert bootstrap_check(stack_name="MyToolkit", qualifier="custom123") == (
        "qualifier custom123, bootstrap version 29"
    )


def test_project_uses_the_default_toolkit_unless_cdk_json_says_otherwise(tmp_path):
    assert checks.cdk_toolkit() == ("CDKToolkit", "hnb659fds")
    custom = tmp_path / "cdk.json"
    custom.write_text(json.dumps({"toolkitStackName": "Mine", "context": {"@aws-cdk/core:bootstrapQualifier": "q1"}}))
    assert checks.cdk_toolkit(custom) == ("Mine", "q1")


# --- Application Auto Scaling's service-linked role (moto's IAM) ------------------------------------------------------


def test_a_missing_autoscaling_role_warns_with_the_permission_and_the_command(aws_env):
    proven, warnings = check_autoscaling_role(boto3.client("iam"))
    assert proven is None and len(warnings) == 1
    assert "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint does not exist yet" in warnings[0]
    assert "iam:CreateServiceLinkedRole" in warnings[0]
    assert (
        "`aws iam create-service-linked-role --aws-service-name sagemaker.application-autoscaling.amazonaws.com`"
        in warnings[0]
    )


def test_an_existing_autoscaling_role_is_found_by_its_service_path(aws_env):
    iam = boto3.client("iam")
    iam.create_role(RoleName="unrelated", AssumeRolePolicyDocument="{}")
    iam.create_service_linked_role(AWSServiceName="sagemaker.application-autoscaling.amazonaws.com")
    proven, warnings = check_autoscaling_role(iam)
    assert warnings == [] and proven.startswith(
        "autoscaling: service-linked role AWSServiceRoleForApplicationAutoScaling"
    )


def test_an_unreadable_iam_is_a_warning_naming_the_command(aws_env):
    iam = boto3.client("iam")
    with Stubber(iam) as stubber:  # moto allows everything; a refusal is played by botocore's Stubber
        stubber.add_client_error("list_roles", "AccessDenied", "not authorized to perform iam:ListRoles", 403)
        proven, warnings = check_autoscaling_role(iam)
    assert proven is None
    assert "could not check for the service-linked role" in warnings[0] and "AccessDenied" in warnings[0]
    assert (
        "create-service-linked-role --aws-service-name sagemaker.application-autoscaling.amazonaws.com" in warnings[0]
    )


# --- all together -----------------------------------------------------------------------------------------------------


def test_all_preconditions_hold_and_each_is_reported(quotas):
    client, stubber = quotas
    expect_pages(stubber, "list_service_quotas", [quota("ml.m4.xlarge for endpoint usage", "L-97CF11BE", 4.0)])
    create_bootstrap_stack()
    lines: list[str] = []
    result = run_preflight(settings(), aws_session(), quotas_client=client, out=lines.append)
    assert result.caller.account == ACCOUNT and result.warnings == []
    assert [line.split()[0] for line in lines] == ["ok", "ok", "ok", "ok"]
    assert "CDKToolkit (CREATE_COMPLETE), bootstrap version 29" in lines[-1]


def test_with_autoscaling_the_service_linked_role_is_checked_last(quotas):
    client, stubber = quotas
    expect_pages(stubber, "list_service_quotas", [quota("ml.m4.xlarge for endpoint usage", "L-97CF11BE", 8.0)])
    create_bootstrap_stack()
    lines: list[str] = []
    result = run_preflight(settings("max_instance_count=3"), aws_session(), quotas_client=client, out=lines.append)
    assert [line.split()[0] for line in lines] == ["ok", "ok", "ok", "ok", "warn"]
    assert "create-service-linked-role" in lines[-1] and result.warnings == [lines[-1].split("warn  ", 1)[1]]


def test_without_autoscaling_iam_is_not_asked(quotas):
    client, stubber = quotas
    expect_pages(stubber, "list_service_quotas", [quota("ml.m4.xlarge for endpoint usage", "L-97CF11BE", 4.0)])
    create_bootstrap_stack()
    lines: list[str] = []
    run_preflight(settings(), aws_session(), quotas_client=client, out=lines.append)
    assert not any("service-linked" in line for line in lines)


def test_preflight_stops_at_the_first_failure(quotas):
    client, stubber = quotas
    expect_pages(stubber, "list_service_quotas", [quota("ml.m4.xlarge for endpoint usage", "L-97CF11BE", 0.0)])
    create_bootstrap_stack()
    lines: list[str] = []
    with pytest.raises(PreflightError, match="is 0, and this deployment needs 1"):
        run_preflight(settings(), aws_session(), quotas_client=client, out=lines.append)
    assert len(lines) == 2  # credentials and region reported; nothing after the quota


# --- transform job quota (Service Quotas stubbed: moto lacks it for sagemaker) --------------------------------------


def test_transform_quota_is_found_by_its_name_and_covers_the_job(quotas):
    client, stubber = quotas
    expect_pages(
        stubber,
        "list_service_quotas",
        FILLER + [quota("ml.m4.xlarge for endpoint usage", "L-97CF11BE", 4.0)],
        [quota("ml.m4.xlarge for transform job usage", "L-TRANSFORM", 2.0)],
    )
    proven, warnings = checks.check_transform_quota(client, "ml.m4.xlarge", 2, "us-east-1")
    assert proven == "quota 'ml.m4.xlarge for transform job usage' (L-TRANSFORM) in us-east-1 is 2, the job needs 2"
    assert warnings == []


def test_transform_quota_below_the_job_stops_with_the_increase_request(quotas):
    client, stubber = quotas
    expect_pages(stubber, "list_service_quotas", FILLER)
    expect_pages(
        stubber, "list_aws_default_service_quotas", [quota("ml.m4.xlarge for transform job usage", "L-TRANSFORM", 0.0)]
    )
    with pytest.raises(PreflightError, match="is 0 and the job needs 1") as raised:
        checks.check_transform_quota(client, "ml.m4.xlarge", 1, "us-east-1")
    assert "--quota-code L-TRANSFORM --desired-value 1 --region us-east-1" in str(raised.value)


def test_transform_quota_missing_means_the_type_is_not_offered_for_transform(quotas):
    client, stubber = quotas
    expect_pages(stubber, "list_service_quotas", [quota("ml.m4.xlarge for endpoint usage", "L-97CF11BE", 4.0)])
    expect_pages(stubber, "list_aws_default_service_quotas", FILLER)
    with pytest.raises(PreflightError, match="not offered for SageMaker transform jobs in us-east-1"):
        checks.check_transform_quota(client, "ml.m4.xlarge", 1, "us-east-1")


def test_unreadable_transform_quota_is_a_warning_naming_the_quota(quotas):
    client, stubber = quotas
    stubber.add_client_error("list_service_quotas", "AccessDeniedException", "no", 400)
    proven, warnings = checks.check_transform_quota(client, "ml.m4.xlarge", 1, "us-east-1")
    assert proven is None
    assert "'ml.m4.xlarge for transform job usage' in us-east-1 is at least 1" in warnings[0]
