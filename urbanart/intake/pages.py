"""The HTML the hub serves for calls: the hand-in form, the artist's status page, messages.

Jinja2 with autoescape on every template and StrictUndefined: everything an artist or a curator
typed is escaped wherever it appears (the tests put HTML in every field and look for it).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

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
