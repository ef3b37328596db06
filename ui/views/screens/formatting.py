"""What the Screens view says, as plain text: counts, group entries, notices and questions.

Pure functions of engine records (no widgets, no engine calls), so the wording can be tested
without a QApplication.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from urbanart.curation.records import GroupRecord
from urbanart.delivery.status import OnlineState

UNTARGETED_ADVICE = "Give them a screen or group in Schedules, or remove them there."


def screens_count(count: int) -> str:
    """ "1 screen", "3 screens", "0 screens"."""
    return f"{count} screen{'s' if count != 1 else ''}"


def state_summary(states: Iterable[OnlineState], *, in_group: bool) -> str:
    """The line under the heading: how many screens, then how many in each state, in order."""
    counts: dict[OnlineState, int] = {}
    for state in states:
        counts[state] = counts.get(state, 0) + 1
    total = sum(counts.values())
    if not total:
        if in_group:
            return "No screens in this group yet: select screens, Add to group"
        return "No screens registered yet"
    parts = [screens_count(total)]
    parts += [f"{counts[s]} {s}" for s in OnlineState if counts.get(s)]
    return " · ".join(parts)


def all_screens_entry(count: int) -> str:
    """The group list's first entry (the count always says "screens", as before)."""
    return f"All screens\n{count} screens"


def group_entry(group: GroupRecord) -> str:
    """A group's entry in the group list: its name over its size."""
    return f"{group.name}\n{screens_count(len(group.screen_ids))}"


def group_tooltip(group: GroupRecord) -> str:
    return group.description or ", ".join(group.screens) or "No screens yet"


def updated_text(moment: datetime, refresh_ms: int) -> str:
    """When the table was read, on this computer's clock, and how often it refreshes."""
    clock = moment.astimezone().strftime("%H:%M:%S")
    return f"Updated {clock} · refreshes every {refresh_ms // 1000} s"


def is_stale(loaded_at: datetime | None, now: datetime, refresh_ms: int) -> bool:
    """Whether the table is older than one refresh period (or was never loaded)."""
    return loaded_at is None or (now - loaded_at).total_seconds() * 1000 > refresh_ms


def removal_notice(done: str, untargeted_warnings: Iterable[str]) -> str:
    """What a removal did, then the schedules it left reaching no screen and what to do."""
    lines = list(untargeted_warnings)
    if lines:
        lines.append(UNTARGETED_ADVICE)
    return "\n".join([done, *lines])


def address_failure(reason: str) -> str:
    """Why no address can be shown, and the two ways to get one."""
    return (
        f"{reason} Start the hub, or set the library's public address "
        "(urbanart settings set public_base_url …)."
    )


def delete_group_question(name: str) -> str:
    return (
        f"Delete the group “{name}”? Its screens stay; schedules stop reaching "
        "them through this group."
    )


def new_token_question(name: str) -> str:
    return (
        f"Give “{name}” a new poll token?\n\nIts current address stops working "
        "at once: the screen (and any web player or QR code made for it) must be paired "
        "again with the new address, which works at once too."
    )


def remove_screen_question(name: str) -> str:
    return (
        f"Remove the screen “{name}”?\n\nIts group memberships and schedule "
        "targets go with it, and it stops getting manifests after the next publication."
    )


def remove_from_group_text(group: GroupRecord | None) -> str:
    return f"Remove from {group.name}" if group is not None else "Remove from group"
