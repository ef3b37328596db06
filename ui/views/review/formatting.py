"""How the Review view words a call, a submission's state and its details (no widgets here).

Everything returned is plain text: the view puts it in PlainLabel / item text, never in rich
text, since most of it is what an artist typed on the public hand-in page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from urbanart.intake.calls import CallRecord
from urbanart.intake.submissions import SubmissionRecord, SubmissionState

#: What the list's State column says of each state (the artist's page words them at length).
STATE_LABELS: dict[str, str] = {
    SubmissionState.RECEIVED: "Received",
    SubmissionState.IN_REVIEW: "In review",
    SubmissionState.ACCEPTED: "Accepted",
    SubmissionState.DECLINED: "Declined",
    SubmissionState.CHANGE_REQUESTED: "Change asked",
    SubmissionState.WITHDRAWN: "Withdrawn",
}

#: The states a curator can still decide (the engine's DECIDABLE, as text).
WAITING = frozenset(
    {SubmissionState.RECEIVED, SubmissionState.IN_REVIEW, SubmissionState.CHANGE_REQUESTED}
)


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state.replace("_", " ").capitalize())


def call_label(call: CallRecord) -> str:
    """The combo's line: title, number of hand-ins, and its deadline (or that it closed)."""
    count = f"{call.submissions} hand-in" + ("" if call.submissions == 1 else "s")
    if call.closed_at is not None:
        return f"{call.title} — {count}, closed"
    deadline = call.local_deadline.strftime("%-d %b %Y %H:%M")
    return f"{call.title} — {count}, closes {deadline} {call.timezone}"


def received_text(when: datetime) -> str:
    """When a work arrived, in this computer's time zone, to the minute."""
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def size_text(byte_size: int) -> str:
    if byte_size >= 1_000_000:
        return f"{byte_size / 1e6:.1f} MB"
    return f"{max(1, round(byte_size / 1000))} KB"


def file_text(record: SubmissionRecord) -> str:
    """The file's name and size; for a generative work also what it is and its file count
    ("tide.zip · Generative (HTML5), 12 files · 40 KB")."""
    kind = f" · {record.package_label}" if record.generative else ""
    return f"{record.file_name}{kind} · {size_text(record.byte_size)}"


#: The detail pane's rows, in order (detail_fields gives their values).
DETAIL_LABELS = (
    "Title", "Year", "Artist", "Bio", "Link", "Description", "Alt text", "License",
    "AI involvement", "File", "State",
)  # fmt: skip


def detail_fields(record: SubmissionRecord) -> list[tuple[str, str]]:
    """(label, value) rows of the detail pane; the private e-mail only on the curator's line."""
    return [
        ("Title", record.title),
        ("Year", str(record.year) if record.year is not None else "—"),
        ("Artist", record.artist),
        ("Bio", record.bio or "—"),
        ("Link", record.link or "—"),
        ("Description", record.description or "—"),
        ("Alt text", record.alt_text or "—"),
        ("License", record.license or "—"),
        ("AI involvement", record.ai_label),
        ("File", file_text(record)),
        ("State", state_label(record.state)),
    ]


def curator_line(record: SubmissionRecord) -> str:
    """The one line with the artist's private contact: for the curator, never published."""
    return f"Contact (private, never published): {record.email}"


def message_line(record: SubmissionRecord) -> str:
    """The curator's message to the artist (decline or change asked), or empty."""
    if not record.message:
        return ""
    return f"Message to the artist: {record.message}"


def refusal_line(record: SubmissionRecord) -> str:
    """Why the library refused the file when it was last accepted, or empty."""
    if not record.refusal:
        return ""
    return f"Refused by the library on accept: {record.refusal}"


def outcome_text(verb: str, done: Sequence[SubmissionRecord], refused: Sequence[str]) -> str:
    """What an action on the selection did: how many were decided, and why others were not."""
    text = f"{verb} {len(done)}."
    if refused:
        text = f"{verb} {len(done)}; {len(refused)} refused: " + "; ".join(refused)
    return text
