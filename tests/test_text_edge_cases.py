"""Real-world English the model can't know word by word: URLs, addresses, times, casing of the first word."""

import pytest

import handler
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
    libre = api("POST", "/translate", '{"q": ' + "[" * 100_000 + "]" * 100_000 + "}", headers={"Content-Type": "application/json"})
    assert libre["statusCode"] == 400


def test_urls_survive_translation_through_unk_replacement(api):
    response = api("POST", "/translate", {"text": "Visit https://example.com/a?b=1 now."})
    assert "https://example.com/a?b=1" in response["json"]["translation"]


def test_direct_speech_after_a_colon_keeps_its_capital(api):
    german = api("POST", "/translate", {"text": 'He said: "The car is red."'})["json"]["translation"]
    assert german.startswith("Er sagte:") and ': "Die Auto ist rot."' in german


def test_inline_html_fragments_are_not_capitalized(api):
    answer = api("POST", "/translate", {"q": "<p>The car is <b>red</b> and the dog sleeps.</p>", "source": "en", "target": "de", "format": "html"})
    assert answer["statusCode"] == 200, answer
    assert answer["json"]["translatedText"].startswith("<p>Die Auto ist <b>rot</b> ")


def test_curly_single_quotes_read_as_quotation_apostrophes_stay(api):
    german = api("POST", "/translate", {"text": "He said ‘yes’ and I don’t care."})["json"]["translation"]
    assert '"ja"' in german and "' " not in german
