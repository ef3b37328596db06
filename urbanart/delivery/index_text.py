"""A release index's JSON text, made from the parts of the last one this process wrote.

Why: a fleet's index is ~3 MB of JSON (every file's sha256, every screen's and group's record,
every folder's tree), serialized whole before each release is marked complete; a one-playlist
change alters a few dozen of its ~20,000 entries. So each big part (a top-level object) is
written in chunks of consecutive keys, and a chunk whose keys and values are those of the last
index written (compared with ==, not trusted) keeps its text. The bytes are exactly
`json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))`: an index read
back is the same whichever way it was made.

What is kept is the last index's values themselves (a snapshot of each chunk's keys and values),
so a value must not be changed in place once its index is written (indexes never are:
tree._PARSED_INDEXES keeps them parsed on the same assumption), nor change type for an equal
value (1, 1.0 and True compare equal; an index's fields keep their types).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

#: Entries per chunk of a top-level object at most: large enough that the per-chunk cost (a
#: json.dumps call) stays below the entries' own.
CHUNK = 64
#: The text a chunk aims at, in bytes: a changed entry re-serializes its chunk, so a part of
#: big entries (a screen's inputs, ~1 kB; a screen group's record, ~1.7 kB) has chunks of a
#: few entries, one of small entries (a file's sha256, ~90 bytes) up to CHUNK.
CHUNK_BYTES = 4096
#: Entries whose text gives a part's chunk size (the first ones, when the part is first made).
SAMPLE = 8
#: Top-level objects with fewer entries are serialized whole every time.
CHUNKED_FROM = 16


def _dumps(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


@dataclass(frozen=True)
class _Part:
    """One top-level object as last written: its sorted keys in chunks, each chunk's values
    and its text (the members, without braces), and the entries a chunk is made of at most."""

    keys: tuple[tuple[str, ...], ...]
    values: tuple[tuple[object, ...], ...]
    texts: tuple[bytes, ...]
    step: int


#: The last text of each top-level object, by its key in the index (one index's parts: a
#: process publishes one library again and again; another library's index only misses here).
_LAST: dict[str, _Part] = {}
_LOCK = threading.Lock()


def _chunk_text(keys: tuple[str, ...], values: tuple[object, ...]) -> bytes:
    return _dumps(dict(zip(keys, values, strict=True)))[1:-1]


def _part(name: str, value: Mapping[str, object]) -> tuple[bytes, ...]:
    """A top-level object's chunks' texts (the members, to be joined by commas inside
    braces), its unchanged chunks' taken from the last one written."""
    with _LOCK:
        last = _LAST.get(name)
    get = value.__getitem__
    made: _Part | None = None
    if last is not None and sum(map(len, last.keys)) == len(value):
        # The same keys (as many, all found): each chunk's values compared. KeyError: another
        # set of keys (one added, another removed).
        with contextlib.suppress(KeyError):
            made = _same_keys(last, get)
    if made is None and last is not None:
        made = _rechunked(last, value)
    if made is None:
        ordered = sorted(value)
        size = len(_dumps({key: value[key] for key in ordered[:SAMPLE]})) / SAMPLE
        step = max(1, min(CHUNK, int(CHUNK_BYTES // size)))
        keys = tuple(tuple(ordered[at : at + step]) for at in range(0, len(ordered), step))
        values = tuple(tuple(map(get, chunk)) for chunk in keys)
        texts = tuple(_chunk_text(chunk, now) for chunk, now in zip(keys, values, strict=True))
        made = _Part(keys, values, texts, step)
    with _LOCK:
        _LAST[name] = made
    return made.texts


def _same_keys(last: _Part, get: Callable[[str], object]) -> _Part:
    """The object's chunks when its keys are the last one's: an unchanged chunk keeps its
    text and its last values (the tuple made to compare them is dropped at once: a change's
    index kept ~700 new tuples of equal values, promoted and scanned by the garbage collector);
    KeyError when a key is missing."""
    values: list[tuple[object, ...]] = []
    texts: list[bytes] = []
    for chunk, before, text in zip(last.keys, last.values, last.texts, strict=True):
        now = tuple(map(get, chunk))
        if now == before:
            values.append(before)
            texts.append(text)
        else:
            values.append(now)
            texts.append(_chunk_text(chunk, now))
    return _Part(last.keys, tuple(values), tuple(texts), last.step)


def _rechunked(last: _Part, value: Mapping[str, object]) -> _Part | None:
    """The object's chunks when its keys are not the last one's (some added or removed): each
    last chunk whose keys come in a row in the new sorted keys is kept (its text too, when its
    values are equal), the keys between them make new chunks. Why: a change of one screen
    group replaces its record's key (a digest), and the whole part (~300 kB of a fleet's
    groups) was serialized again for it. None when that would leave the part in more than
    twice the chunks a fresh one has (made fresh then)."""
    ordered = sorted(value)
    get, step = value.__getitem__, last.step
    starts = {chunk[0]: n for n, chunk in enumerate(last.keys)}
    keys: list[tuple[str, ...]] = []
    values: list[tuple[object, ...]] = []
    texts: list[bytes] = []
    loose: list[str] = []  # keys of no kept chunk, up to the next kept one

    def add(chunk: tuple[str, ...], text: bytes | None, before: tuple[object, ...]) -> None:
        now = tuple(map(get, chunk))
        keys.append(chunk)
        values.append(now)
        texts.append(text if text is not None and now == before else _chunk_text(chunk, now))

    def add_loose() -> None:
        for at in range(0, len(loose), step):
            add(tuple(loose[at : at + step]), None, ())
        loose.clear()

    at, count = 0, len(ordered)
    while at < count:
        n = starts.get(ordered[at])
        if n is not None:
            chunk = last.keys[n]
            if tuple(ordered[at : at + len(chunk)]) == chunk:
                add_loose()
                add(chunk, last.texts[n], last.values[n])
                at += len(chunk)
                continue
        loose.append(ordered[at])
        at += 1
    add_loose()
    if len(keys) > 2 * -(-count // step) + 1:
        return None
    return _Part(tuple(keys), tuple(values), tuple(texts), step)


def index_text(doc: Mapping[str, object]) -> bytes:
    """The JSON text of an index document (a dict of str keys), byte for byte what
    json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")) gives."""
    pieces = [b"{"]  # joined once: the chunks of a fleet's index are 3 MB, copied once
    for name in sorted(doc):
        value = doc[name]
        pieces += (_dumps(name), b":")
        if isinstance(value, dict) and len(value) >= CHUNKED_FROM:
            pieces.append(b"{")
            for text in _part(name, value):
                pieces += (text, b",")
            pieces[-1] = b"}"  # the last comma
        else:
            pieces.append(_dumps(value))
        pieces.append(b",")
    if len(pieces) == 1:
        return b"{}"
    pieces[-1] = b"}"
    return b"".join(pieces)


def forget() -> None:
    """Drop the kept parts (tests: the next index is serialized whole)."""
    with _LOCK:
        _LAST.clear()
