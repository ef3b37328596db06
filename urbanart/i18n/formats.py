"""Dates, times and durations as each language writes them (CLDR data through Babel).

Why not strftime: month and weekday names, the order of day and month, the 24-hour clock and
the words for "min" differ per language; CLDR has them for every language a translator may add.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from datetime import time as datetime_time
from functools import lru_cache
from typing import NamedTuple

from babel import Locale
from babel.dates import (
    DateTimePattern,
    get_time_format,
    get_timezone_location,
    match_skeleton,
    parse_pattern,
    tokenize_pattern,
)
from babel.dates import format_date as _babel_date
from babel.units import format_unit

#: Languages written without spaces between words and numbers ("2分5秒").
_NO_SPACES = frozenset({"ja", "zh", "ko"})


@lru_cache(maxsize=64)
def _locale(lang: str) -> Locale:
    # Cached: a work's page lists hundreds of screens' next times, each parsed the locale anew.
    return Locale.parse(lang.replace("-", "_"))


def _tidy(text: str) -> str:
    # CLDR puts narrow no-break spaces before AM/PM; a plain one wraps better on a phone.
    return text.replace("\u202f", " ")


class _DateTimePatterns(NamedTuple):
    locale: Locale
    day: DateTimePattern  # the "MMMEd" skeleton's pattern in the language
    time: DateTimePattern  # its short time
    joined: str  # how the two are put together ("{1}, {0}")
    by_parts: bool  # day needs only the local date and time only the time of day: cacheable
    seconds: bool  # the time shows seconds


@lru_cache(maxsize=64)
def _datetime_patterns(lang: str) -> _DateTimePatterns:
    """What format_skeleton("MMMEd") and format_time("short") look up and parse on every call,
    looked up once per language: the skeleton's best match, the short time pattern, both
    parsed (babel.dates.parse_pattern), and the short date-time joiner."""
    locale = _locale(lang)
    skeletons = locale.datetime_skeletons
    skeleton = "MMMEd" if "MMMEd" in skeletons else match_skeleton("MMMEd", skeletons) or "MMMEd"
    day = parse_pattern(skeletons[skeleton])
    time = parse_pattern(get_time_format("short", locale=locale))
    joined = str(locale.datetime_formats.get("short", "{1} {0}"))
    by_parts = _fields(day) <= _DATE_FIELDS and _fields(time) <= _TIME_FIELDS
    seconds = "s" in _fields(time)
    return _DateTimePatterns(locale, day, time, joined, by_parts, seconds)


def format_datetime(moment: datetime, lang: str) -> str:
    """Weekday, day, month and time in the moment's own time zone (an aware datetime keeps its
    zone): "Sat, Mar 14, 6:30 PM", "Sa., 14. März, 18:30", "3月14日(土) 18:30".

    The same text as babel's format_skeleton("MMMEd") and format_time("short") in that zone
    (tests/i18n check it), from patterns parsed once per language, and each part kept once per
    local day and per minute: a work's page on hundreds of screens writes hundreds of these,
    and babel looks up and matches the skeleton anew on each call."""
    if moment.tzinfo is None:  # babel reads a naive datetime as UTC
        moment = moment.replace(tzinfo=UTC)
    patterns = _datetime_patterns(lang)
    if patterns.by_parts:
        day = _day_text(lang, moment.date())
        second = moment.second if patterns.seconds else 0  # most short times have none
        time = _time_text(lang, moment.hour, moment.minute, second)
    else:  # a pattern naming the zone or mixing date and time: in full each time
        day = patterns.day.apply(moment, patterns.locale)
        time = patterns.time.apply(moment.timetz(), patterns.locale, reference_date=moment.date())
    return _tidy(patterns.joined.replace("{1}", day).replace("{0}", time))


#: CLDR pattern letters that depend on the local date alone, and on the time of day alone.
_DATE_FIELDS = frozenset("GyYuUrQqMLlwWdDFgEec")
_TIME_FIELDS = frozenset("aBbhHKkms")


def _fields(pattern: DateTimePattern) -> set[str]:
    return {value[0] for kind, value in tokenize_pattern(pattern.pattern) if kind == "field"}


@lru_cache(maxsize=4096)
def _day_text(lang: str, day: date) -> str:
    patterns = _datetime_patterns(lang)
    return patterns.day.apply(datetime.combine(day, datetime.min.time()), patterns.locale)


@lru_cache(maxsize=8192)
def _time_text(lang: str, hour: int, minute: int, second: int) -> str:
    patterns = _datetime_patterns(lang)
    return patterns.time.apply(datetime_time(hour, minute, second), patterns.locale)


def format_date(day: date, lang: str) -> str:
    """A date alone, in the language's medium form ("Mar 14, 2026", "2026/03/14")."""
    return _tidy(_babel_date(day, "medium", locale=_locale(lang)))


def format_duration(seconds: float, lang: str) -> str:
    """How long a work or a loop lasts, for people: "2 min 5 sec", "2分5秒", "1 Std. 3 Min.";
    seconds are left out from an hour up (nobody counts them at that scale), zero parts too."""
    return _duration_text(round(float(seconds)), lang)


@lru_cache(maxsize=8192)
def _duration_text(total: int, lang: str) -> str:
    """format_duration of whole seconds, made once per process: every card of a page in every
    language shows one (babel's unit formatting was a tenth of rendering a playlist page)."""
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        parts = [(hours, "duration-hour"), (minutes, "duration-minute")]
    elif minutes:
        parts = [(minutes, "duration-minute"), (secs, "duration-second")]
    else:
        parts = [(secs, "duration-second")]
    locale = _locale(lang)
    code = lang.split("-", 1)[0].lower()
    words = [
        format_unit(value, unit, length="short", locale=locale)
        for value, unit in parts
        if value or len(parts) == 1
    ]
    if code in _NO_SPACES:
        return "".join(word.replace(" ", "").replace("\u00a0", "") for word in words)
    return _tidy(" ".join(words))


@lru_cache(maxsize=4096)
def format_zone(zone: str, lang: str) -> str:
    """A time zone as a passer-by names it, by its city in the language ("Europe/Berlin" →
    "Berlin", "ベルリン", "Berlim"); the IANA name itself when CLDR knows no city for it.

    Why: "Asia/Tokyo" is a database key in English, not words for a Japanese or Finnish page.
    Cached, as a page of hundreds of screens names the same few dozen zones again and again.
    """
    try:
        return get_timezone_location(zone, locale=_locale(lang), return_city=True)
    except LookupError:
        return zone
