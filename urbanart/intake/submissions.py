"""Handing in: an artist's details and works checked and recorded; the artist's status page.

The hub parses the form and guards the files (uploads.py); this module checks every typed value
with the library's own rules and vocabulary and records it all in one transaction, so a hand-in
with one bad field records nothing. Errors are collected per field (a form shows each next to
its input), not raised at the first.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select

from urbanart.errors import InvalidValue, NotFound, UrbanArtError
from urbanart.intake import events
from urbanart.intake.calls import CallRecord, check_email
from urbanart.intake.uploads import Guarded
from urbanart.library.catalog import clean_text, clean_year
from urbanart.library.library import Library
from urbanart.library.models import Submission, Submitter
from urbanart.library.vocabulary import (
    SOURCE_TYPES,
    UNDISCLOSED,
    normalize_license,
    normalize_source_type,
)


class SubmissionState(StrEnum):
    """Where a handed-in work stands, as the artist's status page says it."""

    RECEIVED = "received"
    IN_REVIEW = "in_review"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CHANGE_REQUESTED = "change_requested"
    WITHDRAWN = "withdrawn"


#: What the artist reads for each state.
STATE_TEXT = {
    SubmissionState.RECEIVED: "Received: not reviewed yet. You can still withdraw it.",
    SubmissionState.IN_REVIEW: "In review: a curator is looking at it.",
    SubmissionState.ACCEPTED: "Accepted: it is in the collection.",
    SubmissionState.DECLINED: "Declined.",
    SubmissionState.CHANGE_REQUESTED: "A change is requested (see the curator's message).",
    SubmissionState.WITHDRAWN: "Withdrawn by you.",
}

#: States a curator still has to decide on.
OPEN_STATES = (SubmissionState.RECEIVED, SubmissionState.IN_REVIEW)


class HandInRefused(UrbanArtError):
    """A hand-in with errors: field key → message, each shown next to its input."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


@dataclass
class WorkForm:
    """One work as typed in the form (raw text: checked by hand_in)."""

    index: int
    title: str = ""
    year: str = ""
    description: str = ""
    alt_text: str = ""
    license: str = ""
    ai_involvement: str = ""
    file_name: str = ""
    #: The uploaded, guarded file's upload id (uploads.py), once it passed the guard.
    upload_id: str | None = None
    guarded: Guarded | None = None
    #: A generative work's optional still (for screens that cannot run code): the form's file
    #: part, guarded as a still, and the upload holding it until the hand-in is recorded.
    still_name: str = ""
    still_upload_id: str | None = None


@dataclass
class ArtistForm:
    name: str = ""
    bio: str = ""
    link: str = ""
    email: str = ""
    terms: bool = False
    works: list[WorkForm] = field(default_factory=list)


@dataclass(frozen=True)
class CheckedWork:
    form: WorkForm
    values: dict[str, Any]


def check_link(value: str) -> str:
    text = clean_text("link", value, limit=500)
    if text:
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidValue("link", text, "must be an http(s) address", key="link")
    return text


def _collect(errors: dict[str, str], key: str, check: Any, *args: Any, **kwargs: Any) -> Any:
    """check(*args, **kwargs), or None with its reason filed under key."""
    try:
        return check(*args, **kwargs)
    except InvalidValue as exc:
        errors[key] = exc.reason
        return None


def check_hand_in(call: CallRecord, form: ArtistForm, already: int) -> list[CheckedWork]:
    """Every value of a hand-in checked; HandInRefused lists all errors by field key."""
    errors: dict[str, str] = {}
    _collect(errors, "name", clean_text, "name", form.name, required=True, limit=200)
    _collect(errors, "bio", clean_text, "bio", form.bio, limit=5000)
    _collect(errors, "link", check_link, form.link)
    _collect(errors, "email", check_email, form.email)
    if call.terms and not form.terms:
        errors["terms"] = "please read and accept the terms"
    works = [
        w
        for w in form.works
        if w.guarded is not None or w.title.strip() or w.still_upload_id is not None
    ]
    if not works:
        errors["work-0-file"] = "choose at least one file"
    if already + len(works) > call.max_files:
        errors["works"] = (
            f"at most {call.max_files} works per artist in this call; "
            f"you have handed in {already} already"
        )
    checked: list[CheckedWork] = []
    for work in works:
        prefix = f"work-{work.index}-"
        values: dict[str, Any] = {
            "title": _collect(
                errors, prefix + "title", clean_text, "title", work.title, required=True, limit=300
            ),
            "year": _collect(errors, prefix + "year", clean_year, work.year),
            "description": _collect(
                errors,
                prefix + "description",
                clean_text,
                "description",
                work.description,
                limit=5000,
            ),
            "alt_text": _collect(
                errors, prefix + "alt", clean_text, "alt text", work.alt_text, limit=2000
            ),
        }
        if work.guarded is None:
            errors.setdefault(prefix + "file", "choose the file of this work")
        elif work.still_upload_id is not None and work.guarded.kind != "generative":
            errors[prefix + "still"] = (
                "only a generative work (an HTML5 package, .zip) takes a separate still"
            )
        lic = _collect(errors, prefix + "license", normalize_license, work.license or "?")
        if lic is not None and lic not in call.licenses:
            errors[prefix + "license"] = "choose one of the licenses this call offers"
        values["license"] = lic
        ai = work.ai_involvement.strip()
        if not ai and call.ai_required:
            errors[prefix + "ai"] = "say whether and how AI was involved"
        values["ai_involvement"] = (
            _collect(errors, prefix + "ai", normalize_source_type, ai) if ai else UNDISCLOSED
        )
        if call.ai_required and values["ai_involvement"] == UNDISCLOSED:
            errors.setdefault(prefix + "ai", "say whether and how AI was involved")
        checked.append(CheckedWork(work, values))
    if errors:
        raise HandInRefused(errors)
    return checked


def works_handed_in(library: Library, call_id: int, email: str) -> int:
    """How many works (not withdrawn) this e-mail has handed in to the call already."""
    with library.session() as session:
        stmt = (
            select(func.count())
            .select_from(Submission)
            .join(Submitter)
            .where(
                Submitter.call_id == call_id,
                func.lower(Submitter.email) == email.strip().lower(),
                Submission.state != SubmissionState.WITHDRAWN,
            )
        )
        return session.scalar(stmt) or 0


def record_hand_in(
    library: Library,
    call: CallRecord,
    form: ArtistForm,
    works: Sequence[CheckedWork],
    file_keys: Sequence[str],
    invite_id: int | None = None,
) -> str:
    """Record a checked hand-in (files already moved to works/); returns the status token."""
    token = secrets.token_urlsafe(24)
    with library.session() as session:
        submitter = Submitter(
            call_id=call.id,
            invite_id=invite_id,
            name=form.name.strip(),
            bio=form.bio.strip(),
            link=form.link.strip(),
            email=check_email(form.email),
            status_token=token,
        )
        for work, key in zip(works, file_keys, strict=True):
            guarded = work.form.guarded
            assert guarded is not None
            submitter.submissions.append(
                Submission(
                    **work.values,
                    file_name=work.form.file_name,
                    file_key=key,
                    sha256=guarded.sha256,
                    byte_size=guarded.byte_size,
                    package_files=guarded.files if guarded.kind == "generative" else None,
                    state=SubmissionState.RECEIVED,
                    message="",
                    refusal="",
                )
            )
        session.add(submitter)
    events.submissions_changed(library.home, call.id)  # committed: the studio may list it
    return token


@dataclass(frozen=True)
class SubmissionRecord:
    """One submission as the status page, the review CLI and the studio show it."""

    id: int
    call_id: int
    artist: str
    email: str
    title: str
    year: int | None
    description: str
    alt_text: str
    license: str
    ai_involvement: str
    file_name: str
    file_key: str
    sha256: str
    byte_size: int
    state: str
    message: str
    artwork_id: int | None
    created_at: datetime
    #: The artist's public bio and link (the studio's Review view shows them beside the work).
    bio: str = ""
    link: str = ""
    #: Why the library refused the file when a curator accepted it ("" when it was not).
    refusal: str = ""
    #: A generative work's package: how many files it holds (None for stills and videos).
    package_files: int | None = None

    @classmethod
    def of(cls, row: Submission) -> SubmissionRecord:
        s = row.submitter
        return cls(
            row.id, s.call_id, s.name, s.email, row.title, row.year, row.description,
            row.alt_text, row.license, row.ai_involvement, row.file_name, row.file_key,
            row.sha256, row.byte_size, row.state, row.message, row.artwork_id, row.created_at,
            s.bio, s.link, row.refusal or "", row.package_files,
        )  # fmt: skip

    @property
    def generative(self) -> bool:
        """Whether the work is an HTML5 package (a generative work), not a still or a video."""
        return self.package_files is not None

    @property
    def package_label(self) -> str:
        """How the CLI and the Review view name a package: "Generative (HTML5), 12 files"
        ("" for a still or a video)."""
        n = self.package_files
        if n is None:
            return ""
        return f"Generative (HTML5), {n} file{'' if n == 1 else 's'}"

    @property
    def ai_label(self) -> str:
        source = SOURCE_TYPES.get(self.ai_involvement)
        return source.label if source else "Not disclosed"

    def to_json(self) -> dict[str, Any]:
        """For the curator (includes the private e-mail: never published)."""
        return {
            "id": self.id,
            "call_id": self.call_id,
            "artist": self.artist,
            "email": self.email,
            "title": self.title,
            "year": self.year,
            "description": self.description,
            "alt_text": self.alt_text,
            "license": self.license,
            "ai_involvement": self.ai_involvement,
            "file_name": self.file_name,
            "sha256": self.sha256,
            "byte_size": self.byte_size,
            "state": self.state,
            "message": self.message,
            "refusal": self.refusal,
            "package_files": self.package_files,
            "artwork_id": self.artwork_id,
        }


@dataclass(frozen=True)
class StatusView:
    """What the artist's private status page shows."""

    call_id: int
    artist: str
    submissions: tuple[SubmissionRecord, ...]


def status_of(library: Library, token: str) -> StatusView | None:
    with library.session() as session:
        submitter = session.scalar(select(Submitter).where(Submitter.status_token == token))
        if submitter is None:
            return None
        return StatusView(
            submitter.call_id,
            submitter.name,
            tuple(SubmissionRecord.of(s) for s in submitter.submissions),
        )


def withdraw(library: Library, token: str, submission_id: int) -> SubmissionRecord:
    """The artist takes a work back before review; its file is removed by the caller."""
    with library.session() as session:
        row = session.get(Submission, submission_id)
        if row is None or row.submitter.status_token != token:
            raise NotFound("submission", submission_id)
        if row.state != SubmissionState.RECEIVED:
            raise InvalidValue(
                "submission",
                submission_id,
                "is already being reviewed and can no longer be withdrawn",
                key="submission",
            )
        row.state = SubmissionState.WITHDRAWN
        row.updated_at = datetime.now(UTC)
        session.flush()
        record = SubmissionRecord.of(row)
    events.submissions_changed(library.home, record.call_id)
    return record
