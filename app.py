#!/usr/bin/env python3
"""CDK app: English->German translation with SageMaker's pre-trained seq2seq model behind a public HTTPS API."""

from aws_cdk import App

from stacks.service import build_service
from stacks.settings import SettingsError, default_context

# The CLI passes cdk.json's context in; `python app.py` alone gets the same defaults from here.
app = App(context=default_context())
try:
    build_service(app)
except SettingsError as error:
    raise SystemExit(f"error: {error}") from None
app.synth()
