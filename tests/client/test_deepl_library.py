"""The official DeepL Python library, unchanged, against the local API server (stage /prod/) with server_url."""

from __future__ import annotations

from collections.abc import Iterator

import deepl
import pytest
from deepl import http_client

from tests.fixtures.local_api import KEY, LocalApiProcess


@pytest.fixture
def translator(stand_in_api: LocalApiProcess) -> Iterator[deepl.Translator]:
    # Keys are off on the shared server: the library insists on some key, and any is accepted.
    client = deepl.Translator("any-key", server_url=stand_in_api.base_url)
    yield client
    client.close()


def test_translate_text_one_string_and_a_list(translator: deepl.Translator) -> None:
    one = translator.translate_text("Hello, world!", target_lang="DE")
    assert (one.text, one.detected_source_lang) == ("Hallo, Welt!", "EN")
    many = translator.translate_text(["Good morning.", "Thank you."], source_lang="EN", target_lang="de")
    assert [result.text for result in many] == ["Gut Morgen.", "Danke du."]
    # The library asks for billed characters on every call and reads them.
    assert [result.billed_characters for result in many] == [len("Good morning."), len("Thank you.")]


def test_translate_text_with_html_tags_keeps_the_markup(translator: deepl.Translator) -> None:
    result = translator.translate_text("<p>Hello, <b>world</b>!</p>", target_lang="DE", tag_handling="html")
    assert result.text == "<p>Hallo, <b>Welt</b>!</p>"


def test_languages_and_usage(translator: deepl.Translator) -> None:
    assert [(language.code, language.name) for language in translator.get_source_languages()] == [("EN", "English")]
    targets = translator.get_target_languages()
    assert [(language.code, language.name, language.supports_formality) for language in targets] == [
        ("DE", "German", False)
    ]
    usage = translator.get_usage()
    assert usage.character.valid and usage.character.limit == 10**12
    assert not usage.any_limit_reached


def test_an_unsupported_target_is_deepls_exception_naming_what_is_allowed(translator: deepl.Translator) -> None:
    with pytest.raises(deepl.DeepLException, match="Value for 'target_lang' not supported") as raised:
        translator.translate_text("Hello", target_lang="FR")
    assert raised.value.http_status_code == 400
    assert "DE" in str(raised.value)


def test_throttling_is_retried_by_the_library_as_it_is_set_then_raised(
    stand_in_api: LocalApiProcess, translator: deepl.Translator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The library retries 429 and 5xx with its own backoff (1 s, then x1.6), 5 times by default; one retry here
    # keeps the test short and shows it stops: a throttled or paused service sees a bounded number of calls.
    monkeypatch.setattr(http_client, "max_network_retries", 1)
    stand_in_api.fail_next("ThrottlingException", count=20)
    before = stand_in_api.counters()["invocations"]
    with pytest.raises(deepl.TooManyRequestsException) as raised:
        translator.translate_text("Hello", target_lang="DE")
    assert raised.value.http_status_code == 429
    # The Lambda's own botocore retries several calls per request; the library sent 2 requests.
    calls = stand_in_api.counters()["invocations"] - before
    assert 2 <= calls <= 2 * 3, calls


# --- API keys on ------------------------------------------------------------------------------------------------------


def test_keys_on_a_wrong_key_is_deepls_authorization_error_and_the_right_one_counts(
    keyed_api: LocalApiProcess,
) -> None:
    wrong = deepl.Translator("not-a-key", server_url=keyed_api.base_url)
    with pytest.raises(deepl.AuthorizationException) as raised:
        wrong.translate_text("Hello", target_lang="DE")
    assert raised.value.http_status_code == 403
    with pytest.raises(deepl.AuthorizationException):
        wrong.get_usage()
    wrong.close()
    client = deepl.Translator(KEY, server_url=keyed_api.base_url)
    assert client.translate_text("Thank you.", target_lang="DE").text == "Danke du."
    assert client.get_usage().character.count == len("Thank you.")
    client.close()


def test_glossary_language_pairs_are_none(translator: deepl.Translator) -> None:
    assert translator.get_glossary_languages() == []
