"""The HTML the hub serves for calls: the hand-in form, the artist's status page, messages.

Jinja2 with autoescape on every template and StrictUndefined: everything an artist or a curator
typed is escaped wherever it appears (the tests put HTML in every field and look for it).
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from functools import cache, lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import escape

from urbanart.imaging.limits import MIB
from urbanart.intake.calls import CallRecord
from urbanart.intake.submissions import STATE_TEXT, ArtistForm, StatusView, WorkForm
from urbanart.library.vocabulary import SOURCE_TYPES

#: The tus chunk the page's script sends (data-chunk-bytes on the form). Why 16 MiB and not 1: the
#: hub keeps every byte of a dropped PATCH (the page resumes from the offset it reports), so a
#: bigger chunk loses nothing on a bad connection, and each chunk is a request the hub (and the
#: phone) pays for: about 1.5 ms of the hub's CPU each, a tenth of what a 10 MB still costs the
#: hub beyond a plain write. With 1 MiB a 10 MB still took ten requests, with 8 MiB two, now one;
#: 16 MiB stays well under the body limits of common proxies (nginx's is often 20-100 MB). A chunk
#: is bounded by the upload's declared length.
TUS_CHUNK_BYTES = 16 * MIB


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("urbanart.intake", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


#: What the form's file field says each kind of work may be, and the picker's accept filter.
KIND_HINTS = {
    "still": "an image: JPEG, PNG, GIF, WebP, TIFF",
    "video": "a video: MP4, MOV, WebM, MKV",
    "generative": "a generative work: an HTML5 package, a .zip with index.html",
}
KIND_ACCEPT = {"still": "image/*", "video": "video/*", "generative": ".zip,application/zip"}


def paragraphs(text: str) -> list[str]:
    return [b.strip() for b in text.split("\n\n") if b.strip()]


def call_page(
    call: CallRecord,
    *,
    action: str,
    csrf: str,
    form: ArtistForm | None = None,
    errors: dict[str, str] | None = None,
    chunk_bytes: int = TUS_CHUNK_BYTES,
) -> bytes:
    """The hand-in form (with the typed values and each error next to its field); its script
    sends tus chunks of chunk_bytes."""
    form = form or ArtistForm()
    by_index = {w.index: w for w in form.works}
    works = [by_index.get(i) or WorkForm(i) for i in range(call.max_files)]
    return render(
        "call.html",
        page_title=call.title,
        call=call,
        description=paragraphs(call.description),
        terms=paragraphs(call.terms),
        deadline=f"{call.local_deadline:%Y-%m-%d %H:%M} ({call.timezone})",
        max_mb=round(call.max_bytes / MIB, 1),
        file_hint="; or ".join(KIND_HINTS[k] for k in call.kinds if k in KIND_HINTS),
        file_accept=",".join(KIND_ACCEPT[k] for k in call.kinds if k in KIND_ACCEPT),
        takes_generative="generative" in call.kinds,
        action=action,
        uploads_url=f"{call.path}/uploads",
        chunk_bytes=chunk_bytes,
        csrf=csrf,
        form=form,
        works=works,
        errors=errors or {},
        source_types=list(SOURCE_TYPES.items()),
    )


#: Stands for the page session's CSRF token in a cached blank form: random per process, so no
#: call's text can contain it, and made of characters HTML escaping leaves as they are.
_CSRF_SLOT = "csrf-slot-" + secrets.token_hex(16)


def blank_call_page(
    call: CallRecord, *, action: str, csrf: str, chunk_bytes: int = TUS_CHUNK_BYTES
) -> bytes:
    """The empty hand-in form for one page session: call_page, rendered once per call, action
    and chunk (and again when a curator changes the call). Why: every artist of a rush opens
    the page, and rendering it is most of what that request costs the hub (about 2.5 ms), for
    a page that differs between artists only in the session's token. The token is escaped as
    the template would (a session token is URL-safe characters only, but it came in a cookie)."""
    blank = _blank_call_page(replace(call, submissions=0), action, chunk_bytes)
    return blank.replace(_CSRF_SLOT.encode(), str(escape(csrf)).encode("utf-8"))


@lru_cache(maxsize=64)
def _blank_call_page(call: CallRecord, action: str, chunk_bytes: int) -> bytes:
    return call_page(call, action=action, csrf=_CSRF_SLOT, chunk_bytes=chunk_bytes)


def status_page(view: StatusView, call_title: str, *, csrf: str, withdraw_base: str) -> bytes:
    return render(
        "status.html",
        page_title=f"Status: {call_title}",
        call_title=call_title,
        submissions=view.submissions,
        state_text={str(k): v for k, v in STATE_TEXT.items()},
        csrf=csrf,
        withdraw_base=withdraw_base,
    )


def message_page(heading: str, text: str) -> bytes:
    return render("message.html", page_title=heading, heading=heading, text=text)


def render(template: str, **context: Any) -> bytes:
    return environment().get_template(template).render(**context).encode("utf-8")
