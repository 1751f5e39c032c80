"""Stack names, output keys and the project tag: what scripts look up in a deployed account (free of CDK imports)."""

BUCKET_STACK = "TranslateModelBucket"
ENDPOINT_STACK = "TranslateEndpoint"
API_STACK = "TranslateApi"
STACK_NAMES = (BUCKET_STACK, ENDPOINT_STACK, API_STACK)

BUCKET_OUTPUT = "ModelBucketName"
ENDPOINT_OUTPUT = "EndpointName"
MODEL_OUTPUT = "ModelName"
# Batch Transform jobs (make translate-batch) keep their input and output under this prefix of the model bucket.
BATCH_JOB_PREFIX = "batch/"
TRANSLATE_URL_OUTPUT = "TranslateUrl"
API_URL_OUTPUT = "ApiUrl"

PROJECT_TAG = ("Project", "seq2seq-translate")

# SageMaker writes an endpoint's container logs to this prefix + the endpoint's name; the endpoint stack declares that group.
ENDPOINT_LOG_GROUP_PREFIX = "/aws/sagemaker/Endpoints/"

# The staged artifacts: the model SageMaker loads, and the two vocabularies kept beside it (the front end reads the source one).
MODEL_FILE = "model.tar.gz"
SOURCE_VOCABULARY_FILE = "vocab.src.json"
TARGET_VOCABULARY_FILE = "vocab.trg.json"
VOCABULARY_FILES = (SOURCE_VOCABULARY_FILE, TARGET_VOCABULARY_FILE)
ARTIFACT_FILES = (MODEL_FILE, *VOCABULARY_FILES)

# API Gateway's account-wide CloudWatch Logs role (one per account and region, shared by every REST API there): ours
# is created and set only where none is set, and kept on destroy (stacks/api_logging_role.py says why).
API_GATEWAY_LOGGING_ROLE = "seq2seq-translate-apigateway-logs"

# Pausing (make pause / resume, auto-pause, wake on request): the endpoint stack's CloudFormation parameter, "true"
# while the endpoint is removed to save cost; a later `cdk deploy` keeps its value unless given another.
PAUSED_PARAMETER = "Paused"
PAUSED_VALUES = ("false", "true")
# How long SageMaker typically takes to create the endpoint again (ml.m4.xlarge: 8 to 12 minutes).
ENDPOINT_START_MINUTES = 10
# The endpoint stack's function that pauses and resumes it through CloudFormation (make pause/resume, auto-pause, wake).
CONTROL_FUNCTION_OUTPUT = "EndpointControlFunctionName"
# API keys (setting api_keys): the secret holding them and the table counting each key's characters per month.
API_KEYS_SECRET_OUTPUT = "ApiKeysSecretArn"
USAGE_TABLE_OUTPUT = "UsageTableName"
