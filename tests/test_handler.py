"""The translate Lambda's routes through real API Gateway REST proxy events, against the local sagemaker-runtime and stand-in
model: our dialect, LibreTranslate's, and real-world English end to end."""

from __future__ import annotations

import io
import json
import logging
import string
import time
from pathlib import Path
from urllib.parse import urlencode

import handler
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from translator.cold_start import ColdStart
from translator.limits import MAX_REQUEST_BODY_BYTES, MAX_TEXT_CHARS, MAX_TEXTS, MAX_TOTAL_CHARS
from translator.moses import tokenize_english

from stacks.api_contract import METRICS_NAMESPACE
from tests.fixtures.openapi_contract import documented_calls
from tests.fixtures.sagemaker_local import rest_event

ORIGIN = "https://translate.example.org"
# A web editor calling the LibreTranslate dialect from its own origin.
EDITOR = "https://editor.example"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def header(response: dict, name: str) -> str | None:
    values = response["multiValueHeaders"].get(name)
    return values[0] if values else None


@pytest.fixture
def cors_origins() -> str:
    return f"{ORIGIN},http://localhost:8000,{EDITOR}"


@pytest.fixture
def call_api(call_api):
    """The handler, with every response checked against the contract (openapi.json)."""
    return documented_calls(call_api)


@pytest.fixture
def api(sagemaker_local, call_api):
    """The handler with CORS for two configured origins, pointed at the local stand-ins."""
    return call_api


def test_hello_world_reads_like_german(api, sagemaker_local) -> None:
    response = api("POST", "/translate", {"text": "Hello, world!"})
    assert response["statusCode"] == 200
    assert response["json"] == {"translation": "Hallo, Welt!", "sentences": 1}


def test_sentences_are_translated_in_one_endpoint_call(api, sagemaker_local) -> None:
    text = "Mr. Smith has a car. The car is red! Is it fast? It costs $3.14 a day."
    response = api("POST", "/translate", {"text": text})
    assert (
        response["json"]["translation"]
        == "Mr. Smith hat ein Auto. Die Auto ist rot! Ist es schnell? Es costs $3.14 ein Tag."
    )
    assert response["json"]["sentences"] == 4
    assert sagemaker_local.runtime.invocations == 1


def test_texts_keep_their_order(api) -> None:
    response = api("POST", "/translate", {"texts": ["Good morning.", "Thank you.", "I love you, too."]})
    assert response["json"] == {"translations": ["Gut Morgen.", "Danke du.", "Ich liebe du, auch."], "sentences": 3}


def test_workshop_shape_still_works(api) -> None:
    response = api(
        "POST", "/translate", {"sentences": [{"query": "can you drive a car?"}, {"query": "I want to watch a movie."}]}
    )
    assert response["json"] == {
        "predictions": [{"target": "Kann du fahren ein Auto?"}, {"target": "Ich will zu sehen ein Film."}]
    }


def test_line_breaks_survive(api) -> None:
    # A blank line (a paragraph break) stays one.
    assert (
        api("POST", "/translate", {"text": "Hello.\n\nGood night.\nBye."})["json"]["translation"]
        == "Hallo.\n\nGut Nacht.\nTschüss."
    )


def test_unknown_words_come_back_through_attention(api) -> None:
    assert (
        api("POST", "/translate", {"text": "I love Quokkas in Zurich."})["json"]["translation"]
        == "Ich liebe Quokkas in Zurich."
    )


def test_base64_encoded_body(api) -> None:
    response = api("POST", "/translate", json.dumps({"text": "Hello, world!"}), base64_encoded=True)
    assert response["json"]["translation"] == "Hallo, Welt!"


def test_long_sentence_is_split_at_a_clause_boundary_not_truncated(api, sagemaker_local) -> None:
    text = ", ".join(["the dog is good"] * 20) + "."  # 99 tokens
    translation = api("POST", "/translate", {"text": text})["json"]["translation"]
    assert translation.count("Hund") == 20
    assert sagemaker_local.runtime.invocations == 1


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ("{not json", 400, "not valid JSON"),
        ("", 400, "body is empty"),
        ("[1, 2]", 400, "must be a JSON object"),
        ({}, 400, "no text given"),
        ({"txt": "Hello"}, 400, "unknown field(s): txt"),
        ({"text": ""}, 400, "text is empty"),
        ({"text": " \n\x00 "}, 400, "text is empty"),
        ({"text": 42}, 400, "text must be a string, not a number"),
        ({"text": None}, 400, "text must be a string, not null"),
        ({"text": "a", "texts": ["b"]}, 400, "give only one of text, texts"),
        ({"texts": []}, 400, "non-empty list"),
        ({"texts": ["ok", 3]}, 400, "texts[1] must be a string"),
        ({"texts": ["a"] * (MAX_TEXTS + 1)}, 400, f"at most {MAX_TEXTS}"),
        ({"sentences": [{"q": "x"}]}, 400, 'sentences[0] must be an object {"query"'),
        ({"text": "a" * (MAX_TEXT_CHARS + 1)}, 413, f"at most {MAX_TEXT_CHARS}"),
        (
            {"texts": ["a" * MAX_TEXT_CHARS] * (MAX_TOTAL_CHARS // MAX_TEXT_CHARS + 1)},
            413,
            f"at most {MAX_TOTAL_CHARS}",
        ),
        ({"text": "a" * (MAX_REQUEST_BODY_BYTES + 1)}, 413, f"over {MAX_REQUEST_BODY_BYTES} bytes"),
        # A sentence the model can't take is the text's fault, not the body's size: 400, not 413.
        ({"text": " ".join(["word"] * 70)}, 400, "more than 60 words"),
    ],
)
def test_bad_requests_get_one_clear_message_with_cors(api, sagemaker_local, body, status, needle) -> None:
    response = api("POST", "/translate", body, headers={"Origin": ORIGIN})
    assert response["statusCode"] == status
    assert needle in response["json"]["message"]
    assert header(response, "Access-Control-Allow-Origin") == ORIGIN
    assert "Traceback" not in response["body"]
    assert sagemaker_local.runtime.invocations == 0


def test_invalid_base64_is_a_400(sagemaker_local, lambda_context) -> None:
    event = rest_event("POST", "/translate", None)
    event.update(body="abc", isBase64Encoded=True)
    response = handler.handler(event, lambda_context)
    assert response["statusCode"] == 400 and "not valid base64" in json.loads(response["body"])["message"]


@pytest.mark.parametrize(
    ("code", "status", "retry_after"),
    [
        ("ModelError", 502, None),
        ("InternalFailure", 502, None),
        ("ThrottlingException", 503, "2"),
        ("ModelNotReadyException", 503, "30"),
        ("ServiceUnavailable", 503, "10"),
    ],
)
def test_endpoint_errors_map_to_gateway_statuses(api, sagemaker_local, code, status, retry_after) -> None:
    sagemaker_local.runtime.fail_next(code, count=5)
    response = api("POST", "/translate", {"text": "Hello."}, headers={"Origin": ORIGIN})
    assert response["statusCode"] == status
    assert header(response, "Retry-After") == retry_after
    assert header(response, "Access-Control-Allow-Origin") == ORIGIN
    assert response["json"]["message"]


def test_missing_endpoint_is_503_with_retry_after(api, monkeypatch) -> None:
    # A missing endpoint is a paused one (the stack removes it while Paused is true): come back in about the start time.
    monkeypatch.setenv("ENDPOINT_NAME", "gone")
    monkeypatch.setenv("ENDPOINT_START_SECONDS", "600")
    response = api("POST", "/translate", {"text": "Hello."})
    assert (response["statusCode"], header(response, "Retry-After")) == (503, "600")
    assert header(response, "X-Service-State") == "paused"
    assert "paused to save cost" in response["json"]["message"]


def test_slow_endpoint_is_504_before_the_lambda_times_out_and_is_asked_once(
    api, sagemaker_local, lambda_context
) -> None:
    lambda_context.remaining_ms = 2_500
    sagemaker_local.runtime.delay_next(3.0, count=2)
    response = api("POST", "/translate", {"text": "Hello."}, headers={"Origin": ORIGIN})
    assert response["statusCode"] == 504 and "in time" in response["json"]["message"]
    assert header(response, "Access-Control-Allow-Origin") == ORIGIN
    assert sagemaker_local.runtime.invocations == 1


def test_a_cold_starts_first_request_has_api_gateways_time_less_the_init(
    api, translate_handler, lambda_context, monkeypatch, sagemaker_local
) -> None:
    # The init took 26.5 s of API Gateway's 29 s: about a second of model time fits, not the 1.2 s this text needs.
    cold_start = ColdStart(started=time.monotonic() - 26.5)
    cold_start.init_done()
    monkeypatch.setattr(translate_handler, "COLD_START", cold_start)
    lambda_context.remaining_ms = 27_000
    text = {"text": "Hello world. " * 40}
    cold = api("POST", "/translate", text)
    assert cold["statusCode"] == 413 and "may use 0 s" in cold["json"]["message"]
    assert sagemaker_local.runtime.invocations == 0  # refused before any model call
    assert api("POST", "/translate", text)["statusCode"] == 200
    assert sagemaker_local.runtime.invocations > 0  # the same runtime counts the warm request's calls


def test_cors_only_for_configured_origins_and_preflight(api) -> None:
    other = api("POST", "/translate", {"text": "Hello."}, headers={"Origin": "https://evil.example"})
    assert other["statusCode"] == 200 and header(other, "Access-Control-Allow-Origin") is None
    second = api("POST", "/translate", {"text": "Hello."}, headers={"Origin": "http://localhost:8000"})
    assert header(second, "Access-Control-Allow-Origin") == "http://localhost:8000"
    preflight = api("OPTIONS", "/translate", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert preflight["statusCode"] == 204
    assert header(preflight, "Access-Control-Allow-Origin") == ORIGIN
    assert "POST" in header(preflight, "Access-Control-Allow-Methods")
    assert "Content-Type" in header(preflight, "Access-Control-Allow-Headers")


def test_page_and_unknown_routes(api) -> None:
    page = api("GET", "/")
    assert page["statusCode"] == 200 and header(page, "Content-Type").startswith("text/html")
    assert page["body"] == (Path(handler.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    missing = api("GET", "/nope", headers={"Origin": ORIGIN})
    assert missing["statusCode"] == 404 and "POST /translate" in missing["json"]["message"]
    assert header(missing, "Access-Control-Allow-Origin") == ORIGIN


def test_metrics_go_to_the_deployed_functions_namespace(api, translate_handler, capsys) -> None:
    capsys.readouterr()
    assert api("POST", "/translate", {"text": "Hello."})["statusCode"] == 200
    documents = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    namespaces = {
        metric["Namespace"]
        for document in documents
        for metric in document.get("_aws", {}).get("CloudWatchMetrics", [])
    }
    assert namespaces == {METRICS_NAMESPACE}


def test_logs_are_structured_with_request_id_and_no_user_text(api) -> None:
    # Powertools keeps the stdout it saw at import: listen with its own JSON formatter on a second handler.
    stream = io.StringIO()
    listener = logging.StreamHandler(stream)
    listener.setFormatter(handler.logger.registered_formatter)
    logging.getLogger(handler.logger.name).addHandler(listener)
    secret = "Quokkas enjoy Zurich"
    try:
        api("POST", "/translate", {"text": f"{secret}. Hello."})
        # Refusals too: their messages quote the text ("it starts: ..."), the logs must not.
        refused = api("POST", "/translate", {"text": " ".join([secret] * 25)})
        assert refused["statusCode"] == 400 and "Quokkas" in refused["json"]["message"]
        assert api("POST", "/translate", {"text": "Hi", secret: 1})["statusCode"] == 400
    finally:
        logging.getLogger(handler.logger.name).removeHandler(listener)
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    translated = next(record for record in records if record.get("message") == "translated")
    assert translated["sentences"] == 2 and translated["endpoint_calls"] == 1
    assert {"correlation_id", "function_request_id", "endpoint_ms", "total_ms"} <= set(translated)
    assert all(secret not in json.dumps(record) and "Quokkas" not in json.dumps(record) for record in records)


def test_without_vocabulary_requests_still_work(api, monkeypatch, tmp_path) -> None:
    from translator import vocab

    monkeypatch.setenv("SOURCE_VOCABULARY_FILE", str(tmp_path / "vocab.src.json"))  # no such file
    vocab.reset()
    assert api("POST", "/translate", {"text": "Hello, world!"})["json"]["translation"] == "Hallo, Welt!"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
bodies = st.one_of(
    st.text(max_size=200),
    json_values.map(json.dumps),
    st.fixed_dictionaries({"text": st.text(max_size=300)}).map(json.dumps),
    st.fixed_dictionaries(
        {"texts": st.lists(st.text(alphabet=string.printable + "äöü“”…—\u200b", max_size=80), max_size=5)}
    ).map(json.dumps),
    st.fixed_dictionaries({"sentences": st.lists(st.fixed_dictionaries({"query": json_values}), max_size=3)}).map(
        json.dumps
    ),
)


# About reading bodies, not time: the stand-in answers at once.
@pytest.mark.instant_model
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, encoded=st.booleans())
def test_no_body_makes_the_handler_crash_or_answer_5xx(api, body, encoded) -> None:
    response = api("POST", "/translate", body, base64_encoded=encoded)
    assert response["statusCode"] in (200, 400, 413), response["body"]
    document = json.loads(response["body"])
    assert ("message" in document) == (response["statusCode"] != 200)


# --- LibreTranslate's dialect on the same routes -----------------------------------------------------------------------


def test_json_request(api) -> None:
    response = api(
        "POST", "/translate", {"q": "Hello, world!", "source": "en", "target": "de", "format": "text", "api_key": ""}
    )
    assert response["statusCode"] == 200 and response["json"] == {"translatedText": "Hallo, Welt!"}


def test_url_encoded_form_with_auto_detection(api) -> None:
    body = urlencode({"q": "I love you, too.", "source": "auto", "target": "de"})
    response = api("POST", "/translate", body, headers={**FORM, "Origin": EDITOR})
    assert response["json"] == {
        "translatedText": "Ich liebe du, auch.",
        "detectedLanguage": {"confidence": 100.0, "language": "en"},
    }
    assert header(response, "Access-Control-Allow-Origin") == EDITOR


def test_list_q_gives_a_list(api, sagemaker_local) -> None:
    response = api("POST", "/translate", {"q": ["Good morning.", "Thank you."], "source": "en", "target": "de"})
    assert response["json"] == {"translatedText": ["Gut Morgen.", "Danke du."]}
    assert sagemaker_local.runtime.invocations == 1


def test_repeated_form_field_is_a_list(api) -> None:
    body = urlencode([("q", "Hello."), ("q", "Good night."), ("source", "en"), ("target", "de")])
    assert api("POST", "/translate", body, headers=FORM)["json"] == {"translatedText": ["Hallo.", "Gut Nacht."]}


def test_multipart_form_base64_encoded(api) -> None:
    boundary = "----pytestboundary"
    parts = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in (("q", "Hello, world!"), ("source", "en"), ("target", "de"))
    )
    body = parts + f"--{boundary}--\r\n"
    response = api(
        "POST",
        "/translate",
        body,
        base64_encoded=True,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response["json"] == {"translatedText": "Hallo, Welt!"}


def test_html_keeps_markup(api) -> None:
    html = '<p class="x">Hello, <b>world</b>!</p><script>var s = "the car";</script>'
    response = api("POST", "/translate", {"q": html, "source": "en", "target": "de", "format": "html"})
    assert (
        response["json"]["translatedText"] == '<p class="x">Hallo, <b>Welt</b>!</p><script>var s = "the car";</script>'
    )


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        (
            {"q": "Hallo", "source": "de", "target": "en"},
            "de -> en is not supported; this server translates en -> de only",
        ),
        ({"q": "Bonjour", "source": "fr", "target": "de"}, "fr -> de is not supported"),
        ({"q": "Hello", "source": "en"}, "en -> (none) is not supported"),
        ({"source": "en", "target": "de"}, "missing q parameter"),
        ({"q": "", "source": "en", "target": "de"}, "q is empty"),
        ({"q": [], "source": "en", "target": "de"}, "q is an empty list"),
        ({"q": "Hi", "source": "en", "target": "de", "format": "pdf"}, "format 'pdf' is not supported"),
        ({"q": "a" * 6000, "source": "en", "target": "de"}, "at most 5000"),
    ],
)
def test_errors_use_libretranslates_shape_and_status(api, fields, needle) -> None:
    # JSON carries a list or an empty q exactly; a body without q is only LibreTranslate's when sent as a form.
    if "q" in fields:
        response = api("POST", "/translate", fields, headers={"Origin": EDITOR})
    else:
        response = api("POST", "/translate", urlencode(fields), headers={**FORM, "Origin": EDITOR})
    assert response["statusCode"] == 400
    assert needle in response["json"]["error"] and "message" not in response["json"]
    assert header(response, "Access-Control-Allow-Origin") == EDITOR


def test_throttled_is_429_and_model_failure_is_500_as_libretranslate_answers(api, sagemaker_local) -> None:
    sagemaker_local.runtime.fail_next("ThrottlingException", count=5)
    throttled = api("POST", "/translate", {"q": "Hello", "source": "en", "target": "de"})
    assert (throttled["statusCode"], header(throttled, "Retry-After")) == (429, "2") and throttled["json"]["error"]
    sagemaker_local.runtime.reset()
    sagemaker_local.runtime.fail_next("ModelError", count=5)
    failed = api("POST", "/translate", {"q": "Hello", "source": "en", "target": "de"})
    # LibreTranslate answers 500 when translating failed (its clients know no 502).
    assert failed["statusCode"] == 500 and "error" in failed["json"]


def test_languages(api) -> None:
    response = api("GET", "/languages", headers={"Origin": EDITOR})
    assert response["json"] == [
        {"code": "en", "name": "English", "targets": ["de"]},
        {"code": "de", "name": "German", "targets": []},
    ]
    assert header(response, "Access-Control-Allow-Origin") == EDITOR


def test_detect(api) -> None:
    assert api("POST", "/detect", urlencode({"q": "Hello"}), headers=FORM)["json"] == [
        {"confidence": 100.0, "language": "en"}
    ]
    missing = api("POST", "/detect", {"nothing": 1})
    assert missing["statusCode"] == 400 and "missing q" in missing["json"]["error"]


def test_the_native_contract_is_unchanged(api) -> None:
    assert api("POST", "/translate", {"text": "Hello, world!"})["json"] == {
        "translation": "Hallo, Welt!",
        "sentences": 1,
    }
    assert "message" in api("POST", "/translate", {"text": ""})["json"]


values = st.none() | st.booleans() | st.integers() | st.text(max_size=60) | st.lists(st.text(max_size=30), max_size=4)


fields = st.fixed_dictionaries(
    {"q": values},
    optional={
        "source": values,
        "target": st.sampled_from(["de", "en", "", "DE"]) | values,
        "format": st.sampled_from(["text", "html", "xml"]) | values,
        "api_key": values,
    },
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=fields, as_form=st.booleans(), path=st.sampled_from(["/translate", "/detect"]))
def test_no_libretranslate_request_makes_the_handler_crash_or_answer_5xx(api, document, as_form, path) -> None:
    if as_form:
        flat = {key: value for key, value in document.items() if isinstance(value, str | list)}
        response = api("POST", path, urlencode(flat, doseq=True), headers=FORM)
    else:
        response = api("POST", path, document)
    assert response["statusCode"] in (200, 400, 413), response["body"]
    if response["statusCode"] != 200:
        assert set(response["json"]) == {"error"}


# --- Real-world English end to end ------------------------------------------------------------------------------------


def test_deeply_nested_json_is_a_clear_400_not_a_500(api):
    body = "[" * 100_000 + "]" * 100_000
    for content_type in ("application/json", "text/plain"):
        response = api("POST", "/translate", body, headers={"Content-Type": content_type})
        assert response["statusCode"] == 400, response
        assert "nests JSON too deeply" in response["json"]["message"]
    libre = api(
        "POST",
        "/translate",
        '{"q": ' + "[" * 100_000 + "]" * 100_000 + "}",
        headers={"Content-Type": "application/json"},
    )
    assert libre["statusCode"] == 400


def test_urls_survive_translation_through_unk_replacement(api):
    response = api("POST", "/translate", {"text": "Visit https://example.com/a?b=1 now."})
    assert "https://example.com/a?b=1" in response["json"]["translation"]


def test_direct_speech_after_a_colon_keeps_its_capital(api):
    german = api("POST", "/translate", {"text": 'He said: "The car is red."'})["json"]["translation"]
    assert german.startswith("Er sagte:") and ': "Die Auto ist rot."' in german


def test_inline_html_fragments_are_not_capitalized(api):
    answer = api(
        "POST",
        "/translate",
        {"q": "<p>The car is <b>red</b> and the dog sleeps.</p>", "source": "en", "target": "de", "format": "html"},
    )
    assert answer["statusCode"] == 200, answer
    assert answer["json"]["translatedText"].startswith("<p>Die Auto ist <b>rot</b> ")


def test_curly_single_quotes_read_as_quotation_apostrophes_stay(api):
    german = api("POST", "/translate", {"text": "He said ‘yes’ and I don’t care."})["json"]["translation"]
    assert '"ja"' in german and "' " not in german


@pytest.mark.parametrize(
    "emoji",
    [
        "\u2764\ufe0f",
        "\U0001f44d\U0001f3fd",
        "\U0001f1e9\U0001f1ea",
        "\U0001f468\u200d\U0001f469\u200d\U0001f467",
        "\u2b50\ufe0f",
        "1\ufe0f\u20e3",
    ],
)
def test_emoji_sequences_stay_whole(api, emoji):
    assert emoji in tokenize_english(f"I {emoji} you.")
    # Glued to a word, an emoji still comes apart from it, and the word stays a word the model knows.
    assert tokenize_english(f"great{emoji}.") == ["great", emoji, "."]
    assert emoji in api("POST", "/translate", {"text": f"The family {emoji} is here."})["json"]["translation"]


@pytest.mark.parametrize("text", ["1:2 " * 1001, "+1 " * 1001, "\U0001f44d " * 1001])
def test_a_sentence_of_a_thousand_urls_numbers_or_times_is_refused_not_a_500(api, text):
    response = api("POST", "/translate", {"text": text[:MAX_TEXT_CHARS]})
    # The model can't take such a sentence: the text's fault (400), not the body's size (413).
    assert response["statusCode"] == 400, response["body"]
    assert "more than 500 URLs, numbers, times or emoji" in response["json"]["message"]


def test_lower_case_sentences_are_translated_one_by_one(api):
    answer = api("POST", "/translate", {"text": "i love the dog. it is good."})["json"]
    assert answer["sentences"] == 2 and "dog." not in answer["translation"]


def test_word_and_pdf_line_breaks_separate_words(api):
    answer = api("POST", "/translate", {"text": "The car\x0bis red.\x0cThe dog."})["json"]["translation"]
    assert answer.split("\n") == ["Die Auto", "Ist rot.", "Die Hund."]


def test_errors_before_the_contract_is_known_carry_both_keys(api):
    too_large = api("POST", "/translate", {"q": "a" * 300_000, "target": "de"})
    assert too_large["statusCode"] == 413 and too_large["json"]["error"] == too_large["json"]["message"]
    missing = api("GET", "/nowhere")
    assert missing["statusCode"] == 404 and "GET /nowhere" in missing["json"]["error"] == missing["json"]["message"]


PIECES = [
    "1:2",
    "+1",
    ".",
    "...",
    "Dr.",
    "e.g.",
    "etc.",
    "a",
    "I",
    ",",
    ";",
    "!",
    "?",
    "\U0001f44d\U0001f3fd",
    "http://x.example/",
    '"',
    "(",
    ")",
    "\u2026",
    "\x0b",
    "3.14",
]


# About text processing, not time: the stand-in answers at once (the front end still plans at the model's speed).
@pytest.mark.instant_model
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(st.sampled_from(PIECES), min_size=1, max_size=2500), joiner=st.sampled_from(["", " "]))
def test_long_pathological_texts_never_make_the_handler_crash_or_answer_5xx(api, pieces, joiner):
    text = joiner.join(pieces)[:MAX_TEXT_CHARS]
    response = api("POST", "/translate", {"text": text})
    assert response["statusCode"] in (200, 400, 413), response["body"]
    assert ("message" in json.loads(response["body"])) == (response["statusCode"] != 200)
