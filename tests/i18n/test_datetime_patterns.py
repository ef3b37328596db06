"""format_datetime parses its patterns once per language: it must write exactly what babel's own
format_skeleton("MMMEd") and format_time("short") write, in every shipped language, across the
changes of daylight saving time, at midnight, noon and at the turn of a year."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel import Locale
from babel.dates import format_skeleton, format_time

from urbanart.i18n import LANGUAGES, format_datetime

ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Lord_Howe", "UTC"]

#: Instants around the 2026 DST changes (Berlin 29 Mar / 25 Oct 01:00 UTC, New York 8 Mar /
#: 1 Nov, Lord Howe's half-hour shift 5 Apr / 4 Oct), every 20 minutes for two hours either side,
#: plus midnights, noons and New Year.
CHANGES = [
    datetime(2026, 3, 29, 1, tzinfo=UTC),
    datetime(2026, 10, 25, 1, tzinfo=UTC),
    datetime(2026, 3, 8, 7, tzinfo=UTC),
    datetime(2026, 11, 1, 6, tzinfo=UTC),
    datetime(2026, 4, 4, 15, tzinfo=UTC),
    datetime(2026, 10, 3, 15, 30, tzinfo=UTC),
]
INSTANTS = [c + timedelta(minutes=20 * k) for c in CHANGES for k in range(-6, 7)] + [
    datetime(2026, 12, 31, 23, 59, tzinfo=UTC),
    datetime(2027, 1, 1, 0, 0, tzinfo=UTC),
    datetime(2026, 6, 15, 12, 0, tzinfo=UTC),
]


def babel_text(moment: datetime, lang: str) -> str:
    """What format_datetime wrote before its patterns were cached: babel's calls, each time."""
    locale = Locale.parse(lang)
    day = format_skeleton("MMMEd", moment, tzinfo=moment.tzinfo, locale=locale)
    time = format_time(moment, "short", tzinfo=moment.tzinfo, locale=locale)
    pattern = str(locale.datetime_formats.get("short", "{1} {0}"))
    return pattern.replace("{1}", day).replace("{0}", time).replace("\u202f", " ")


@pytest.mark.parametrize("lang", sorted({*LANGUAGES, "en", "ar", "he", "zh"}))
def test_format_datetime_writes_what_babel_writes(lang: str) -> None:
    seen = set()
    for zone in ZONES:
        for instant in INSTANTS:
            moment = instant.astimezone(ZoneInfo(zone))
            assert format_datetime(moment, lang) == babel_text(moment, lang), (lang, moment)
            seen.add(format_datetime(moment, lang))
    assert len(seen) > len(INSTANTS)  # the zone shows: not one text for every zone
    naive = datetime(2026, 3, 29, 0, 30)
    assert format_datetime(naive, lang) == babel_text(naive, lang)
