# Every target installs what it needs first, so each works on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
CDK := npx --no-install cdk
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: help setup setup-dev browser lint preflight deploy destroy stage versions calibrate translate-batch synth test bench local clean pause resume status keys

help:
	@echo "make deploy   deploy the translation service to the AWS account in your environment"
	@echo "make destroy  remove every stack and check that nothing keeps running (or billing)"
	@echo "make stage    stage the model into the deployed bucket (ARGS='--source DIR|URL|s3://...')"
	@echo "make versions list the staged model versions, newest first, and which one is in service"
	@echo "make pause    remove the endpoint (and its bill) until make resume; the model, bucket and API stay"
	@echo "make resume   start the paused endpoint again on the same model version (about 10 minutes)"
	@echo "make status   the endpoint's state, instances, cost per hour now and time since the last request"
	@echo "make keys ARGS='add NAME|list|revoke NAME'  manage API keys (setting api_keys)"
	@echo "make preflight  check credentials, region, instance quota and CDK bootstrap without deploying"
	@echo "make test     run the offline test suite (installs what it needs first)"
	@echo "make local    run the API and web page on 127.0.0.1 against a local stand-in model"
	@echo "make translate-batch ARGS='INPUT OUTPUT'  translate .txt/.jsonl/.srt files in bulk on SageMaker Batch Transform"
	@echo "make calibrate  measure the deployed endpoint's speed and print the model-speed settings to deploy with"
	@echo "make bench    measure the front end, staging and synth against their floors"
	@echo "make synth    synthesize the CloudFormation templates into cdk.out/"

$(VENV)/.runtime: requirements.txt requirements-sdk.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements.txt
	$(PIP) install --no-deps -r requirements-sdk.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt lambda/translate/requirements.txt
	$(PIP) install --no-warn-conflicts -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.runtime node_modules/.installed

setup-dev: setup $(VENV)/.dev

# Debian's chromium drives the web page tests; playwright never downloads a browser.
browser:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

synth: setup
	$(CDK) synth --quiet

preflight: setup
	$(PY) -m scripts.preflight $(ARGS)

deploy: setup
	$(PY) -m scripts.deploy $(ARGS)

destroy: setup
	$(PY) -m scripts.destroy $(ARGS)

stage: setup
	$(PY) -m scripts.stage_model $(ARGS)

versions: setup
	$(PY) -m scripts.stage_model --list $(ARGS)

translate-batch: setup-dev
	$(PY) -m scripts.translate_batch $(ARGS)

pause: setup
	$(PY) -m scripts.pause $(ARGS)

resume: setup
	$(PY) -m scripts.resume $(ARGS)

status: setup
	$(PY) -m scripts.status $(ARGS)

keys: setup
	$(PY) -m scripts.api_keys $(ARGS)

calibrate: setup
	$(PY) -m scripts.calibrate $(ARGS)

lint: setup-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# The sources compiled once first: the tests start many Python processes (synths, local servers, workers), which
# then read bytecode instead of compiling, even where PYTHONDONTWRITEBYTECODE keeps them from writing it.
test: setup-dev browser lint
	$(PY) -m compileall -q app.py stacks scripts lambda benchmarks tests
	$(PY) -m pytest -n 2 --dist worksteal $(PYTEST_ARGS)

bench: setup-dev
	$(PY) -m benchmarks

local: setup-dev
	$(PY) -m scripts.local_api --stand-in $(ARGS)

clean:
	rm -rf cdk.out .pytest_cache .hypothesis
