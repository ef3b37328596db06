"""Screens whose manifest inputs are unchanged are carried over from the served release, unresolved.

Why: a re-publish of a thousand screens resolved every timeline, loaded every playlist as ORM
objects and looked every manifest up by its full input digest, only to find the same bytes; it
cost many times the load of the schedules. A screen's manifest is made from a few things that
are cheap to read as plain rows: the screen's own row, the rules reaching it (which load_all
reads anyway), the playlists those rules and its default play (their rows, their items' rows
and the rows of the works, media, artists, texts and live works the items reach),
the library's settings, the signing key, the window and the code. Their digest is the screen's
input key; the release index records it with the manifest's version and the screen's notes,
and the next publish carries every screen whose key is unchanged (its signed manifest is
hard-linked by sha256, its payload read from the publish cache) and resolves only the others.
Any change to an input gives a new key, so over-invalidating (an edit that changes nothing
shown) only costs a rebuild, never a stale manifest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Connection, Select, Table, bindparam, select, type_coerce
from sqlalchemy.types import NullType

from urbanart.curation.rules import ScheduleRule, ScreenContext
from urbanart.delivery.changes import DroppedItem
from urbanart.library.library import Library
from urbanart.library.models import (
    Artist,
    ArtistText,
    Artwork,
    ArtworkText,
    MediaAsset,
    Playlist,
    PlaylistItem,
    Schedule,
    Screen,
    Setting,
    schedule_groups,
    schedule_screens,
    screen_group_members,
)
from urbanart.live.works import live_items
from urbanart.viewers.output_cache import code_digest, digest

#: Where a release index keeps each screen's record (ReleaseIndex.extra), by screen id.
INDEX_KEY = "screen_inputs"
#: Where it keeps the media and live profiles of each playlist-for-a-profile group.
GROUPS_KEY = "screen_groups"
#: Where it keeps the digest of every screen's key and the pages' code (publisher), and the
#: media the pages use (tree path -> [store key, sha256]).
VIEWERS_KEY = "viewer_inputs"
VIEWER_MEDIA_KEY = "viewer_media"

Inputs = Mapping[int, tuple[ScreenContext, list[ScheduleRule]]]


@dataclass(frozen=True)
class ScreenRecord:
    """What the release index keeps per screen: enough to carry it without resolving."""

    key: str  # the digest of the screen's inputs (screen_keys)
    inputs_key: str  # the manifest's cache key (publisher), under which its payload is kept
    version: str  # manifest_version
    sequence: int
    expires: str
    dropped: tuple[DroppedItem, ...]
    warnings: tuple[str, ...]
    groups: tuple[str, ...]  # digests of its playlists' facts (media and live profiles)
    #: The index's own value this record was read from, when to_json would give it back equal.
    read_from: list[Any] | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> list[Any]:
        """The record as the index keeps it. A record read from an index gives back the very
        value read (never changed in place, as index_text requires): a change's new index
        holds a thousand carried screens' records, and building them anew made ~5,000 lists
        each publish that outlived it in the kept indexes, promoted by the garbage collector
        and scanned by its older generations' collections for nothing."""
        if self.read_from is not None:
            return self.read_from
        return [
            self.key,
            self.inputs_key,
            self.version,
            self.sequence,
            self.expires,
            [
                [d.playlist_id, d.playlist, d.item_id, d.artwork_id, d.title, d.reason]
                for d in self.dropped
            ],
            list(self.warnings),
            list(self.groups),
        ]

    @classmethod
    def from_json(cls, value: object) -> ScreenRecord | None:
        """The record, or None when it is not one this code wrote (then the screen is built)."""
        if not isinstance(value, list) or len(value) != 8:
            return None
        if _as_written(value):  # the usual case, read without converting anything
            key, inputs_key, version, sequence, expires, dropped, warnings, groups = value
            return cls(
                key,
                inputs_key,
                version,
                sequence,
                expires,
                tuple(DroppedItem(*d) for d in dropped) if dropped else (),
                tuple(warnings),
                tuple(groups),
                read_from=value,
            )
        try:
            return cls(
                str(value[0]),
                str(value[1]),
                str(value[2]),
                int(value[3]),
                str(value[4]),
                tuple(DroppedItem(*d) for d in value[5]),
                tuple(str(w) for w in value[6]),
                tuple(str(g) for g in value[7]),
            )
        except (TypeError, ValueError):
            return None


_STR = frozenset({str})


def all_text(values: Iterable[object]) -> bool:
    """Whether every value is a str itself (as an index writes its keys and digests), in one
    pass in C: the records and units read back are thousands."""
    return set(map(type, values)) <= _STR


def _pairs_as_written(media: dict[Any, Any]) -> bool:
    """Whether a group's media (tree path -> [store key, sha256]) has the types to_json writes."""
    return all_text(media) and all(
        type(v) is list and len(v) == 2 and type(v[0]) is type(v[1]) is str for v in media.values()
    )


def _as_written(value: list[Any]) -> bool:
    """Whether a record's index value (8 long) has the types to_json writes, so that the
    record read from it gives it back equal (from_json converts any other)."""
    key, inputs_key, version, sequence, expires, dropped, warnings, groups = value
    return (
        type(sequence) is int
        and type(key) is type(inputs_key) is type(version) is type(expires) is str
        and type(dropped) is type(warnings) is type(groups) is list
        and (not dropped or all(type(d) is list and len(d) == 6 for d in dropped))
        and all_text(warnings)
        and all_text(groups)
    )


@dataclass
class Group:
    """One playlist's facts for one screen profile and languages: the media it publishes
    (tree path -> (store key, sha256)) and the live works it shows on that profile."""

    media: dict[str, tuple[str, str]] = field(default_factory=dict)
    live: set[tuple[int, str]] = field(default_factory=set)
    #: The index's own value a group was read from (never changed after), as for records.
    read_from: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The group as the index keeps it; one read from an index gives back the value read
        (ScreenRecord.to_json says why)."""
        if self.read_from is not None:
            return self.read_from
        return {
            "media": {path: list(v) for path, v in sorted(self.media.items())},
            "live": sorted([list(x) for x in self.live]),
        }

    @classmethod
    def from_json(cls, value: object) -> Group | None:
        if isinstance(value, dict) and len(value) == 2 and value.get("live") == []:
            # The usual case (no live work): read as written, without converting anything.
            media_read = value.get("media")
            if type(media_read) is dict and _pairs_as_written(media_read):
                return cls({p: (k, s) for p, (k, s) in media_read.items()}, set(), value)
        try:
            media = {str(p): (str(k), str(s)) for p, (k, s) in value["media"].items()}  # type: ignore[index]
            live = {(int(w), str(p)) for w, p in value["live"]}  # type: ignore[index]
        except (TypeError, ValueError, KeyError, AttributeError):
            return None
        made = cls(media, live)
        if made.to_json() == value:
            made.read_from = value
        return made


def previous_records(extra: Mapping[str, object] | None) -> dict[int, ScreenRecord]:
    """The served release's screen records (empty before any, or from an older release)."""
    found = extra.get(INDEX_KEY) if extra is not None else None
    if not isinstance(found, dict):
        return {}
    out: dict[int, ScreenRecord] = {}
    for sid, value in found.items():
        record = ScreenRecord.from_json(value)
        if record is not None and str(sid).isdigit():
            out[int(sid)] = record
    return out


def previous_groups(extra: Mapping[str, object] | None) -> dict[str, Group]:
    """The served release's playlist groups, by facts digest."""
    found = extra.get(GROUPS_KEY) if extra is not None else None
    if not isinstance(found, dict):
        return {}
    out: dict[str, Group] = {}
    for name, value in found.items():
        group = Group.from_json(value)
        if group is not None:
            out[str(name)] = group
    return out


def media_of(extra: Mapping[str, object]) -> dict[str, tuple[str, str]]:
    """The served release's record of the media its pages use."""
    found = extra.get(VIEWER_MEDIA_KEY)
    if not isinstance(found, dict):
        return {}
    return {str(path): (str(v[0]), str(v[1])) for path, v in found.items()}


@cache
def _raw(table: Table) -> Select[Any]:
    """Every column of table as the database gives it (no type conversion: a digest needs the
    values, not Python dates, and converting them cost more than the query). Made once per
    table (a statement is immutable): building it was a tenth of a small read's cost."""
    columns: list[Any] = [type_coerce(c, NullType()).label(c.name) for c in table.c]
    return select(*columns)


def _rows(conn: Connection, table: Table, column: str | None, ids: Iterable[Any]) -> list[Any]:
    """Every row of table (whose `column` is in ids, when given), as plain tuples."""
    if column is None:
        return [tuple(r) for r in conn.execute(_raw(table))]
    wanted = sorted(set(ids))
    stmt = _raw_in(table, column)
    out: list[Any] = []
    for start in range(0, len(wanted), 500):
        out.extend(tuple(r) for r in conn.execute(stmt, {"ids": wanted[start : start + 500]}))
    return out


@cache
def _raw_in(table: Table, column: str) -> Select[Any]:
    """_raw's rows whose `column` is in the list bound as "ids", made once per table."""
    return _raw(table).where(table.c[column].in_(bindparam("ids", expanding=True)))


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def playlist_digests(library: Library, playlist_ids: Iterable[int]) -> dict[int, str]:
    """Per playlist, a digest of every row its manifest facts are made from."""
    wanted = set(playlist_ids)
    if not wanted:
        return {}
    with library.session() as session:  # one unit of work: one connection, one snapshot
        conn = session.connection()
        playlists = {r[0]: r for r in _rows(conn, _table(Playlist), "id", wanted)}
        items = _rows(conn, _table(PlaylistItem), "playlist_id", wanted)
        item_cols = _table(PlaylistItem).c.keys()
        at_playlist = item_cols.index("playlist_id")
        at_artwork = item_cols.index("artwork_id")
        work_ids = {i[at_artwork] for i in items}
        artworks = {r[0]: r for r in _rows(conn, _table(Artwork), "id", work_ids)}
        art_cols = _table(Artwork).c.keys()
        at_asset, at_artist = art_cols.index("asset_id"), art_cols.index("artist_id")
        asset_ids = {a[at_asset] for a in artworks.values()}
        artist_ids = {a[at_artist] for a in artworks.values()}
        assets = {r[0]: r for r in _rows(conn, _table(MediaAsset), "id", asset_ids)}
        artists = {r[0]: r for r in _rows(conn, _table(Artist), "id", artist_ids)}
        texts: dict[int, list[Any]] = {}
        for row in _rows(conn, _table(ArtworkText), "artwork_id", artworks):
            texts.setdefault(row[0], []).append(row)
        bios: dict[int, list[Any]] = {}
        for row in _rows(conn, _table(ArtistText), "artist_id", artists):
            bios.setdefault(row[0], []).append(row)
    live = live_items(library)
    work: dict[int, str] = {}
    for aid, row in artworks.items():
        work[aid] = digest(
            row,
            assets.get(row[at_asset]),
            artists.get(row[at_artist]),
            sorted(texts.get(aid, ())),
            sorted(bios.get(row[at_artist], ())),
            live.get(aid),
        )
    by_playlist: dict[int, list[Any]] = {}
    for row in items:
        by_playlist.setdefault(row[at_playlist], []).append(row)
    return {
        pid: digest(
            playlists[pid],
            [(row, work.get(row[at_artwork])) for row in sorted(by_playlist.get(pid, ()))],
        )
        for pid in sorted(wanted)
        if pid in playlists
    }


def common_inputs(library: Library, manifest_inputs: str) -> str:
    """What every screen's key shares: the manifests' own inputs (code, key, address, window),
    every setting, and the code that resolves, warns and carries."""
    with library.session() as session:
        settings = sorted(_rows(session.connection(), _table(Setting), None, ()))
    return digest(
        "screen-inputs",
        manifest_inputs,
        settings,
        code_digest("urbanart.curation", "resolver.py", "rules.py", "overlaps.py", "schedules.py"),
        code_digest("urbanart.delivery", "screen_inputs.py", "captions.py"),
        code_digest("urbanart.delivery", "overlap_warnings.py", "kept_payloads.py"),
        code_digest("urbanart.library", "texts.py", "vocabulary.py", "renditions.py"),
        # Renditions are made from the work's file (its asset row) by this code; the rows a
        # publish adds for them must not change the key the next publish computes.
        code_digest("urbanart.imaging", "renditions.py", "normalize.py", "video", "packages.py"),
    )


def bindings(library: Library) -> dict[int, set[int]]:
    """screen id -> ids of the schedules bound to it directly or through any of its groups
    (the bindings schedules.load_all reads, without building the rules)."""
    direct = select(schedule_screens.c.screen_id, schedule_screens.c.schedule_id)
    via_group = select(screen_group_members.c.screen_id, schedule_groups.c.schedule_id).join(
        schedule_groups, schedule_groups.c.group_id == screen_group_members.c.group_id
    )
    out: dict[int, set[int]] = {}
    with library.session() as session:
        for stmt in (direct, via_group):
            for screen_id, schedule_id in session.connection().execute(stmt):
                out.setdefault(screen_id, set()).add(schedule_id)
    return out


def screen_keys(
    library: Library,
    screens: Sequence[Any],
    common: str,
    *,
    playlists_out: dict[int, str] | None = None,
) -> dict[int, str]:
    """Per screen (rows of the screens table), the digest of everything its manifest, its
    dropped items and its warnings are made from: its row, the rows of the schedules bound to
    it (each a rule, with the name its overlap warnings give), and its playlists' digests
    (given in playlists_out too, for the publisher's playlist_facts)."""
    schedule_cols = _table(Schedule).c.keys()
    at_playlist = schedule_cols.index("playlist_id")
    rules: dict[int, tuple[str, int]] = {}  # schedule id -> (its row's text, its playlist)
    with library.session() as session:
        for row in _rows(session.connection(), _table(Schedule), None, ()):
            rules[row[0]] = (repr(row), row[at_playlist])
    bound = bindings(library)
    used: dict[int, set[int]] = {}
    for screen in screens:
        pids = {rules[i][1] for i in bound.get(screen.id, ()) if i in rules}
        if screen.default_playlist_id is not None:
            pids.add(screen.default_playlist_id)
        used[screen.id] = pids
    playlists = playlist_digests(library, set().union(*used.values()) if used else set())
    if playlists_out is not None:
        playlists_out.update(playlists)
    return {
        screen.id: digest(
            common,
            tuple(screen),
            [rules[i][0] for i in sorted(bound.get(screen.id, ())) if i in rules],
            [(pid, playlists.get(pid)) for pid in sorted(used[screen.id])],
        )
        for screen in screens
    }


def screen_rows(library: Library) -> list[Any]:
    """Every screen as a plain row (attribute access by column name), by id."""
    with library.session() as session:
        return list(session.connection().execute(_raw(_table(Screen)).order_by(Screen.id)))
