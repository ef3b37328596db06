"""The demo's curation: five screens in five cities, two groups, three playlists, five schedules.

A first run should show every part of the studio doing something real: a week view with
evening blocks that lose and win, portrait and landscape screens in different time zones, and
a publish that has something to send. The playlists are the example files in playlists/ (shipped
in the package as demo_playlists/), imported through the real playlist-file path; dates are
relative to the day the demo is loaded, so its schedules are always current.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

from urbanart.curation import playlists, schedules, screens
from urbanart.curation.playlist_file import import_playlist, read_file
from urbanart.library.library import Library
from urbanart.library.undo import unrecorded

PLAYLIST_FILES = ("night-shift.json", "morning-light.json", "portrait-walls.json")

#: name, zone, size, city, address, default playlist
SCREENS = (
    ("Lisbon Metro Wall", "Europe/Lisbon", "1920x1080", "Lisbon", "Baixa-Chiado station",
     "Morning Light"),
    ("Shibuya Crossing Tower", "Asia/Tokyo", "1080x1920", "Tokyo", "Shibuya Scramble Square",
     "Portrait Walls"),
    ("Times Square North", "America/New_York", "3840x2160", "New York", "1560 Broadway",
     "Morning Light"),
    ("Berlin Kunsthalle Foyer", "Europe/Berlin", "1920x1080", "Berlin", "Mitte",
     "Morning Light"),
    ("Paulista Avenue Column", "America/Sao_Paulo", "1080x1920", "São Paulo",
     "Avenida Paulista 1578", "Portrait Walls"),
)  # fmt: skip

#: The playlist and schedule that put the demo's live work (urbanart.live.demo) on screens.
LIVE_PLAYLIST = "Live Collages"
LIVE_SCHEDULE = "Live collages by day"
LIVE_SCREENS = ("Lisbon Metro Wall", "Shibuya Crossing Tower")

GROUPS = (
    ("Landscape network", ("Lisbon Metro Wall", "Times Square North", "Berlin Kunsthalle Foyer")),
    ("Portrait columns", ("Shibuya Crossing Tower", "Paulista Avenue Column")),
)


@dataclass(frozen=True)
class DemoCuration:
    """What load_demo_curation made (all zero when the library had curation already)."""

    screens: int = 0
    groups: int = 0
    playlists: int = 0
    schedules: int = 0

    @property
    def message(self) -> str:
        if not self.screens:
            return "The library has screens, playlists or schedules already; no demo curation."
        return (
            f"Demo curation: {self.screens} screens, {self.groups} groups, "
            f"{self.playlists} playlists, {self.schedules} schedules."
        )


def playlist_folder() -> Path:
    return Path(str(resources.files("urbanart.curation") / "demo_playlists"))


def has_curation(library: Library) -> bool:
    return bool(
        screens.list_screens(library)
        or playlists.list_playlists(library)
        or schedules.list_schedules(library)
    )


@unrecorded()  # an import, not a curation edit: no undo steps
def load_demo_curation(
    library: Library, today: date | None = None, *, live_artworks: Sequence[int] = ()
) -> DemoCuration:
    """Add the demo's screens, groups, playlists and schedules, once.

    Needs the demo collection imported (the playlists name its works by hash). Does nothing on
    a library that has any screen, playlist or schedule, so it never mixes with a curator's work.
    ``live_artworks`` (the demo's live work, added by urbanart.live.demo, which this layer does
    not import) get a playlist of their own, shown by day on a landscape and a portrait screen.
    """
    if has_curation(library):
        return DemoCuration()
    today = today or date.today()
    folder = playlist_folder()
    for filename in PLAYLIST_FILES:
        import_playlist(library, read_file(folder / filename))
    for name, zone, size, city, address, default in SCREENS:
        screens.add_screen(
            library, name, tz=zone, size=size, city=city, address=address,
            default_playlist=default,
        )  # fmt: skip
    for name, members in GROUPS:
        screens.create_group(library, name, members)
    month = today + timedelta(days=30)
    plans: tuple[dict[str, object], ...] = (
        dict(name="Evenings", playlist="Night Shift", groups=["Landscape network"],
             window="19:00-02:00", priority=5),
        dict(name="Weekend late nights", playlist="Night Shift", groups=["Portrait columns"],
             days="fri,sat", window="21:00-03:00", priority=3),
        dict(name="Lisbon late show", playlist="Portrait Walls", screens=["Lisbon Metro Wall"],
             window="22:00-23:30", priority=1),
        dict(name="Berlin lunch break", playlist="Night Shift",
             screens=["Berlin Kunsthalle Foyer"], days="weekdays", window="12:00-13:30",
             priority=2, start_date=today.isoformat(), end_date=month.isoformat()),
        dict(name="Worldwide premiere", playlist="Portrait Walls",
             groups=["Landscape network", "Portrait columns"],
             start_date=(today + timedelta(days=7)).isoformat(),
             end_date=(today + timedelta(days=7)).isoformat(),
             window="20:00-20:30", priority=10, shared_instant=True, reference_tz="UTC"),
    )  # fmt: skip
    if live_artworks:
        playlists.create_playlist(
            library, LIVE_PLAYLIST, "A new city collage every few seconds, made as you watch."
        )
        playlists.add_items(library, LIVE_PLAYLIST, list(live_artworks), duration=60)
        plans += (
            dict(name=LIVE_SCHEDULE, playlist=LIVE_PLAYLIST, screens=list(LIVE_SCREENS),
                 window="07:00-19:00", priority=4),
        )  # fmt: skip
    for plan in plans:
        schedules.add_schedule(library, **plan)  # type: ignore[arg-type]
    made_playlists = len(PLAYLIST_FILES) + (1 if live_artworks else 0)
    return DemoCuration(len(SCREENS), len(GROUPS), made_playlists, len(plans))
