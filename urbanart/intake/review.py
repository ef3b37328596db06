"""Review of a call's submissions: accept into the library, decline, ask for a change; and
forgetting an artist's personal data on request.

Accepting runs the file through the library's own importer (the same guard, renditions and
content addressing as ``urbanart import``), credited to the artist: merged with an existing
artist of the same contact e-mail, else an artist of the typed name (a namesake with another
contact gets a numbered name, so two people are never merged by name alone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbanart.errors import ImportRefused, InvalidValue, NotFound
from urbanart.intake.calls import _find as find_call
from urbanart.intake.submissions import OPEN_STATES, SubmissionRecord, SubmissionState
from urbanart.intake.uploads import IntakeFolders
from urbanart.library.catalog import clean_text
from urbanart.library.import_sources import ImportItem
from urbanart.library.importer import ImportRun, Status, import_items
from urbanart.library.library import Library
from urbanart.library.models import Artist, Call, Submission, Submitter
from urbanart.library.settings import load_settings
from urbanart.library.vocabulary import ReviewStatus

#: States from which a curator may decide (again): a changed work comes back to review.
DECIDABLE = (*OPEN_STATES, SubmissionState.CHANGE_REQUESTED)


def folders_of(library: Library) -> IntakeFolders:
    return IntakeFolders(library.home)


def list_submissions(
    library: Library, call_ref: str | int, *, include_closed: bool = True
) -> list[SubmissionRecord]:
    """A call's submissions in hand-in order (withdrawn ones left out)."""
    with library.session() as session:
        call = find_call(session, call_ref)
        rows = session.scalars(
            select(Submission)
            .join(Submitter)
            .where(Submitter.call_id == call.id, Submission.state != SubmissionState.WITHDRAWN)
            .order_by(Submission.id)
        ).all()
        records = [SubmissionRecord.of(r) for r in rows]
    if not include_closed:
        records = [r for r in records if r.state in DECIDABLE]
    return records


def _get(session: Session, submission_id: int | str) -> Submission:
    text = str(submission_id).strip()
    row = session.get(Submission, int(text)) if text.isdigit() else None
    if row is None or row.state == SubmissionState.WITHDRAWN:
        raise NotFound("submission", submission_id)
    return row


def _decidable(row: Submission) -> None:
    if row.state not in DECIDABLE:
        raise InvalidValue(
            "submission",
            row.id,
            f"is {row.state.replace('_', ' ')} already; only submissions waiting for review "
            "can be decided",
            key="submission",
        )


def get_submission(library: Library, submission_id: int | str) -> SubmissionRecord:
    with library.session() as session:
        return SubmissionRecord.of(_get(session, submission_id))


def start_review(library: Library, submission_id: int | str) -> SubmissionRecord:
    """Mark a received work as in review (the artist can then no longer withdraw it)."""
    with library.session() as session:
        row = _get(session, submission_id)
        if row.state == SubmissionState.RECEIVED:
            row.state = SubmissionState.IN_REVIEW
        session.flush()
        return SubmissionRecord.of(row)


def _artist_name(session: Session, submitter: Submitter) -> str:
    """The library artist this submitter is: same contact e-mail first, then a free name."""
    email = submitter.email.strip().lower()
    same = session.scalar(select(Artist).where(func.lower(Artist.contact) == email))
    if same is not None:
        return same.name
    name = submitter.name.strip()
    candidate, n = name, 1
    while True:
        clash = session.scalar(select(Artist).where(func.lower(Artist.name) == candidate.lower()))
        if clash is None or not clash.contact or clash.contact.strip().lower() == email:
            return candidate
        n += 1
        candidate = f"{name} ({n})"


def accept(library: Library, submission_id: int | str) -> SubmissionRecord:
    """Put the work in the library, approved and credited to its artist; ImportRefused with the
    importer's reason when the file does not pass (the submission then stays undecided)."""
    with library.session() as session:
        row = _get(session, submission_id)
        _decidable(row)
        record = SubmissionRecord.of(row)
        artist = _artist_name(session, row.submitter)
        bio, link, email = row.submitter.bio, row.submitter.link, row.submitter.email
    folders = folders_of(library)
    path = folders.work_file(record.file_key, record.file_name)
    meta: dict[str, Any] = {
        "artist": artist,
        "title": record.title,
        "year": record.year,
        "description": record.description,
        "alt_text": record.alt_text,
        "license": record.license,
        "ai_involvement": record.ai_involvement,
        "status": ReviewStatus.APPROVED,
    }
    # A generative work's still: the artist's when handed in with it, else captured (or a title
    # card) as for a curator's import.
    still = folders.still_file(record.file_key)
    run = ImportRun(limits=load_settings(library).import_limits(), workers=1, fallback=still)
    result = import_items(library, [ImportItem(path, metadata=meta)], run)[0]
    if result.status is not Status.IMPORTED or result.artwork_id is None:
        # A duplicate is refused too: the bytes are another artwork already, maybe another
        # artist's, and crediting this submission with it would be wrong either way.
        reason = result.reason or "could not be imported"
        _keep_refusal(library, record.id, reason)
        raise ImportRefused(record.file_name, reason)
    with library.session() as session:
        row = _get(session, submission_id)
        row.state = SubmissionState.ACCEPTED
        row.artwork_id = result.artwork_id
        row.message = ""
        row.refusal = ""
        maker = session.scalar(select(Artist).where(Artist.name == artist))
        if maker is not None:
            maker.contact = maker.contact or email
            maker.bio = maker.bio or bio
            maker.website = maker.website or link
        session.flush()
        accepted = SubmissionRecord.of(row)
    folders.remove_work(record.file_key)  # the library's store holds the bytes now
    return accepted


def _keep_refusal(library: Library, submission_id: int, reason: str) -> None:
    """Keep why the library refused the file with the submission (it stays undecided): the
    artist's status page, the Review view and ``calls review --json`` show it."""
    with library.session() as session:
        row = _get(session, submission_id)
        row.refusal = reason
        row.updated_at = datetime.now(UTC)


def _decide(
    library: Library, submission_id: int | str, state: SubmissionState, message: str
) -> SubmissionRecord:
    text = clean_text("message", message, required=True, limit=5000)
    with library.session() as session:
        row = _get(session, submission_id)
        _decidable(row)
        row.state = state
        row.message = text
        row.updated_at = datetime.now(UTC)
        session.flush()
        return SubmissionRecord.of(row)


def decline(library: Library, submission_id: int | str, message: str) -> SubmissionRecord:
    """Decline with a message the artist reads on the status page."""
    return _decide(library, submission_id, SubmissionState.DECLINED, message)


def ask_change(library: Library, submission_id: int | str, message: str) -> SubmissionRecord:
    """Ask the artist for a change (what to change is the message)."""
    return _decide(library, submission_id, SubmissionState.CHANGE_REQUESTED, message)


@dataclass(frozen=True)
class Forgotten:
    """What forget_artist removed, listed for the curator."""

    name: str
    submitters: int
    submissions: tuple[str, ...]
    files: int
    invites: int
    library_contact_cleared: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "hand_ins": self.submitters,
            "submissions": list(self.submissions),
            "files": self.files,
            "invites": self.invites,
            "library_contact_cleared": list(self.library_contact_cleared),
        }


def forget_artist(library: Library, name: str) -> Forgotten:
    """Remove an artist's personal data from every call: hand-ins (name, bio, link, e-mail),
    submissions and their files, invites; and the contact e-mail of the library artist of that
    name. Works already accepted stay in the library (credited by name, no contact)."""
    from urbanart.library.models import CallInvite

    wanted = clean_text("name", name, required=True, limit=200).lower()
    folders = folders_of(library)
    with library.session() as session:
        submitters = session.scalars(
            select(Submitter).where(func.lower(Submitter.name) == wanted)
        ).all()
        emails = {s.email.lower() for s in submitters}
        artists = session.scalars(select(Artist).where(func.lower(Artist.name) == wanted)).all()
        emails |= {a.contact.lower() for a in artists if a.contact}
        invites = session.scalars(
            select(CallInvite).where(
                (func.lower(CallInvite.name) == wanted) | func.lower(CallInvite.email).in_(emails)
            )
        ).all()
        if not submitters and not artists and not invites:
            raise NotFound("artist", name)
        titles = tuple(
            f"{sub.id}: {sub.title} ({sub.state})" for s in submitters for sub in s.submissions
        )
        keys = [sub.file_key for s in submitters for sub in s.submissions]
        for submitter in submitters:
            session.delete(submitter)
        for invite in invites:
            session.delete(invite)
        cleared = []
        for artist in artists:
            if artist.contact:
                artist.contact = ""
                cleared.append(artist.name)
        shown = submitters[0].name if submitters else (artists[0].name if artists else name)
        result = Forgotten(shown, len(submitters), titles, 0, len(invites), tuple(cleared))
    files = 0
    for key in keys:
        if (folders.works / key).exists():
            files += 1
        folders.remove_work(key)
    return Forgotten(
        result.name, result.submitters, result.submissions, files, result.invites,
        result.library_contact_cleared,
    )  # fmt: skip


def call_title(library: Library, call_id: int) -> str:
    with library.session() as session:
        call = session.get(Call, call_id)
        return call.title if call else ""
