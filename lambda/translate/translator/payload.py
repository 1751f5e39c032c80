"""Our POST /translate contract: check a parsed body (three accepted shapes) and shape the matching answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from translator.errors import BadRequest, TooLarge
from translator.limits import MAX_TEXT_CHARS, MAX_TEXTS, MAX_TOTAL_CHARS
from translator.normalize import normalize

Shape = Literal["text", "texts", "sentences"]
SHAPES = ('{"text": "..."}', '{"texts": ["...", ...]}', '{"sentences": [{"query": "..."}, ...]}')
_ALLOWED = "send one of " + ", ".join(SHAPES)


@dataclass(frozen=True)
class TranslateRequest:
    """Which shape the client used, and its English texts in order (normalized)."""

    shape: Shape
    texts: list[str]


def parse_translate_request(document: object) -> TranslateRequest:
    """Check a parsed body (None: an empty one) against the three accepted shapes and the limits."""
    if document is None:
        raise BadRequest(f"the request body is empty; {_ALLOWED}")
    if not isinstance(document, dict):
        raise BadRequest(f"the request body must be a JSON object; {_ALLOWED}")
    present = [key for key in ("text", "texts", "sentences") if key in document]
    unknown = sorted(set(document) - {"text", "texts", "sentences"})
    if unknown:
        raise BadRequest(f"unknown field(s): {', '.join(unknown)[:200]}; {_ALLOWED}")
    if len(present) != 1:
        raise BadRequest(f"{'no text given' if not present else 'give only one of ' + ', '.join(present)}; {_ALLOWED}")
    shape: Shape = present[0]
    if shape == "text":
        texts = [check_text(document["text"], "text")]
    else:
        items = document[shape]
        if not isinstance(items, list) or not items:
            raise BadRequest(f'"{shape}" must be a non-empty list; {_ALLOWED}')
        if len(items) > MAX_TEXTS:
            raise BadRequest(f'"{shape}" has {len(items)} items; at most {MAX_TEXTS} are allowed per request')
        texts = [
            check_text(item, f"texts[{index}]") if shape == "texts" else _query(item, index)
            for index, item in enumerate(items)
        ]
    check_total(texts)
    return TranslateRequest(shape, texts)


def check_total(texts: list[str]) -> None:
    """Refuse a request whose texts are over the per-request character limit."""
    total = sum(len(text) for text in texts)
    if total > MAX_TOTAL_CHARS:
        raise TooLarge(f"the texts have {total} characters together; at most {MAX_TOTAL_CHARS} are allowed per request")


def _query(item: object, index: int) -> str:
    if not isinstance(item, dict) or "query" not in item:
        raise BadRequest(f'sentences[{index}] must be an object {{"query": "<English text>"}}')
    return check_text(item["query"], f"sentences[{index}].query")


def check_text(value: object, where: str) -> str:
    """Return value normalized if it is a non-empty string within the per-text limit; otherwise refuse naming `where`."""
    if not isinstance(value, str):
        raise BadRequest(f"{where} must be a string, not {_json_type(value)}")
    if len(value) > MAX_TEXT_CHARS:
        raise TooLarge(f"{where} has {len(value)} characters; at most {MAX_TEXT_CHARS} are allowed")
    text = normalize(value)
    if not text:
        raise BadRequest(f"{where} is empty (or only spaces and control characters); give some English text")
    return text


def _json_type(value: object) -> str:
    names = {
        type(None): "null",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "an object",
    }
    return names.get(type(value), type(value).__name__)


def response_body(request: TranslateRequest, translations: list[str], **details: object) -> dict:
    """The answer in the shape the client asked in."""
    if request.shape == "text":
        return {"translation": translations[0], **details}
    if request.shape == "texts":
        return {"translations": translations, **details}
    return {"predictions": [{"target": translation} for translation in translations]}
