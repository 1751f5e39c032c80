#!/usr/bin/env python3
"""CDK app: English->German translation with SageMaker's pre-trained seq2seq model behind a public HTTPS API."""

from stacks.quiet_jsii import quiet_jsii

# Before the first aws_cdk import: `npx cdk synth` and `python app.py` are quiet without make.
quiet_jsii()

from stacks.names import BUCKET_STACK, ENDPOINT_STACK
from stacks.python_bundling import BundlingError, bundling_errors
from stacks.service import build_service, new_app
from stacks.settings import SettingsError, default_context

# Without the package index the Lambda can't be bundled; the other stacks have nothing to bundle.
BUNDLING_ADVICE = (
    "run again with the index reachable, point pip at a mirror or a wheel directory "
    "(PIP_INDEX_URL, or PIP_NO_INDEX=1 with PIP_FIND_LINKS=DIR), "
    f"or synthesize the stacks without the Lambda: npx cdk synth --exclusively {BUCKET_STACK} {ENDPOINT_STACK}"
)

# The CLI passes cdk.json's context in; `python app.py` alone gets the same defaults from here.
app = new_app(default_context())
try:
    with bundling_errors():
        build_service(app)
        app.synth()
except SettingsError as error:
    raise SystemExit(f"error: {error}") from None
except BundlingError as error:
    raise SystemExit(f"error: {error}: {BUNDLING_ADVICE}") from None
