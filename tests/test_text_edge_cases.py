"""Real-world English the model can't know word by word: URLs, addresses, times, casing of the first word."""

import json

import handler
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from translator.limits import MAX_TEXT_CHARS
from translator.moses import capitalize_first, tokenize_english


@pytest.fixture
def api(sagemaker_local, call_api):
    """The handler pointed at the local stand-ins (sagemaker-runtime wire protocol in front of the container)."""
    handler._app.cache_clear()
    yield call_api
    handler._app.cache_clear()


@pytest.mark.parametrize(
    "sentence,kept",
    [
        ("Visit https://example.com/path?a=1&b=2 today.", "https://example.com/path?a=1&b=2"),
        ("Write to john.doe@example.com, please.", "john.doe@example.com"),
        ("We meet at 10:30 tomorrow.", "10:30"),
        ("Call +49 30 1234.", "+49"),
        ("See www.example.org.", "www.example.org"),
    ],
)
def test_urls_addresses_times_and_prefixes_stay_one_token(sentence, kept):
    tokens = tokenize_english(sentence)
    assert kept in tokens
    assert tokens[-1] in {".", "today", "please", "tomorrow"} or tokens[-2:] == [kept, "."]


def test_sentence_final_period_is_split_from_a_url():
    assert tokenize_english("See www.example.org.")[-2:] == ["www.example.org", "."]
    assert tokenize_english("Mr. Smith paid 3.50 dollars.") == ["Mr.", "Smith", "paid", "3.50", "dollars", "."]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("der Hund bellt.", "Der Hund bellt."),
        ('"das Auto" ist rot.', '"Das Auto" ist rot.'),
        ("10km ist weit.", "10km ist weit."),
        ("3rd Platz.", "3rd Platz."),
        ("iPhone ist teuer.", "iPhone ist teuer."),
        ("eBay verkauft.", "eBay verkauft."),
        ("https://example.com ist gut.", "https://example.com ist gut."),
        ("ﬁsch.", "Fisch."),
        ("", ""),
        ("...", "..."),
    ],
)
def test_only_an_all_lower_case_first_word_is_capitalized(text, expected):
    assert capitalize_first(text) == expected


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


def test_a_run_of_emoji_is_one_symbol_and_arrows_inside_urls_stay():
    assert tokenize_english("lol \U0001f602\U0001f602\U0001f602") == ["lol", "\U0001f602\U0001f602\U0001f602"]
    assert "https://example.com/a\u2192b" in tokenize_english("see https://example.com/a\u2192b now")


@pytest.mark.parametrize("text", ["1:2 " * 1001, "+1 " * 1001, "\U0001f44d " * 1001])
def test_a_sentence_of_a_thousand_urls_numbers_or_times_is_refused_not_a_500(api, text):
    response = api("POST", "/translate", {"text": text[:MAX_TEXT_CHARS]})
    assert response["statusCode"] == 413, response["body"]
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


# Long runs of what is costly to split or tokenize: protected spans, dots, abbreviations, emoji.
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


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(st.sampled_from(PIECES), min_size=1, max_size=2500), joiner=st.sampled_from(["", " "]))
def test_long_pathological_texts_never_make_the_handler_crash_or_answer_5xx(api, pieces, joiner):
    text = joiner.join(pieces)[:MAX_TEXT_CHARS]
    response = api("POST", "/translate", {"text": text})
    assert response["statusCode"] in (200, 400, 413), response["body"]
    assert ("message" in json.loads(response["body"])) == (response["statusCode"] != 200)
