"""stacks/names.py: the names scripts look up in a deployed account, each spelled once."""

from stacks import names


def test_the_three_stacks_are_distinct_and_in_deploy_order():
    assert names.STACK_NAMES == (names.BUCKET_STACK, names.ENDPOINT_STACK, names.API_STACK)
    assert len(set(names.STACK_NAMES)) == 3


def test_the_staged_artifacts_are_the_model_and_its_two_vocabularies():
    assert names.ARTIFACT_FILES == ("model.tar.gz", "vocab.src.json", "vocab.trg.json")
    assert names.VOCABULARY_FILES == (names.SOURCE_VOCABULARY_FILE, names.TARGET_VOCABULARY_FILE)


def test_outputs_are_distinct_and_prefixes_end_with_a_slash():
    outputs = [
        names.BUCKET_OUTPUT,
        names.ENDPOINT_OUTPUT,
        names.MODEL_OUTPUT,
        names.TRANSLATE_URL_OUTPUT,
        names.API_URL_OUTPUT,
    ]
    assert len(set(outputs)) == len(outputs)
    assert names.BATCH_JOB_PREFIX.endswith("/") and names.ENDPOINT_LOG_GROUP_PREFIX.endswith("/")
