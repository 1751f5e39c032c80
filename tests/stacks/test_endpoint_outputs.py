"""What the endpoint stack tells the commands: the endpoint's name, and the SageMaker model that batch jobs run."""

from aws_cdk.assertions import Match

from stacks.names import ENDPOINT_OUTPUT, ENDPOINT_STACK, MODEL_OUTPUT


def test_outputs_the_endpoint_and_the_model_it_serves(default_app):
    template = default_app.template(ENDPOINT_STACK)
    # The endpoint's name is the stack's: the output stays while the endpoint is paused (removed).
    template.has_output(ENDPOINT_OUTPUT, {"Value": ENDPOINT_STACK})
    template.has_output(MODEL_OUTPUT, {"Value": {"Fn::GetAtt": [Match.string_like_regexp("^Model"), "ModelName"]}})
