"""The Publish check's overlap warnings per screen, from the rules the publish already loaded.

Why not curation.overlaps.library_overlaps: it loads every screen's rules again and resolves
every pair of equal-priority rules on every screen, which for a thousand screens cost more than
the rest of an unchanged publish. A screen's warnings are a pure function of its rules, their
names, the screen and the day, so they are kept in the publish cache under a digest of those.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date

from urbanart.curation.overlaps import find_overlaps, schedule_names
from urbanart.curation.rules import ScheduleRule, ScreenContext
from urbanart.library.library import Library
from urbanart.viewers.output_cache import OutputCache, code_digest, digest

Inputs = Mapping[int, tuple[ScreenContext, list[ScheduleRule]]]


def overlap_warnings(
    library: Library, inputs: Inputs, today: date, outputs: OutputCache | None
) -> dict[int, list[str]]:
    """screen id -> its overlap warnings (curation.overlaps.Overlap.message), in the order
    find_overlaps gives them; screens without any are left out."""
    # The names of these screens' rules only: a publish after a change builds a few screens.
    with library.session() as session:
        names = schedule_names(
            session, {r.id for _context, rules in inputs.values() for r in rules}
        )
    code = code_digest("urbanart.curation", "overlaps.py", "resolver.py", "rules.py")
    described: dict[int, str] = {}  # rule id -> repr: a rule is shared by the screens it reaches
    keys: dict[int, str] = {}
    if outputs is not None:
        for screen_id, (context, rules) in inputs.items():
            parts = []
            for rule in sorted(rules, key=lambda r: r.id):
                text = described.get(rule.id)
                if text is None:
                    text = described[rule.id] = repr(rule)
                parts.append((text, names.get(rule.id)))
            keys[screen_id] = digest("overlaps", code, today.isoformat(), context, parts)
        outputs.prefetch(keys.values())  # a few queries, not one per screen
    found: dict[int, list[str]] = {}
    for screen_id, (context, rules) in inputs.items():
        messages: list[str] | None = None
        key = keys.get(screen_id, "")
        if outputs is not None:
            kept = outputs.get(key)
            if kept is not None:
                messages = json.loads(kept)
        if messages is None:
            messages = [o.message for o in find_overlaps(context, rules, names, today=today)]
            if outputs is not None:
                outputs.put(key, json.dumps(messages).encode("utf-8"))
        if messages:
            found[screen_id] = messages
    return found
