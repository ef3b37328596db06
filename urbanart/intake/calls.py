"""Creating and managing open calls, and the personal invite links of invite-only ones."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbanart.errors import InvalidValue, NotFound
from urbanart.imaging.limits import MIB
from urbanart.library.catalog import clean_text
from urbanart.library.library import Library
from urbanart.library.models import Call, CallInvite, Submission, Submitter
from urbanart.library.settings import load_settings
from urbanart.library.vocabulary import LICENSES, normalize_license

#: The kinds of work a call can take (the library imports all three; "generative" is an HTML5
#: package, a .zip with index.html).
KINDS = ("still", "video", "generative")
#: What a call takes unless its curator names kinds: code handed in to run on public screens is
#: taken only where a curator asked for it.
DEFAULT_KINDS = ("still", "video")
#: Upper bounds a curator may set (a call of 100 artists stays within a few GB).
MAX_FILES_LIMIT = 50
MAX_BYTES_LIMIT = 2000 * MIB


def new_token() -> str:
    """An unguessable URL token (192 random bits from `secrets`)."""
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class CallRecord:
    """A call as the CLI, the studio and the pages see it (no session attached)."""

    id: int
    title: str
    description: str
    deadline: datetime
    timezone: str
    kinds: tuple[str, ...]
    max_files: int
    max_bytes: int
    licenses: tuple[str, ...]
    ai_required: bool
    terms: str
    invite_only: bool
    page_token: str
    closed_at: datetime | None
    submissions: int = 0

    @classmethod
    def of(cls, call: Call, submissions: int = 0) -> CallRecord:
        return cls(
            id=call.id,
            title=call.title,
            description=call.description,
            deadline=call.deadline,
            timezone=call.timezone,
            kinds=tuple(json.loads(call.kinds)),
            max_files=call.max_files,
            max_bytes=call.max_bytes,
            licenses=tuple(json.loads(call.licenses)),
            ai_required=call.ai_required,
            terms=call.terms,
            invite_only=call.invite_only,
            page_token=call.page_token,
            closed_at=call.closed_at,
            submissions=submissions,
        )

    @property
    def local_deadline(self) -> datetime:
        return self.deadline.astimezone(ZoneInfo(self.timezone))

    def open_at(self, now: datetime) -> bool:
        """Whether hand-ins are taken at now: not closed and before the deadline."""
        return self.closed_at is None and now < self.deadline

    @property
    def path(self) -> str:
        return f"/calls/{self.page_token}"

    def to_json(self, base_url: str = "") -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "deadline": self.local_deadline.isoformat(),
            "timezone": self.timezone,
            "kinds": list(self.kinds),
            "max_files": self.max_files,
            "max_bytes": self.max_bytes,
            "licenses": list(self.licenses),
            "ai_required": self.ai_required,
            "terms": self.terms,
            "invite_only": self.invite_only,
            "closed": self.closed_at is not None,
            "submissions": self.submissions,
            "url": base_url.rstrip("/") + self.path,
        }


@dataclass(frozen=True)
class InviteRecord:
    id: int
    call_id: int
    name: str
    email: str
    token: str
    revoked: bool

    def path(self, call: CallRecord) -> str:
        return f"{call.path}/invite/{self.token}"

    def to_json(self, call: CallRecord, base_url: str = "") -> dict[str, Any]:
        return {
            "id": self.id,
            "call_id": self.call_id,
            "name": self.name,
            "email": self.email,
            "revoked": self.revoked,
            "url": base_url.rstrip("/") + self.path(call),
        }

    @classmethod
    def of(cls, invite: CallInvite) -> InviteRecord:
        return cls(
            invite.id,
            invite.call_id,
            invite.name,
            invite.email,
            invite.token,
            invite.revoked_at is not None,
        )


def parse_deadline(value: str, timezone: str) -> datetime:
    """A deadline typed as ISO date-time, in timezone unless it carries its own offset."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidValue(
            "time zone", timezone, "is not an IANA zone such as Europe/Berlin", key="timezone"
        ) from None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidValue(
            "deadline", value, "must be a date and time such as 2027-03-01T18:00", key="deadline"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def check_email(value: Any, *, key: str = "email") -> str:
    """A plausible e-mail address (one @, a dot in the domain, no spaces), trimmed, lower-case
    domain; the artist's own typing is kept otherwise."""
    text = clean_text("e-mail", value, required=True, limit=320, key=key)
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in text) or "<" in text:
        raise InvalidValue("e-mail", text, "is not an e-mail address", key=key)
    return f"{local}@{domain.lower()}"


def create_call(
    library: Library,
    *,
    title: str,
    deadline: str,
    timezone: str,
    description: str = "",
    kinds: tuple[str, ...] = DEFAULT_KINDS,
    max_files: int = 5,
    max_bytes: int = 50 * MIB,
    licenses: tuple[str, ...] = tuple(LICENSES),
    ai_required: bool = True,
    terms: str = "",
    invite_only: bool = False,
    now: datetime | None = None,
) -> CallRecord:
    """Create a call; every value is checked before anything is written."""
    title = clean_text("title", title, required=True, limit=300)
    description = clean_text("description", description, limit=20_000)
    terms = clean_text("terms", terms, limit=20_000)
    moment = parse_deadline(deadline, timezone)
    if moment <= (now or datetime.now(UTC)):
        raise InvalidValue("deadline", deadline, "is already past", key="deadline")
    for kind in kinds:
        if kind not in KINDS:
            raise InvalidValue(
                "kind", kind, f"is not accepted by the library; use {', '.join(KINDS)}", key="kinds"
            )
    if not 1 <= max_files <= MAX_FILES_LIMIT:
        raise InvalidValue(
            "files per artist", max_files, f"must be 1 to {MAX_FILES_LIMIT}", key="max_files"
        )
    if not 1 <= max_bytes <= MAX_BYTES_LIMIT:
        raise InvalidValue(
            "bytes per file",
            f"{max_bytes / MIB:g} MiB",
            f"must be more than 0 and at most {MAX_BYTES_LIMIT // MIB} MiB",
            key="max_bytes",
        )
    offered = tuple(dict.fromkeys(normalize_license(value) for value in licenses))
    if not offered:
        raise InvalidValue("licenses", "", "offer at least one license", key="licenses")
    with library.session() as session:
        call = Call(
            title=title,
            description=description,
            deadline=moment,
            timezone=timezone,
            kinds=json.dumps(list(dict.fromkeys(kinds or DEFAULT_KINDS))),
            max_files=max_files,
            max_bytes=max_bytes,
            licenses=json.dumps(list(offered)),
            ai_required=ai_required,
            terms=terms,
            invite_only=invite_only,
            page_token=new_token(),
        )
        session.add(call)
        session.flush()
        return CallRecord.of(call)


def _find(session: Session, ref: str | int) -> Call:
    text = str(ref).strip()
    call = session.get(Call, int(text)) if text.isdigit() else None
    if call is None:
        matches = session.scalars(select(Call).where(func.lower(Call.title) == text.lower())).all()
        if len(matches) == 1:
            call = matches[0]
    if call is None:
        raise NotFound("call", ref)
    return call


def _count(session: Session, call_id: int) -> int:
    stmt = (
        select(func.count())
        .select_from(Submission)
        .join(Submitter)
        .where(Submitter.call_id == call_id, Submission.state != "withdrawn")
    )
    return session.scalar(stmt) or 0


def get_call(library: Library, ref: str | int) -> CallRecord:
    with library.session() as session:
        call = _find(session, ref)
        return CallRecord.of(call, _count(session, call.id))


def call_by_page(library: Library, page_token: str) -> CallRecord | None:
    """The call a page URL names, or None (the hub then answers 404)."""
    with library.session() as session:
        call = session.scalar(select(Call).where(Call.page_token == page_token))
        return CallRecord.of(call) if call is not None else None


def list_calls(library: Library) -> list[CallRecord]:
    with library.session() as session:
        calls = session.scalars(select(Call).order_by(Call.deadline)).all()
        return [CallRecord.of(c, _count(session, c.id)) for c in calls]


def close_call(library: Library, ref: str | int, now: datetime | None = None) -> CallRecord:
    """Stop taking hand-ins now, whatever the deadline (reviews go on)."""
    with library.session() as session:
        call = _find(session, ref)
        if call.closed_at is None:
            call.closed_at = now or datetime.now(UTC)
        session.flush()
        return CallRecord.of(call, _count(session, call.id))


def invite(library: Library, ref: str | int, name: str, email: str) -> InviteRecord:
    """A personal invite link for one artist (works for open calls too: it fills in the name)."""
    name = clean_text("name", name, required=True, limit=200)
    email = check_email(email)
    with library.session() as session:
        call = _find(session, ref)
        record = CallInvite(call_id=call.id, name=name, email=email, token=new_token())
        session.add(record)
        session.flush()
        return InviteRecord.of(record)


def list_invites(library: Library, ref: str | int) -> list[InviteRecord]:
    with library.session() as session:
        call = _find(session, ref)
        rows = session.scalars(
            select(CallInvite).where(CallInvite.call_id == call.id).order_by(CallInvite.id)
        ).all()
        return [InviteRecord.of(r) for r in rows]


def revoke(library: Library, ref: str | int, invite_ref: str) -> InviteRecord:
    """Revoke an invite (by id, e-mail or name): its link stops working at once."""
    with library.session() as session:
        call = _find(session, ref)
        rows = session.scalars(select(CallInvite).where(CallInvite.call_id == call.id)).all()
        text = invite_ref.strip().lower()
        found = [
            r
            for r in rows
            if str(r.id) == text or r.email.lower() == text or r.name.lower() == text
        ]
        if len(found) != 1:
            raise NotFound("invite", invite_ref)
        found[0].revoked_at = found[0].revoked_at or datetime.now(UTC)
        return InviteRecord.of(found[0])


def invite_by_token(library: Library, call_id: int, token: str) -> InviteRecord | None:
    """The live (not revoked) invite a link names, or None."""
    with library.session() as session:
        row = session.scalar(
            select(CallInvite).where(CallInvite.call_id == call_id, CallInvite.token == token)
        )
        if row is None or row.revoked_at is not None:
            return None
        return InviteRecord.of(row)


def base_url(library: Library) -> str:
    """Where the hub is reached from outside: the library's public address."""
    return load_settings(library).public_base_url
