"""The documented request limits (openapi.json's x-limits states the same numbers; a test compares the two)."""

# Characters of one text: a few pages.
MAX_TEXT_CHARS = 5000
# Texts in one {"texts": [...]} or {"sentences": [...]} request.
MAX_TEXTS = 50
# Characters of all texts of one request together: ordinary English of this length (short sentences are the worst
# case) takes the model about 20 s at its estimated speed, inside API Gateway's 29 s (docs/MODEL_SPEED.md).
MAX_TOTAL_CHARS = 10000
# Bytes of the request body the Lambda reads (JSON escapes can take six bytes per character); API Gateway's own,
# larger limit is stacks/api_contract.py GATEWAY_MAX_BODY_BYTES.
MAX_REQUEST_BODY_BYTES = 256 * 1024
# API Gateway gives up on a REST integration after this many seconds (it answers 504), counted from the request's
# arrival: on a cold start the function's init runs inside it. stacks/api_contract.py's Lambda timeout stays below it.
GATEWAY_TIMEOUT_SECONDS = 29
# Tokens of one model input: the model was trained with max_seq_len_source=60 and truncates longer input.
MAX_SENTENCE_TOKENS = 60
# invoke_endpoint accepts at most this many bytes in one call's body (SageMaker's limit for real-time endpoints).
# A call carries at most plan.MAX_INSTANCES_PER_CALL sentences, far below it.
INVOKE_ENDPOINT_MAX_BYTES = 6_291_456
