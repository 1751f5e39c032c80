"""LibreTranslate's API shapes over our one language pair: /translate fields, /languages, /detect, its settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from translator.errors import BadRequest
from translator.limits import MAX_TEXTS, MAX_TOTAL_CHARS
from translator.payload import check_text, check_total

if TYPE_CHECKING:
    from translator.service import Translate

SOURCE, TARGET = "en", "de"
PAIRS = f"{SOURCE} -> {TARGET}"
LANGUAGES = [
    {"code": SOURCE, "name": "English", "targets": [TARGET]},
    {"code": TARGET, "name": "German", "targets": []},
]
FORMATS = ("text", "html")
ENGLISH = {"confidence": 100.0, "language": SOURCE}
# Routes only LibreTranslate clients call (its /translate is shared with ours).
ROUTES = frozenset({"/languages", "/detect", "/frontend/settings", "/suggest", "/translate_file"})
# Features LibreTranslate can switch off, and its own 403 message for each.
DISABLED = {
    "suggest": "Suggestions are disabled on this server.",
    "translate_file": "Files translation are disabled on this server.",
}


@dataclass(frozen=True)
class LibreRequest:
    """A LibreTranslate /translate request: texts (normalized; HTML as written), whether q was a list, auto, format."""

    texts: list[str]
    is_list: bool
    auto: bool
    format: str
    alternatives: int = 0


def parse_request(fields: dict[str, object]) -> LibreRequest:
    """Check LibreTranslate's q/source/target/format/alternatives fields (api_key is checked before, by the route)."""
    q = fields.get("q")
    if q is None:
        raise BadRequest("Invalid request: missing q parameter")
    source = _code(fields.get("source", "auto"), "source")
    target = _code(fields.get("target"), "target")
    if source not in (SOURCE, "auto") or target != TARGET:
        raise BadRequest(
            f"language pair {source} -> {target or '(none)'} is not supported; this server translates {PAIRS} only"
        )
    text_format = fields.get("format")
    if not isinstance(text_format, str | None):
        raise BadRequest(f"Invalid request: format must be a string, one of: {', '.join(FORMATS)}")
    text_format = (text_format or "").strip().lower() or "text"
    if text_format not in FORMATS:
        raise BadRequest(f"format {text_format!r} is not supported; use one of: {', '.join(FORMATS)}")
    alternatives = _alternatives(fields.get("alternatives"))
    is_list = isinstance(q, list)
    items = q if is_list else [q]
    if is_list and not items:
        raise BadRequest("Invalid request: q is an empty list")
    if len(items) > MAX_TEXTS:
        raise BadRequest(f"Invalid request: q has {len(items)} texts; at most {MAX_TEXTS} are allowed")
    texts = [check_text(item, f"q[{index}]" if is_list else "q") for index, item in enumerate(items)]
    check_total(texts)
    # HTML keeps its markup as written; its text nodes are normalized one by one (translator/html_text.py).
    return LibreRequest(items if text_format == "html" else texts, is_list, source == "auto", text_format, alternatives)


def _alternatives(value: object) -> int:
    if value is None or value == "":
        return 0
    try:
        count = int(str(value))
    except ValueError:
        raise BadRequest("Invalid request: alternatives must be a number") from None
    if count < 0:
        raise BadRequest("Invalid request: alternatives must be 0 or more")
    return count


def _code(value: object, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRequest(f"Invalid request: {name} must be a language code such as {SOURCE!r} or {TARGET!r}")
    return value.strip().lower()


def translate(request: LibreRequest, translate: Translate) -> dict:
    """Translate and answer in LibreTranslate's shape: {"translatedText": ..., "detectedLanguage": ...}."""
    if request.format == "html":
        # Imported here: the HTML parser costs a little of every cold start, and few requests send HTML.
        from translator.html_text import translate_html

        translated = [translate_html(text, translate) for text in request.texts]
    else:
        translated = translate(request.texts).translations
    answer: dict = {"translatedText": translated if request.is_list else translated[0]}
    if request.alternatives > 0:
        # Our model gives one translation (its beam's best); alternatives asked for get an honest empty list.
        answer["alternatives"] = [[] for _ in translated] if request.is_list else []
    if request.auto:
        answer["detectedLanguage"] = [dict(ENGLISH) for _ in translated] if request.is_list else dict(ENGLISH)
    return answer


def frontend_settings(keys_required: bool) -> dict:
    """/frontend/settings as LibreTranslate answers it: limits, keys, features off, the default pair."""
    return {
        "charLimit": MAX_TOTAL_CHARS,
        "frontendTimeout": 500,
        "apiKeys": keys_required,
        "keyRequired": keys_required,
        "suggestions": False,
        "filesTranslation": False,
        "supportedFilesFormat": [],
        "language": {
            "source": {"code": SOURCE, "name": LANGUAGES[0]["name"]},
            "target": {"code": TARGET, "name": LANGUAGES[1]["name"]},
        },
    }


def detect(document: object) -> list[dict]:
    """LibreTranslate's /detect answer for a parsed body (None: an empty one): we serve English only, and say so."""
    if document is not None and not isinstance(document, dict):
        raise BadRequest("the request body must be a JSON object")
    q = (document or {}).get("q")
    if q is None:
        raise BadRequest("Invalid request: missing q parameter")
    if not isinstance(q, str | list):
        raise BadRequest("Invalid request: q must be a string")
    return [dict(ENGLISH)]
