"""DeepL API v2's shapes over our one language pair: /v2/translate fields and answer, /v2/languages, /v2/usage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from translator.errors import BadRequest
from translator.limits import MAX_TEXTS
from translator.payload import check_text, check_total

if TYPE_CHECKING:
    from translator.service import Translate

SOURCE, TARGET = "EN", "DE"
# The routes of DeepL's API we serve (all answered in its shape).
ROUTES = frozenset({"/v2/translate", "/v2/languages", "/v2/usage", "/v2/glossary-language-pairs", "/v2/glossaries"})
# No glossaries here: clients (Weblate's DeepL machine among them) ask which pairs take one before creating any, and
# an empty list tells them to translate without.
GLOSSARY_LISTS = {
    "/v2/glossary-language-pairs": {"supported_languages": []},
    "/v2/glossaries": {"glossaries": []},
}
SOURCE_LANGUAGES = [{"language": SOURCE, "name": "English"}]
# Our model has one register: it can't be asked for formal or informal German.
TARGET_LANGUAGES = [{"language": TARGET, "name": "German", "supports_formality": False}]
TAG_HANDLING = ("html", "xml")
SPLIT_SENTENCES = ("0", "1", "nonewlines")
# Formality values a language without formality accepts at DeepL: the "prefer_" ones fall back to the default.
FORMALITY_ACCEPTED = ("default", "prefer_more", "prefer_less")
# DeepL Pro reports a character_limit of 10^12 for "unlimited"; we have no quota either.
CHARACTER_LIMIT = 1_000_000_000_000


@dataclass(frozen=True)
class DeepLRequest:
    """A /v2/translate request: texts (normalized; markup as written), tag handling, and what the answer carries."""

    texts: list[str]
    tag_handling: str | None
    billed_characters: bool
    # Elements whose text stays as written (DeepL's ignore_tags: a list, or comma-separated names).
    ignore_tags: tuple[str, ...] = ()


def parse_request(fields: dict[str, object]) -> DeepLRequest:
    """Check DeepL's text/target_lang/source_lang/tag_handling/split_sentences fields, in DeepL's words."""
    text = fields.get("text")
    if text is None:
        raise BadRequest("Parameter 'text' not specified.")
    target = fields.get("target_lang")
    if target is None:
        raise BadRequest(f"Parameter 'target_lang' not specified. This server translates to {TARGET} only.")
    if not isinstance(target, str) or _base(target) != TARGET:
        raise BadRequest(f"Value for 'target_lang' not supported. This server translates to {TARGET} (or DE-DE) only.")
    source = fields.get("source_lang")
    if source is not None and (not isinstance(source, str) or source.strip().upper() != SOURCE):
        raise BadRequest(f"Value for 'source_lang' not supported. This server translates from {SOURCE} only.")
    tag_handling = _choice(fields, "tag_handling", TAG_HANDLING)
    split = _choice(fields, "split_sentences", SPLIT_SENTENCES) or "1"
    formality = fields.get("formality")
    if formality is not None and str(formality).lower() not in FORMALITY_ACCEPTED:
        raise BadRequest("'formality' is not supported for given 'target_lang'.")
    # preserve_formatting is accepted and ignored: the model's German is rebuilt by the detokenizer and truecaser,
    # which already keep the source's sentence-final punctuation; there is no "correction" to switch off.
    items = text if isinstance(text, list) else [text]
    if not items:
        raise BadRequest("Parameter 'text' not specified.")
    if len(items) > MAX_TEXTS:
        raise BadRequest(f"Too many texts: at most {MAX_TEXTS} are allowed per request.")
    where = "text" if len(items) == 1 else "text[{}]"
    texts = [check_text(item, where.format(index)) for index, item in enumerate(items)]
    if split == "nonewlines":
        # DeepL then splits on punctuation only: a line break inside a text is not a sentence end.
        texts = [" ".join(text.split("\n")) for text in texts]
    # split_sentences "0" (each text one sentence) is accepted and split anyway: the model takes at most 60 tokens and
    # was trained on single sentences, so a text of several sentences as one input would be truncated or garbled.
    check_total(texts)
    billed = str(fields.get("show_billed_characters", "")).lower() in ("1", "true")
    # Markup keeps its text as written; its text nodes are normalized one by one (translator/html_text.py).
    return DeepLRequest(items if tag_handling else texts, tag_handling, billed, _tag_names(fields.get("ignore_tags")))


def _tag_names(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value] if value is not None else []
    if not all(isinstance(item, str) for item in items):
        raise BadRequest("Value for 'ignore_tags' not supported: give tag names, as a list or separated by commas.")
    return tuple(name.strip() for item in items for name in item.split(",") if name.strip())


def _base(code: str) -> str:
    """A language code without its regional variant, upper-case (DE-DE -> DE)."""
    return code.strip().upper().split("-")[0]


def _choice(fields: dict[str, object], name: str, allowed: tuple[str, ...]) -> str | None:
    value = fields.get(name)
    if value is None or value == "":
        return None
    value = str(value).strip().lower()
    if value not in allowed:
        raise BadRequest(f"Value for '{name}' not supported. Use one of: {', '.join(allowed)}.")
    return value


def translate(request: DeepLRequest, translate: Translate) -> dict:
    """Translate and answer in DeepL's shape: {"translations": [{"detected_source_language", "text"}]}."""
    if request.tag_handling:
        # Imported here: the HTML parser costs a little of every cold start. XML's text nodes are all translated
        # and sentences run across its tags; HTML's code and script stay as written and its blocks end sentences.
        from translator.html_text import HTML, XML, translate_html

        rules = (XML if request.tag_handling == "xml" else HTML).ignoring(request.ignore_tags)
        translated = [translate_html(text, translate, rules) for text in request.texts]
    else:
        translated = translate(request.texts).translations
    answers = []
    for source, text in zip(request.texts, translated, strict=True):
        answer: dict = {"detected_source_language": SOURCE, "text": text}
        if request.billed_characters:
            answer["billed_characters"] = len(source)
        answers.append(answer)
    return {"translations": answers}


def languages(fields: dict[str, object]) -> list[dict]:
    """/v2/languages: the source languages, or the target ones with type=target."""
    kind = str(fields.get("type") or "source").strip().lower()
    if kind not in ("source", "target"):
        raise BadRequest("Value for 'type' not supported. Use source or target.")
    return [dict(language) for language in (TARGET_LANGUAGES if kind == "target" else SOURCE_LANGUAGES)]


def usage(characters: int) -> dict:
    """/v2/usage: this month's characters of the caller's key, and DeepL Pro's "unlimited" limit."""
    return {"character_count": characters, "character_limit": CHARACTER_LIMIT}
