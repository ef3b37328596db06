"""Playlist facts made by earlier publishes of this process, by the digest of their rows.

Why: an edit of one playlist rebuilds the screens that play it, and with them every other
playlist those screens play (ten screens of a fleet play some sixty playlist-for-a-size facts,
one of them edited): each loaded as ORM objects, its renditions looked up and its items shaped
again, to the very facts the publish before made. A playlist's facts for one screen profile,
video settings and languages are made from the rows screen_inputs.playlist_digests digests (the
playlist, its items, their works, media, artists, texts and live works) and from the renditions
of those works' files for that profile, which the same code makes from the same file. So the
digest of those rows, with the profile, the settings and the languages, names the facts exactly
within one process (the code cannot change under it) and one library (its home and database).

Only facts with nothing left out and nothing to warn about are kept (those depend on the media
store and the transcoder too, and are rare), and they are answered only while every media file
they name is still in the store (a rendition deleted is made again, maybe from another file).
The publisher keeps facts only under a digest it read again after building them, so an edit
made while a publish runs never files new facts under the old rows' digest. Bounded.
"""

from __future__ import annotations

from dataclasses import dataclass

from urbanart.delivery import manifest as mf
from urbanart.delivery.screen_inputs import Group
from urbanart.library.library import Library
from urbanart.memo import Recent

#: (the playlist's rows digest, its profile key, the screen's video settings, its languages)
FactsKey = tuple[str, str, tuple[int | None, bool], tuple[str, str]]


@dataclass(frozen=True)
class MadeFacts:
    """One playlist's facts for a profile, the digest naming them, and their media group."""

    facts: mf.PlaylistFacts
    digest: str
    group: Group


_MADE: Recent[tuple[str, str, FactsKey], MadeFacts] = Recent(4096)


def _library_of(library: Library) -> tuple[str, str]:
    return str(library.home), str(library.engine.url)


def remembered(
    library: Library, key: FactsKey, in_store: dict[str, bool] | None = None
) -> MadeFacts | None:
    """The facts a publish of this process made for key, while the store has all their media
    (in_store: what the caller already learnt of the store's keys, shared across calls)."""
    home, database = _library_of(library)
    found = _MADE.get((home, database, key))
    if found is None:
        return None
    known = in_store if in_store is not None else {}
    for store_key, _sha in found.group.media.values():
        if store_key not in known:
            known[store_key] = library.store.exists(store_key)
    if not all(known[store_key] for store_key, _sha in found.group.media.values()):
        _MADE.pop((home, database, key))
        return None
    return found


def remember(library: Library, key: FactsKey, made: MadeFacts) -> None:
    """Keep facts made with nothing left out and no warning (the caller checks)."""
    home, database = _library_of(library)
    _MADE.put((home, database, key), made)
