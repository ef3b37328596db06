"""Render the viewer pages from Jinja2 templates, escaping everything that came from a curator."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from functools import cache, lru_cache, partial
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from urbanart.i18n import (
    N_,
    SOURCE_LANGUAGE,
    format_datetime,
    format_duration,
    format_zone,
    gettext,
    translator,
)
from urbanart.viewers.output_cache import OutputCache, code_digest, digest

#: Characters that could end a <script> element or start an HTML comment inside one; JSON allows
#: them escaped, so a title holding "</script>" stays data. U+2028/9 are line breaks to old JS.
_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def json_for_script(value: Any) -> Markup:
    """JSON that is safe inside <script type="application/json"> or JSON-LD.

    Deterministic (sorted keys) so a page is byte-identical when nothing changed.
    """
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, escaped in _SCRIPT_ESCAPES.items():
        text = text.replace(char, escaped)
    return Markup(text)  # noqa: S704 - every character that could break out is escaped above


def http_url(value: str | None) -> str | None:
    """The URL when it is an absolute http(s) link, else None: a javascript: or data: URL from a
    record must never become a link, and autoescaping does not stop those."""
    if not value:
        return None
    text = value.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return text


def tree_url(*parts: str | int) -> str:
    """A path inside the published tree, each part percent-encoded (ids and hashes stay as they
    are; anything else cannot smuggle a slash or a quote into a link). Ids and ASCII letters
    and digits are what quote() leaves as they are, so they skip it: a publish makes thousands
    of these paths."""
    return "/".join(_path_part(part) for part in parts)


def _path_part(part: str | int) -> str:
    if isinstance(part, int):
        return str(part)
    return part if part.isascii() and part.isalnum() else quote(part, safe="")


def duration_text(seconds: float) -> str:
    """ "45 s", "2 min 5 s", "1 h 3 min": how long a work or a loop lasts, for people."""
    total = round(float(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


def license_label(spdx: str, lang: str = SOURCE_LANGUAGE) -> str:
    """How a passer-by reads a license id: "CC BY-NC 4.0", "CC0 1.0", "All rights reserved"
    (the last in the reader's language; license names are the same in every language)."""
    if spdx == "all-rights-reserved":
        return gettext(lang, N_("All rights reserved"))
    parts = spdx.split("-")
    if len(parts) >= 3 and parts[0] == "CC":
        return f"CC {'-'.join(parts[1:-1])} {parts[-1]}"
    if len(parts) == 2:
        return f"{parts[0]} {parts[1]}"
    return spdx


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs (single line breaks stay inside a paragraph)."""
    blocks = [" ".join(line.strip() for line in b.splitlines()) for b in text.split("\n\n")]
    return [b for b in blocks if b]


def text_direction(text: str) -> str:
    """ "rtl" or "ltr" from the text's first strong character (the Unicode bidi rule browsers
    apply for dir="auto"), "auto" when it has none. Needed where a browser cannot look at the
    text itself: an image's alt text is an attribute, not content, so dir="auto" on <img> does
    not see it."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "auto"


def text_attrs(text_lang: str | None, page_lang: str, attribute_text: str | None = None) -> Markup:
    """The attributes of a curator's or artist's text: its direction (dir="auto" for content,
    so a Hebrew or Arabic text reads right to left on any page; from the text itself when it is
    an attribute such as alt) and its own `lang` when it is not the page's language."""
    direction = "auto" if attribute_text is None else text_direction(attribute_text)
    return _attrs(text_lang if text_lang and text_lang != page_lang else None, direction)


@lru_cache(maxsize=1024)
def _attrs(text_lang: str | None, direction: str) -> Markup:
    """text_attrs' markup, made once per process per language and direction: every card of
    every page version has one or two (Markup.format escapes each value, a tenth of a card)."""
    if text_lang:
        return Markup(' lang="{}" dir="{}"').format(text_lang, direction)
    return Markup(' dir="{}"').format(direction)


@cache
def environment(lang: str = SOURCE_LANGUAGE) -> Environment:
    """The Jinja2 environment of one language: autoescape for every .html template,
    StrictUndefined so a missing value fails the publish instead of silently printing nothing
    on a public page, and the language's catalogue behind `_()`/`{% trans %}` (new-style
    gettext: placeholders are escaped, the translation is trusted). No auto_reload: the
    templates are package files that change only with an upgrade (which render_code() names),
    and checking each one's mtime cost a page about seventy stats (base, includes, macros)."""
    env = Environment(
        loader=PackageLoader("urbanart.viewers", "templates"),
        auto_reload=False,
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translator(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["duration"] = partial(format_duration, lang=lang)
    env.filters["datetime"] = partial(format_datetime, lang=lang)
    env.filters["zone"] = partial(format_zone, lang=lang)
    env.filters["script_json"] = json_for_script
    env.filters["paragraphs"] = paragraphs
    env.globals["text_attrs"] = text_attrs
    return env


def render(template: str, lang: str = SOURCE_LANGUAGE, **context: Any) -> bytes:
    """One page in one language (its `lang` is also the page's <html lang>)."""
    page = environment(lang).get_template(template).render(lang=lang, **context)
    return page.encode("utf-8")


def _plain(value: Any) -> Any:
    """What json.dumps cannot write, made plain for a page's input digest: dataclasses by their
    fields (named by type, so two kinds with equal fields differ), sets sorted. A field marked
    metadata={"digest": False} is left out: it must be in the context some other way (a work's
    screens' plays are in its where_data), so a page's digest does not dump them twice."""
    if is_dataclass(value) and not isinstance(value, type):
        kept = (f for f in fields(value) if f.metadata.get("digest", True))
        return [type(value).__name__, *(getattr(value, f.name) for f in kept)]
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    raise TypeError(f"a page context holds {type(value).__name__}, which has no stable digest")


@cache
def render_code() -> str:
    """The digest of what turns a context into a page's bytes: the template set, the filters
    and row classes, the catalogues and the formats of every language."""
    return digest(
        code_digest(
            "urbanart.viewers",
            "templates",
            "pages.py",
            "where.py",
            "where_rows.py",
            "fragments.py",
            "screen_panels.py",
            "programme_json.py",
        ),
        code_digest("urbanart.i18n", "locale", "formats.py", "catalogues.py"),
    )


def context_digest(template: str, lang: str, context: Mapping[str, Any]) -> str:
    """A digest of everything a page is made from: the template set, the filters and the
    language's catalogue (render_code), the language and the context. A page's bytes are a
    pure function of these, so equal digests, equal bytes."""
    text = json.dumps(context, sort_keys=True, default=_plain, ensure_ascii=False)
    return digest("page", render_code(), template, lang, text)


def render_cached(
    outputs: OutputCache | None, template: str, lang: str = SOURCE_LANGUAGE, **context: Any
) -> bytes:
    """render(), answered from the cache when a publish made this page from the same inputs."""
    if outputs is None:
        return render(template, lang, **context)
    key = context_digest(template, lang, context)
    data = outputs.get(key)
    if data is None:
        data = render(template, lang, **context)
        outputs.put(key, data)
    return data
