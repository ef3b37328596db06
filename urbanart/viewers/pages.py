"""Render the viewer pages from Jinja2 templates, escaping everything that came from a curator."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from functools import cache
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

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
    are; anything else cannot smuggle a slash or a quote into a link)."""
    return "/".join(quote(str(part), safe="") for part in parts)


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


def license_label(spdx: str) -> str:
    """How a passer-by reads a license id: "CC BY-NC 4.0", "CC0 1.0", "All rights reserved"."""
    if spdx == "all-rights-reserved":
        return "All rights reserved"
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


@cache
def environment() -> Environment:
    """The one Jinja2 environment: autoescape for every .html template, StrictUndefined so a
    missing value fails the publish instead of silently printing nothing on a public page."""
    env = Environment(
        loader=PackageLoader("urbanart.viewers", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["duration"] = duration_text
    env.filters["script_json"] = json_for_script
    env.filters["paragraphs"] = paragraphs
    return env


def render(template: str, **context: Any) -> bytes:
    return environment().get_template(template).render(**context).encode("utf-8")


def _plain(value: Any) -> Any:
    """What json.dumps cannot write, made plain for a page's input digest: dataclasses by their
    fields (named by type, so two kinds with equal fields differ), sets sorted."""
    if is_dataclass(value) and not isinstance(value, type):
        return [type(value).__name__, *(getattr(value, f.name) for f in fields(value))]
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    raise TypeError(f"a page context holds {type(value).__name__}, which has no stable digest")


def context_digest(template: str, context: Mapping[str, Any]) -> str:
    """A digest of everything a page is made from: the template set and the filters (code), and
    the context. A page's bytes are a pure function of these, so equal digests, equal bytes."""
    text = json.dumps(context, sort_keys=True, default=_plain, ensure_ascii=False)
    code = code_digest("urbanart.viewers", "templates", "pages.py", "where.py")
    return digest("page", code, template, text)


def render_cached(outputs: OutputCache | None, template: str, **context: Any) -> bytes:
    """render(), answered from the cache when a publish made this page from the same inputs."""
    if outputs is None:
        return render(template, **context)
    key = context_digest(template, context)
    data = outputs.get(key)
    if data is None:
        data = render(template, **context)
        outputs.put(key, data)
    return data
