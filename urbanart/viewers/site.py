"""Build every viewer file of a release: artwork, playlist and screen pages, QR codes and CSS.

Why page images go to the shared, content-addressed `media/` folder and not into the release:
their URLs never change meaning, so browsers and CDNs may cache them for a year (the hub
marks `/media/` immutable); the hub keeps every release file in memory but reads media on
demand; and an unchanged image costs a publish nothing (no bytes read, hashed or linked). The
publisher copies them exactly as it copies screen renditions, and its media collector keeps them
while a kept release uses them.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import segno
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from urbanart.errors import UrbanArtError
from urbanart.i18n import LANGUAGES, N_, format_zone, gettext, language_name
from urbanart.imaging.renditions import RenditionFormat, RenditionProfile
from urbanart.library.library import Library
from urbanart.library.models import Artist, Artwork, MediaAsset, Playlist, Screen
from urbanart.library.renditions import RenditionRecord, ensure_rendition, made_renditions
from urbanart.library.settings import LibrarySettings, load_settings
from urbanart.library.texts import (
    WorkTexts,
    bios_for,
    languages_of,
    pick,
    screen_languages,
    texts_for,
)
from urbanart.memo import Recent
from urbanart.protocol.tree_layout import media_url
from urbanart.viewers import gone, qr
from urbanart.viewers.output_cache import OutputCache, cached, code_digest, digest
from urbanart.viewers.page_units import (
    COMMON,
    FRONT,
    Carry,
    front_files,
    stable,
    unit_files,
    unit_name,
    where_path,
)
from urbanart.viewers.pages import (
    http_url,
    license_label,
    render,
    render_cached,
    text_direction,
    tree_url,
)
from urbanart.viewers.per_entry import PerEntry
from urbanart.viewers.player_strings import PLAYER_STRINGS_PATH, player_strings
from urbanart.viewers.programme_json import (
    TIMING_FIELDS,
    entry_live,
    entry_video,
    page_programme,
    programme_path,
    timing_bytes,
)
from urbanart.viewers.screen_panels import ScreenPanels
from urbanart.viewers.script_strings import script_strings
from urbanart.viewers.where import WHERE_FILE
from urbanart.viewers.where_keys import in_blocks, screen_blocks
from urbanart.viewers.where_places import where_of
from urbanart.viewers.where_rows import city_rows, row_digest

#: Widths of the page image's srcset (WebP); never wider than the original.
PAGE_WIDTHS = (480, 960, 1600)
#: A JPEG for link previews (og:image) and browsers without WebP.
SHARE_WIDTH = 1200
PAGE_QUALITY = 80
SHARE_QUALITY = 85
#: The shared stylesheet and the now-playing script (no build step, no external files).
CSS_PATH = "static/viewers.css"
JS_PATH = "static/now-playing.js"
#: Share and full-screen zoom on artwork pages.
ARTWORK_JS_PATH = "static/artwork.js"
SHARE_JS_PATH = "static/share.js"
#: The language switch and the base page's first choice of language, on every page.
LANGUAGE_JS_PATH = "static/language.js"
#: A live work's latest frame (its feed polled), on its artwork page and on the now-playing page.
LIVE_JS_PATH = "static/live-frame.js"
#: A generative work's "Tap to start" (its piece in a sandboxed frame), on its artwork page and
#: on the now-playing page.
GENERATIVE_JS_PATH = "static/generative.js"
#: The language the library's base texts are in, and the base pages of works are built in.
BASE_LANGUAGE = "en"
#: vocabulary.disclosure("undisclosed"), listed here for the catalogue (a test keeps them equal);
#: the IPTC sentences are extracted from vocabulary.py's SourceType(...) calls.
UNDISCLOSED_SENTENCE = N_("The artist has not said whether AI was involved in making this work.")
#: At the tree's root, where browsers also look for it unasked.
FAVICON_PATH = "favicon.svg"
#: Every page lives two folders deep (a/<id>/index.html), so this reaches the tree's root and
#: the tree works behind any host and under any path prefix.
ROOT = "../../"
DEFAULT_PROJECT_NAME = "Urban Art Studio"


@dataclass(frozen=True)
class PageImage:
    """A work's image set on the pages, as tree paths (no leading slash)."""

    src: str  # the JPEG: <img src>, og:image, JSON-LD image
    width: int
    height: int
    srcset: tuple[tuple[str, int], ...]  # (WebP path, width), narrowest first
    thumb: str  # the narrowest WebP, for lists
    thumb_width: int
    thumb_height: int

    def srcset_text(self, root: str = ROOT) -> str:
        """The srcset attribute from a page whose way to the tree's root is `root`."""
        return ", ".join(f"{root}{path} {w}w" for path, w in self.srcset)


@dataclass
class ViewerBuild:
    """What the publisher merges into its plan: release files, and media for published/media
    (tree path -> (store key, sha256 of the bytes), the shape of the publisher's plan.media)."""

    files: dict[str, bytes] = field(default_factory=dict)
    media: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: Files carried over unchanged from the served release: tree path -> sha256 (no bytes).
    carried: dict[str, str] = field(default_factory=dict)
    #: Every unit's input digest (page_units.py), for the new release's index.
    inputs: dict[str, str] = field(default_factory=dict)


def project_name(library: Library, settings: LibrarySettings | None = None) -> str:
    """The name pages and signs are signed with. A `project_name` library setting is planned;
    until it exists every library says "Urban Art Studio" (folder names are not public names).
    settings: the library's, when the caller has read them (read once, not once per use)."""
    known = settings if settings is not None else load_settings(library)
    name = getattr(known, "project_name", "") or ""
    return name.strip() or DEFAULT_PROJECT_NAME


def page_sizes(width: int, height: int) -> list[tuple[int, int]]:
    """The srcset sizes for an image of width×height: the standard widths it exceeds by more
    than 10 % (no near-duplicates), then the original width capped at the widest standard one,
    each with the image's own aspect (no letterboxing)."""
    widest = min(width, PAGE_WIDTHS[-1])
    widths = [w for w in PAGE_WIDTHS if w * 1.1 < widest] + [widest]
    return [(w, max(1, round(w * height / width))) for w in widths]


def _profile(
    size: tuple[int, int], fmt: RenditionFormat, quality: int, background: str
) -> RenditionProfile:
    # "cover" at the image's own aspect crops at most a rounding pixel, where "contain" could
    # leave a one-pixel bar of background.
    return RenditionProfile(
        size[0], size[1], "cover", background=background, format=fmt, quality=quality
    )


def _media_path(record: RenditionRecord) -> str:
    return media_url(record.file_sha256, record.store_key.rsplit(".", 1)[-1]).lstrip("/")


def _page_profiles(
    width: int, height: int, background: str
) -> tuple[list[RenditionProfile], RenditionProfile]:
    """The srcset's WebP profiles and the share JPEG's, for an image of width×height."""
    webp = [_profile(s, "WEBP", PAGE_QUALITY, background) for s in page_sizes(width, height)]
    share_w = min(width, SHARE_WIDTH)
    share_size = (share_w, max(1, round(share_w * height / width)))
    return webp, _profile(share_size, "JPEG", SHARE_QUALITY, background)


def page_image(
    library: Library,
    sha256: str,
    width: int,
    height: int,
    background: str,
    build: ViewerBuild,
    made: Mapping[tuple[str, str], RenditionRecord] | None = None,
) -> PageImage | None:
    """Derive (or reuse from the library's cache) the page renditions of one asset and record
    them as media of the build; None when the image cannot be rendered (the page still works).
    `made` holds renditions already looked up (renditions.made_renditions), by (sha256, key)."""

    def ensure(profile: RenditionProfile) -> RenditionRecord:
        known = made.get((sha256, profile.key())) if made is not None else None
        return known if known is not None else ensure_rendition(library, sha256, profile)

    webp_profiles, jpeg_profile = _page_profiles(width, height, background)
    try:
        webp = [ensure(profile) for profile in webp_profiles]
        jpeg = ensure(jpeg_profile)
    except UrbanArtError:  # the work's own file; a disk error (OSError) fails the publish
        return None
    for record in (*webp, jpeg):
        build.media[_media_path(record)] = (record.store_key, record.file_sha256)
    return PageImage(
        src=_media_path(jpeg),
        width=jpeg.width,
        height=jpeg.height,
        srcset=tuple((_media_path(r), r.width) for r in webp),
        thumb=_media_path(webp[0]),
        thumb_width=webp[0].width,
        thumb_height=webp[0].height,
    )


# Gathering -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Published:
    """What the pages take from the manifests as a whole, by id: each published playlist's
    first entry met (screens in id order, their playlists in id order), each work's first
    manifest item met (_published_items), largest video (_page_videos) and live feed
    (_page_lives)."""

    playlists: dict[int, Mapping[str, Any]]
    items: dict[int, Mapping[str, Any]]
    videos: dict[int, Mapping[str, Any]]
    lives: dict[int, Mapping[str, Any]]


def _published(payloads: Mapping[int, Mapping[str, Any]]) -> _Published:
    """_Published of the payloads, joined from their blocks of BLOCK screens (where_keys.BLOCK),
    each kept in process by its payloads (_block_published): after an edit of ten screens a
    fleet's other blocks are the very payload objects of the publish before (kept_payloads.py),
    and reading their thousands of entries and items again was most of this.

    Joined as one pass over every screen would find them: the first met wins (a block's first,
    in block order; dict.update from the last block back keeps the first value), a larger video
    wins over a smaller one and the first of equal ones is kept."""
    parts = [
        _block_published(tuple(map(payloads.__getitem__, ids)))
        for ids in in_blocks(payloads).values()
    ]
    joined = _Published({}, {}, {}, {})
    for part in reversed(parts):
        joined.playlists.update(part.playlists)
        joined.items.update(part.items)
        joined.lives.update(part.lives)
    for part in parts:
        for aid, video in part.videos.items():
            _keep_larger(joined.videos, aid, video)
    return joined


def _block_published(payloads: tuple[Mapping[str, Any], ...]) -> _Published:
    """_Published of a few screens' payloads (in screen order), kept by the payload objects
    themselves (held, so their ids name no other object while kept; a payload is never
    changed once built: kept_payloads.py). Bounded; only ever a speed-up."""
    key = tuple(map(id, payloads))
    kept = _BLOCKS_PUBLISHED.get(key)
    if kept is not None and all(a is b for a, b in zip(kept[0], payloads, strict=True)):
        return kept[1]
    distinct, playlists = _distinct_playlists(payloads)
    made = _Published(
        playlists, _published_items(distinct), _page_videos(distinct), _page_lives(distinct)
    )
    _BLOCKS_PUBLISHED.put(key, (payloads, made))
    return made


#: _block_published's answers by their payloads' ids: a fleet of 8,000 screens, with room.
_BLOCKS_PUBLISHED: Recent[tuple[int, ...], tuple[tuple[Mapping[str, Any], ...], _Published]] = (
    Recent(1024)
)


def _distinct_playlists(
    payloads: Iterable[Mapping[str, Any]],
) -> tuple[list[Mapping[str, Any]], dict[int, Mapping[str, Any]]]:
    """Every playlist entry of the payloads (in screen order), in screen then playlist order,
    each one once, and each published playlist's first entry met, by id, in one pass: the
    payloads kept in the publish cache share one entry object among the screens that carry it
    (kept_payloads.py), so a block of screens costs a pass over a few entries."""
    seen: set[int] = set()
    found: list[Mapping[str, Any]] = []
    playlists: dict[int, Mapping[str, Any]] = {}
    for payload in payloads:
        entries = payload["playlists"]
        for pid in sorted(entries, key=int):
            entry = entries[pid]
            playlists.setdefault(int(pid), entry)  # two playlists may share an equal entry
            if id(entry) not in seen:
                seen.add(id(entry))
                found.append(entry)
    return found, playlists


def _published_items(entries: Iterable[Mapping[str, Any]]) -> dict[int, Mapping[str, Any]]:
    """artwork id -> its manifest item (the first met; every manifest of one publish agrees),
    from the payloads' _distinct_playlists (made once for this and the two below)."""
    found: dict[int, Mapping[str, Any]] = {}
    for entry in entries:
        for item in entry["items"]:
            found.setdefault(int(item["artwork_id"]), item)
    return found


def _page_videos(entries: Iterable[Mapping[str, Any]]) -> dict[int, Mapping[str, Any]]:
    """artwork id -> the largest video rendition any screen got (manifest v3 `video`): the page
    plays a file the tree already holds, so a video work costs its page no transcode."""
    found: dict[int, Mapping[str, Any]] = {}
    for entry in entries:
        for item in entry["items"]:
            video = item.get("video") if item.get("media_type") == "video" else None
            if not isinstance(video, Mapping):
                continue
            _keep_larger(found, int(item["artwork_id"]), video)
    return found


def _keep_larger(
    found: dict[int, Mapping[str, Any]], artwork_id: int, video: Mapping[str, Any]
) -> None:
    """Keep the video for the work unless found holds one as large or larger (the first kept)."""
    known = found.get(artwork_id)
    if known is None or video["width"] * video["height"] > known["width"] * known["height"]:
        found[artwork_id] = video


def _page_generative(item: Mapping[str, Any]) -> dict[str, str] | None:
    """A generative work's entry in the tree (manifest v3 `generative`), which the page runs in
    a sandboxed iframe after a tap; None for every other work."""
    package = item.get("generative") if item.get("media_type") == "generative" else None
    if not isinstance(package, Mapping):
        return None
    return {"src": f"{str(package['base_url']).lstrip('/')}{package['entry']}"}


def _page_lives(entries: Iterable[Mapping[str, Any]]) -> dict[int, Mapping[str, Any]]:
    """artwork id -> its live feed (manifest v3 `live`), for the artwork page's latest frame."""
    found: dict[int, Mapping[str, Any]] = {}
    for entry in entries:
        for item in entry["items"]:
            live = entry_live(item)
            if live is not None:
                found.setdefault(int(item["artwork_id"]), live)
    return found


def iso_duration(seconds: float) -> str:
    """ISO 8601 duration, as schema.org wants it: 30.5 s -> "PT30.5S", 95 s -> "PT1M35S"."""
    millis = max(0, round(float(seconds) * 1000))
    minutes, rest = divmod(millis, 60_000)
    hours, minutes = divmod(minutes, 60)
    secs = f"{rest / 1000:.3f}".rstrip("0").rstrip(".")
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return text + (f"{secs}S" if rest or not (hours or minutes) else "")


def _entry_digest(entry: Mapping[str, Any]) -> str:
    """A playlist entry as a playlist page's key names it: the digest of its whole text
    (page_units.stable), so what is kept is 64 characters, not the entry's JSON."""
    return digest("entry", stable(entry))


_ENTRY_DIGEST: PerEntry[str] = PerEntry(_entry_digest)
#: A manifest item's or video's page_units.stable text (a work's unit keys name its first item
#: met, largest video and live feed), by the object: after an edit all but the edited
#: playlist's are the objects of the publish before.
_STABLE: PerEntry[str] = PerEntry(stable)


def _stable(value: Mapping[str, Any] | None) -> str:
    """stable(value), kept by the object (_STABLE) when there is one."""
    return stable(None) if value is None else _STABLE(value)


@dataclass(frozen=True)
class _WorkFacts:
    """What a page adds to the manifest item, read from the catalog. The artist's contact is
    deliberately not carried: it is private and must never reach a published file."""

    description: str
    artist_id: int
    artist_bio: str
    artist_website: str | None
    artist_website_label: str
    artist_location: str
    sha256: str
    width: int
    height: int
    format: str  # the original's file format: "PNG", "GIF", "MP4"
    animated: bool
    kind: str = "image"  # "image" or "video"
    duration_s: float | None = None  # a video's own length
    uploaded: str = ""  # the day the work entered the library (YYYY-MM-DD), JSON-LD uploadDate

    @property
    def artist_url(self) -> str:
        return artist_path(self.artist_id)


def artist_path(artist_id: int) -> str:
    """Tree path of an artist's page folder (two deep, like every page)."""
    return tree_url("artists", artist_id) + "/"


def _host(url: str) -> str:
    """ "studio.example" for a link's text: shorter than the URL, and says where it leads."""
    site = http_url(url)
    if site is None:
        return ""
    host = urlsplit(site).hostname or site
    return host.removeprefix("www.")


def _work_facts(
    library: Library, ids: set[int], session: Session | None = None
) -> dict[int, _WorkFacts]:
    """The works' facts in one query of the columns they need (no ORM objects: a publish after
    one edit reads a fleet's every work, and loading the artworks with their artists and
    assets cost three queries and three objects per work)."""
    if not ids:
        return {}
    stmt = (
        select(
            Artwork.id,
            Artwork.description,
            Artwork.artist_id,
            Artwork.created_at,
            Artist.bio,
            Artist.website,
            Artist.location,
            MediaAsset.sha256,
            MediaAsset.width,
            MediaAsset.height,
            MediaAsset.format,
            MediaAsset.kind,
            MediaAsset.frame_count,
            MediaAsset.duration_s,
        )
        .join(Artist, Artist.id == Artwork.artist_id)
        .join(MediaAsset, MediaAsset.id == Artwork.asset_id)
        .where(Artwork.id.in_(ids))
    )
    with library.reading(session) as session:
        return {
            row.id: _WorkFacts(
                description=row.description,
                artist_id=row.artist_id,
                artist_bio=row.bio,
                artist_website=http_url(row.website),
                artist_website_label=_host(row.website),
                artist_location=row.location,
                sha256=row.sha256,
                width=row.width,
                height=row.height,
                format=row.format.upper(),
                animated=row.kind != "video" and row.frame_count > 1,
                kind=row.kind,
                duration_s=row.duration_s,
                uploaded=row.created_at.date().isoformat(),
            )
            for row in session.execute(stmt)
        }


def _descriptions(
    library: Library, ids: set[int], session: Session | None = None
) -> dict[int, str]:
    if not ids:
        return {}
    with library.reading(session) as session:
        rows = session.execute(
            select(Playlist.id, Playlist.description).where(Playlist.id.in_(ids))
        )
        return {pid: text for pid, text in rows}


def _cities(library: Library, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    with library.session() as session:
        rows = session.execute(select(Screen.id, Screen.city).where(Screen.id.in_(ids)))
        return {sid: city for sid, city in rows}


def _places(
    library: Library, ids: set[int], rows: Iterable[Any] | None
) -> tuple[dict[int, str], dict[int, tuple[str, ...]]]:
    """Each screen's city and languages: from the screens' rows when the caller read them
    (the publisher's plan reads every screen's row; the manifests were made from those very
    rows), else from the library."""
    if rows is None:
        return _cities(library, ids), screen_languages(library, ids)
    listed = list(rows)
    if not listed:
        return {}, {}
    # By position (named tuples' _fields): a thousand rows' attributes by name cost ~3 ms.
    ident, city, first, second = map(
        listed[0]._fields.index, ("id", "city", "language", "second_language")
    )
    shown = [row for row in listed if row[ident] in ids]
    return (
        {row[ident]: row[city] for row in shown},
        {row[ident]: languages_of(row[first], row[second]) for row in shown},
    )


# Page data -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Words:
    """A work's texts as one page shows them: each the best the curator gave for the page's
    language (texts.pick), with the language it is in (marked when not the page's)."""

    title: str
    title_lang: str
    description: str
    description_lang: str
    alt: str
    alt_lang: str


def _words(item: Mapping[str, Any], texts: Mapping[str, WorkTexts], lang: str) -> _Words:
    """The texts of one work for a page in `lang`; the manifest's (base) texts when the library
    has none. A work without alt text is still named to screen readers, in the page's language."""
    if not texts:
        texts = {BASE_LANGUAGE: WorkTexts(str(item["title"]), "", str(item["alt_text"]))}
    title, title_lang = pick({k: t.title for k, t in texts.items()}, [lang], BASE_LANGUAGE)
    title = title or str(item["title"])
    description, description_lang = pick(
        {k: t.description for k, t in texts.items()}, [lang], BASE_LANGUAGE
    )
    alt, alt_lang = pick({k: t.alt_text.strip() for k, t in texts.items()}, [lang], BASE_LANGUAGE)
    if not alt:
        alt = gettext(lang, N_("{title}, an artwork by {artist}")).format(
            title=title, artist=item["artist"]
        )
        alt_lang = lang if title_lang == lang else title_lang
    return _Words(title, title_lang, description, description_lang, alt, alt_lang)


def _disclosure(item: Mapping[str, Any], lang: str) -> str:
    """The AI disclosure sentence in the page's language (the manifest carries the English)."""
    return gettext(lang, str(item["ai_disclosure"]))


def _excerpt(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def _json_ld(
    item: Mapping[str, Any],
    facts: _WorkFacts | None,
    page: str,
    image: str | None,
    words: _Words,
    lang: str,
    video: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """schema.org VisualArtwork (a VideoObject for a video work), for search engines and link
    previews."""
    creator: dict[str, Any] = {"@type": "Person", "name": item["artist"]}
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "VisualArtwork" if video is None else "VideoObject",
        "name": words.title,
        "inLanguage": lang,
        "creator": creator,
        "url": page,
    }
    if video is not None:
        data["contentUrl"] = video["src_abs"]
        data["encodingFormat"] = "video/mp4"
        data["duration"] = iso_duration(video["duration_s"])
        data["width"], data["height"] = video["width"], video["height"]
        if image is not None:
            data["thumbnailUrl"] = image
        if facts is not None and facts.uploaded:
            data["uploadDate"] = facts.uploaded
    if facts is not None and facts.artist_website:
        creator["url"] = facts.artist_website
    if item["year"] is not None:
        data["dateCreated"] = str(item["year"])
    if item["license_url"]:
        data["license"] = item["license_url"]
    else:
        data["copyrightNotice"] = f"© {item['artist']}. {license_label(item['license'], lang)}."
    if image is not None:
        data["image"] = image
    data["description"] = words.description.strip() or item["credit"]
    return data


def _zoom(image: PageImage | None) -> dict[str, Any] | None:
    """The widest WebP for the full-screen view (loaded only when opened)."""
    if image is None:
        return None
    path, width = image.srcset[-1]
    return {"src": path, "width": width, "height": round(width * image.height / image.width)}


def _artwork_context(
    item: Mapping[str, Any],
    facts: _WorkFacts | None,
    image: PageImage | None,
    playlists: list[tuple[int, str]],
    base_url: str,
    where: Mapping[str, Any],
    *,
    lang: str,
    page: str,
    texts: Mapping[str, WorkTexts],
    bios: Mapping[str, str],
    root: str,
    lang_path: str,
    video: Mapping[str, Any] | None = None,
    live: Mapping[str, Any] | None = None,
    outputs: OutputCache | None = None,
) -> dict[str, Any]:
    """What artwork.html shows of one work in one language (page: this version's address,
    root and lang_path its links'); a live work's page follows its feed (live: see
    _entry_live) and shows the latest frame. Its city rows come kept by their inputs from
    outputs (where_rows.py), so the page's context holds their HTML, not the rows."""
    aid = int(item["artwork_id"])
    image_abs = f"{base_url}/{image.src}" if image is not None else None
    words = _words(item, texts, lang)
    bio, bio_lang = pick(bios, [lang], BASE_LANGUAGE)
    if not bios and facts is not None:
        bio, bio_lang = facts.artist_bio, BASE_LANGUAGE
    disclosure = _disclosure(item, lang)
    shown = None
    if video is not None:
        src = str(video["url"]).lstrip("/")
        shown = {
            "src": src,
            "src_abs": f"{base_url}/{src}",
            "width": video["width"],
            "height": video["height"],
            "duration_s": float(video["duration_s"]),
        }
    return {
        "js": ARTWORK_JS_PATH,
        "share_js": SHARE_JS_PATH,
        "share_title": f"{words.title} — {item['artist']}",
        "zoom": _zoom(image),
        "work": item,
        "title": words.title,
        "title_lang": words.title_lang,
        "description": words.description,
        "description_lang": words.description_lang,
        "alt": words.alt,
        "alt_lang": words.alt_lang,
        "bio": bio,
        "bio_lang": bio_lang,
        "disclosure": disclosure,
        "license_label": license_label(item["license"], lang),
        "license_url": http_url(item["license_url"]),
        "facts": facts,
        "image": image,
        "playlists": [(tree_url("p", pid) + "/", name) for pid, name in playlists],
        "og_image": image_abs,
        "og_description": _excerpt(words.description) or f"{item['credit']}. {disclosure}",
        "json_ld": _json_ld(item, facts, page, image_abs, words, lang, shown),
        "video": shown,
        "generative": _page_generative(item),
        "generative_js": GENERATIVE_JS_PATH,
        "live": dict(live) if live is not None else None,
        "live_js": LIVE_JS_PATH,
        "live_feed": live is not None,
        "qr_svg": tree_url("qr", "a", f"{aid}.svg"),
        "where": where["where"],
        "where_cities": list(
            zip(
                (row.city for row in where["where_cities"]),
                city_rows(
                    where["where_cities"],
                    lang=lang,
                    root=root,
                    lang_path=lang_path,
                    outputs=outputs,
                    shows=where["where_rows_shown"],
                ),
                strict=True,
            )
        ),
        # The rows' data for the script: one file for the page's every version, at a fixed
        # address (no digest: the page's bytes must not move with the data's, where.py).
        "where_src": (
            f"{root}{tree_url('a', aid)}/{WHERE_FILE}"
            if where["where"] or where["where_cities"]
            else None
        ),
        # The script names a row's next start in its screen's zone's words (a city's screens
        # may be in more than one zone: "Other places" gathers the whole world's).
        "where_words": {
            "zones": {zone: format_zone(zone, lang) for zone in where["where_zones"]},
            "labels": {"now": gettext(lang, N_("On this screen now"))},
        },
    }


def _entry(
    item: Mapping[str, Any],
    image: PageImage | None,
    known: _WorkFacts | None,
    lang: str,
    texts: Mapping[int, Mapping[str, WorkTexts]],
    suffix: str = "",
) -> dict[str, Any]:
    """One work as cards and the now-playing script need it, in one language: tree paths (never
    tokens) to the version the page links to (suffix "ja/": that language's; "": the default
    page, which picks the visitor's language itself)."""
    aid = int(item["artwork_id"])
    words = _words(item, texts.get(aid, {}), lang)
    return {
        "artwork_id": aid,
        "title": words.title,
        "title_lang": words.title_lang,
        "artist": item["artist"],
        "artist_url": known.artist_url + suffix if known else None,
        "license": license_label(item["license"], lang),
        "license_url": http_url(item["license_url"]),
        "ai_disclosure": _disclosure(item, lang),
        "year": item["year"],
        "credit": item["credit"],
        "alt": words.alt,
        "alt_lang": words.alt_lang,
        "alt_dir": text_direction(words.alt),
        "duration_s": item["duration_s"],
        "url": tree_url("a", aid) + "/" + suffix,
        "img": image.src if image else None,
        "srcset": [[p, w] for p, w in image.srcset] if image else [],
        "width": image.width if image else None,
        "height": image.height if image else None,
        "thumb": image.thumb if image else None,
        "thumb_width": image.thumb_width if image else None,
        "thumb_height": image.thumb_height if image else None,
        "video": entry_video(item),
        "live": entry_live(item),
        "generative": _page_generative(item),
    }


def _has_live(payload: Mapping[str, Any]) -> bool:
    return any(
        entry_live(item) is not None
        for playlist in payload["playlists"].values()
        for item in playlist["items"]
    )


def _has_generative(payload: Mapping[str, Any]) -> bool:
    """Whether the screen plays a generative work: its now-playing page may then frame the
    tree's own files (frame-src 'self') and carries generative.js."""
    return any(
        _page_generative(item) is not None
        for playlist in payload["playlists"].values()
        for item in playlist["items"]
    )


class _EntriesMemo:
    """The entries made (_playlist_entries), by everything they are made from: the playlist
    entry's content (not its identity: the screens an edit changed each got a payload of their
    own), its works' cards (catalogue facts, images, texts: build_viewers' `cards`), the code,
    the language and the suffix. Kept in process across publishes (_ENTRIES): after one edit
    the other playlists of the screens it changed are not made into entries again. The lists
    are shared between pages, never changed."""

    def __init__(self, cards: Mapping[int, str]) -> None:
        self.cards = cards
        self._content: dict[int, tuple[Mapping[str, Any], str]] = {}

    def key(self, playlist: Mapping[str, Any], lang: str, suffix: str) -> tuple[str, str, str]:
        known = self._content.get(id(playlist))
        if known is None:  # the entry is held here, so its id is not reused in this build
            works = tuple(self.cards.get(int(i["artwork_id"])) for i in playlist["items"])
            made = digest("entries", _pages_code(), stable(playlist), works)
            known = self._content[id(playlist)] = (playlist, made)
        return known[1], lang, suffix


#: Entries lists by _EntriesMemo.key, kept between the publishes of one process. Bounded;
#: only ever a speed-up (a key names everything its list is made from).
_ENTRIES: Recent[tuple[str, str, str], list[dict[str, Any]]] = Recent(4096)


def _playlist_entries(
    playlist: Mapping[str, Any],
    images: Mapping[int, PageImage | None],
    facts: Mapping[int, _WorkFacts],
    lang: str,
    texts: Mapping[int, Mapping[str, WorkTexts]],
    suffix: str = "",
    known: _EntriesMemo | None = None,
) -> list[dict[str, Any]]:
    """A playlist's items, in order, as entries (see _entry); known: what the build made."""
    memo = known.key(playlist, lang, suffix) if known is not None else None
    kept = _ENTRIES.get(memo) if memo is not None else None
    if kept is not None:
        return kept
    entries = []
    for item in playlist["items"]:
        aid = int(item["artwork_id"])
        entries.append(_entry(item, images.get(aid), facts.get(aid), lang, texts, suffix))
    if memo is not None:
        _ENTRIES.put(memo, entries)
    return entries


def _screen_playlists(
    payload: Mapping[str, Any],
    images: Mapping[int, PageImage | None],
    facts: Mapping[int, _WorkFacts],
    lang: str,
    texts: Mapping[int, Mapping[str, WorkTexts]],
    suffix: str = "",
    known: _EntriesMemo | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """A screen's playlists as one version of its page shows them, by id in id order: name,
    link and entries (its no-script list shows them all; its script, the works and names:
    programme_json.page_programme). When they play is not here but in programme.json."""
    return [
        (
            pid,
            {
                "name": payload["playlists"][pid]["name"],
                "url": tree_url("p", pid) + "/" + suffix,
                "items": _playlist_entries(
                    payload["playlists"][pid], images, facts, lang, texts, suffix, known
                ),
            },
        )
        for pid in sorted(payload["playlists"], key=int)
    ]


def _screen_shows(payload: Mapping[str, Any]) -> str:
    """All a screen's page takes from its manifest, named: the screen's id and name, its
    playlists' ids and names and each item as the page shows it (_entry_shows), in order. Not
    the manifest's version, which names the timing too: a duration edit then leaves the page
    as it is and changes only programme.json (a unit of its own).
    Kept in process by the manifest's version (which names all the payload holds), so a
    publish after one edit makes this for the screens it changed, not for the whole fleet."""
    memo = (str(payload["manifest_version"]), payload["screen"]["id"])
    known = _SHOWS.get(memo)
    if known is not None:
        return known
    parts = [
        f"{pid}:{_ENTRY_SHOWS(payload['playlists'][pid])}"
        for pid in sorted(payload["playlists"], key=int)
    ]
    shows = digest("screen-shows", payload["screen"]["id"], payload["screen"]["name"], *parts)
    _SHOWS.put(memo, shows)
    return shows


def _entry_shows(entry: Mapping[str, Any]) -> str:
    """One playlist entry as a screen's page shows it, digested: its name and each item (whether
    it is live or generative, which the page loads scripts for, and everything else but its
    timing: programme_json.TIMING_FIELDS, and its transition), in order."""
    shown = [{k: v for k, v in item.items() if k not in _NOT_SHOWN} for item in entry["items"]]
    live = any(entry_live(item) is not None for item in entry["items"])
    generative = any(_page_generative(item) is not None for item in entry["items"])
    return digest(str(entry["name"]), stable(shown), live, generative)


#: _entry_shows by entry: a changed screen's unchanged playlists are the entries named before.
_ENTRY_SHOWS: PerEntry[str] = PerEntry(_entry_shows)
#: A manifest item's fields a screen page does not show: its timing (in programme.json) and its
#: transition (no page shows it).
_NOT_SHOWN = TIMING_FIELDS | {"transition"}
#: _screen_shows' answers by (manifest version, screen id). Bounded; only ever a speed-up.
_SHOWS: Recent[tuple[str, int], str] = Recent(8192)


# Building --------------------------------------------------------------------------------------


def _versions(folder: str, base: str, root: str) -> list[dict[str, str]]:
    """Every language version of the page in folder ("a/7/", "" for the root's pages): the
    switch's links (relative, from a page whose way to the root is `root`) and the hreflang
    addresses. Each version lives at <folder><lang>/; the folder's own page is the default."""
    return [
        {
            "lang": lang,
            "name": name,
            "href": f"{root}{folder}{lang}/",
            "url": f"{base}/{folder}{lang}/",
        }
        for lang, name in _language_names()
    ]


@cache
def _language_names() -> tuple[tuple[str, str], ...]:
    """Each shipped language with its name in itself (babel's lookup, once per process: every
    version of every page built lists them all)."""
    return tuple((lang, language_name(lang)) for lang in LANGUAGES)


@dataclass(frozen=True)
class _Version:
    """One language version of a page being built."""

    lang: str
    root: str  # the way up to the tree's root
    page_url: str  # its public address
    suffix: str  # appended to the folders of pages it links to ("ja/"; "" from a default page)


def _page_versions(
    build: ViewerBuild,
    folder: str,
    template: str,
    *,
    base: str,
    project: str,
    default_lang: str,
    context: Callable[[_Version], dict[str, Any]],
    outputs: OutputCache | None = None,
    inputs: str | None = None,
) -> None:
    """One page in every shipped language at <folder><lang>/index.html, and the default
    language's at <folder>index.html, which moves a visitor to their language once (language.js).

    context(version) gives the page's own values for one version. A language version links to
    the same language's pages; the default page links to default pages (each picks again).

    inputs: the page's unit digest (page_units.Carry.take), which names everything context()
    reads and the code that renders it (_pages_code), as carrying the unit's files over
    already relies on. With it a version is kept in `outputs` by that digest and its own
    fields: a hit costs neither its context nor a dump of it (a work's page holds its whole
    "where to see it", a screen's its timeline: json.dumps of each version was a third of
    building it). Without it, by the digest of the whole context (pages.render_cached).
    """
    versions = []
    for lang in (None, *LANGUAGES):
        depth = ROOT if folder else ""
        version = _Version(
            lang=lang or default_lang,
            root=depth + ("../" if lang else ""),
            page_url=f"{base}/{folder}{lang}/" if lang else f"{base}/{folder}",
            suffix=f"{lang}/" if lang else "",
        )
        path = f"{folder}{lang}/index.html" if lang else f"{folder}index.html"
        versions.append((path, version, lang is None))
    if outputs is not None and inputs is not None:
        outputs.prefetch(digest(*_version_key(inputs, template, *v)) for v in versions)
    for path, version, choose in versions:

        def values(version: _Version = version, choose: bool = choose) -> dict[str, Any]:
            common = _common(project, version, folder=folder, base=base)
            return {**common, "choose_language": choose, **context(version)}

        def page(
            version: _Version = version, values: Callable[[], dict[str, Any]] = values
        ) -> bytes:
            return render(template, version.lang, **values())

        if inputs is None:
            build.files[path] = render_cached(outputs, template, version.lang, **values())
        else:
            key = _version_key(inputs, template, path, version, choose)
            build.files[path] = cached(outputs, key, page, released_as=path)


def _version_key(
    inputs: str, template: str, path: str, version: _Version, choose: bool
) -> tuple[object, ...]:
    """What names one version of a unit's page in the publish cache (_page_versions)."""
    return ("page-version", inputs, template, path, version, choose)


def _common(project: str, version: _Version, *, folder: str, base: str) -> dict[str, Any]:
    """What base.html needs on every page."""
    return {
        "project": project,
        "root": version.root,
        "css": CSS_PATH,
        "favicon": FAVICON_PATH,
        "language_js": LANGUAGE_JS_PATH,
        "ui_strings": script_strings(version.lang),
        "versions": _versions(folder, base, version.root),
        "default_url": f"{base}/{folder}",
        "home_path": version.suffix,
        "lang_path": version.suffix,
        "page_url": version.page_url,
    }


def _artist_pages(
    build: ViewerBuild,
    items: Mapping[int, Mapping[str, Any]],
    facts: Mapping[int, _WorkFacts],
    images: Mapping[int, PageImage | None],
    texts: Mapping[int, Mapping[str, WorkTexts]],
    bios: Mapping[int, Mapping[str, str]],
    *,
    base: str,
    project: str,
    outputs: OutputCache | None = None,
    carry: Callable[[int, list[int]], bool] | None = None,
) -> None:
    """One page per artist with a published work, per language: bio, link and their works.
    carry(artist id, their works) is true when the artist's pages need not be built."""
    works: dict[int, list[int]] = {}
    for aid in sorted(items):
        known = facts.get(aid)
        if known is not None:
            works.setdefault(known.artist_id, []).append(aid)
    for artist_id, aids in sorted(works.items()):
        if carry is not None and carry(artist_id, aids):
            continue
        first = facts[aids[0]]
        cover = next((images[a] for a in aids if images.get(a) is not None), None)
        artist_bios = bios.get(artist_id) or {BASE_LANGUAGE: first.artist_bio}

        def context(
            v: _Version,
            aids: list[int] = aids,
            artist_bios: Mapping[str, str] = artist_bios,
            cover: PageImage | None = cover,
        ) -> dict[str, Any]:
            bio, bio_lang = pick(artist_bios, [v.lang], BASE_LANGUAGE)
            return {
                "name": items[aids[0]]["artist"],
                "facts": facts[aids[0]],
                "bio": bio,
                "bio_lang": bio_lang,
                "entries": [
                    _entry(items[aid], images.get(aid), facts.get(aid), v.lang, texts, v.suffix)
                    for aid in aids
                ],
                "og_image": f"{base}/{cover.src}" if cover else None,
            }

        _page_versions(
            build,
            artist_path(artist_id),
            "artist.html",
            base=base,
            project=project,
            default_lang=BASE_LANGUAGE,
            context=context,
            outputs=outputs,
            inputs=build.inputs.get(unit_name("artists", artist_id)),
        )


def _whats_on(
    payloads: Mapping[int, Mapping[str, Any]],
    playlists: Mapping[int, Mapping[str, Any]],
    cities: Mapping[int, str],
) -> dict[str, Any]:
    """The screens and playlists of this release, for the home page and the error pages."""
    return {
        "screens": [_listed_screen(sid, payloads[sid], cities) for sid in sorted(payloads)],
        "playlists": _listed_playlists(playlists),
    }


def _listed_screen(
    sid: int, payload: Mapping[str, Any], cities: Mapping[int, str]
) -> dict[str, Any]:
    """A screen as the home page lists it."""
    return {
        "url": unit_name("s", sid) + "/",  # kept made: a fleet's every screen
        "name": payload["screen"]["name"],
        "city": cities.get(sid, ""),
    }


def _listed_playlists(playlists: Mapping[int, Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"url": unit_name("p", pid) + "/", "name": playlists[pid]["name"]}
        for pid in sorted(playlists)
    ]


def _whats_on_text(
    payloads: Mapping[int, Mapping[str, Any]],
    playlists: Mapping[int, Mapping[str, Any]],
    cities: Mapping[int, str],
) -> str:
    """stable(_whats_on(...)), the front unit's key, joined from the texts of blocks of
    BLOCK screens kept in process by their ids, payload objects and cities (_block_listed):
    after an edit of ten screens a fleet's other blocks list the screens they listed, and
    writing a thousand screens' entries again was a tenth of the build. The whats-on itself
    is made only when the front pages are built."""
    blocks = in_blocks(payloads).values()
    screens = ", ".join(_block_listed(ids, payloads, cities) for ids in blocks)
    return f'{{"playlists": {stable(_listed_playlists(playlists))}, "screens": [{screens}]}}'


def _block_listed(
    sids: tuple[int, ...], payloads: Mapping[int, Mapping[str, Any]], cities: Mapping[int, str]
) -> str:
    """The stable() text of a few screens' _listed_screen entries, without the brackets, kept
    by their ids, payload objects (held, compared by identity) and cities. Bounded; only
    ever a speed-up."""
    held = tuple(map(payloads.__getitem__, sids))
    key = (sids, tuple(map(id, held)), tuple(map(cities.get, sids)))
    kept = _BLOCKS_LISTED.get(key)
    if kept is not None and all(a is b for a, b in zip(kept[0], held, strict=True)):
        return kept[1]
    text = stable([_listed_screen(sid, payloads[sid], cities) for sid in sids])[1:-1]
    _BLOCKS_LISTED.put(key, (held, text))
    return text


#: _block_listed's texts by their screens' ids, payload ids and cities.
_BLOCKS_LISTED: Recent[
    tuple[tuple[int, ...], tuple[int, ...], tuple[str | None, ...]],
    tuple[tuple[Mapping[str, Any], ...], str],
] = Recent(1024)


def _front_pages(
    build: ViewerBuild,
    *,
    base: str,
    project: str,
    whats_on: Mapping[str, Any],
    css: bytes,
    gone_ids: Mapping[str, list[int]],
    outputs: OutputCache | None = None,
) -> None:
    """The home page, the 404 page, one "no longer showing" page per kind (each in every
    language: gone.error_page), the record of retired ids and the favicon.

    The error pages answer for any path at any depth, so their links are absolute (from the
    public address, like the QR codes) and the stylesheet is inline, allowed by its hash.
    """
    _page_versions(
        build,
        "",
        "home.html",
        base=base,
        project=project,
        default_lang=BASE_LANGUAGE,
        context=lambda v: dict(whats_on),
    )
    digest = base64.b64encode(hashlib.sha256(css).digest()).decode("ascii")
    for lang in (None, *LANGUAGES):
        page_lang = lang or BASE_LANGUAGE
        for kind in ("", *gone.KINDS):
            versions = [
                {
                    "lang": code,
                    "name": language_name(code),
                    "href": f"{base}/{gone.error_page(kind, code)}",
                    "url": "",
                }
                for code in LANGUAGES
            ]
            build.files[gone.error_page(kind, lang)] = render_cached(
                outputs,
                "error.html",
                page_lang,
                kind=kind,
                project=project,
                root=f"{base}/",
                css=CSS_PATH,
                favicon=FAVICON_PATH,
                page_url="",
                versions=versions,
                default_url="",
                home_path=f"{lang}/" if lang else "",
                lang_path=f"{lang}/" if lang else "",
                choose_language=False,
                inline_css=Markup(css.decode("utf-8")),  # noqa: S704 - our own stylesheet
                inline_css_hash=f"sha256-{digest}",
                **whats_on,
            )
    build.files[gone.GONE_RECORD] = gone.record_bytes(gone_ids)


def build_viewers(
    library: Library,
    payloads: Mapping[int, Mapping[str, Any]],
    *,
    base_url: str,
    previous_files: Mapping[str, str] | Iterable[str] = (),
    previous_gone: bytes | None = None,
    previous_inputs: Mapping[str, str] | None = None,
    outputs: OutputCache | None = None,
    unchanged: Collection[int] = (),
    screens: Iterable[Any] | None = None,
    settings: LibrarySettings | None = None,
    carried_into: dict[str, str] | None = None,
) -> ViewerBuild:
    """Every viewer file for the manifests being published (screen id -> payload).

    previous_files (the served release's paths, with their sha256 when a mapping) and
    previous_gone (its record of retired ids) let the new release remember which pages existed
    and are gone (410, not 404).

    Pages exist for exactly what the manifests show: every artwork on a published playlist,
    every published playlist and every screen, each in every shipped language (urbanart.i18n).
    Nothing carries a time of generation, so the same library gives the same bytes and an
    unchanged page is hard-linked, not rewritten.
    With `outputs`, a page or QR code made from the same inputs by an earlier publish is taken
    from that cache instead of being made again (output_cache.py). With previous_inputs (the
    served release's unit digests, page_units.INDEX_KEY) and previous_files as a mapping, a
    unit whose inputs are unchanged is not built at all: ViewerBuild.carried names its files.
    unchanged: the screens whose input keys are those the served release recorded (the
    publisher carried their manifests): their page and programme units are carried by the
    served records without being keyed again, while the pages' shared inputs (COMMON) are the
    recorded ones. Why sound: a screen's input key covers its row (name, city, languages), its
    rules, playlists, items, works, media, artists, texts, the settings and the code that makes
    manifests and renditions (delivery/screen_inputs.py), which is all a screen unit is made
    from beside COMMON. Why: after one edit a fleet's thousand other screens were keyed twice
    each (page and programme), ~0.03 s of a change's publish, to find them unchanged.
    settings: the library's, when the caller read them for this publish (read once).
    carried_into: the dict the carried files are recorded in (ViewerBuild.carried is it): the
    publisher's plan, so a fleet's ~9,000 carried pages are not copied into it again.
    """
    base = base_url.rstrip("/")
    if settings is None:
        settings = load_settings(library)
    project = project_name(library, settings)
    background = settings.rendition_background
    build = ViewerBuild() if carried_into is None else ViewerBuild(carried=carried_into)
    carry = Carry(
        previous_files=previous_files if isinstance(previous_files, Mapping) else {},
        previous_inputs=previous_inputs or {},
        inputs=build.inputs,
        carried=build.carried,
    )
    published_now = _published(payloads)
    playlists, items = published_now.playlists, published_now.items
    videos, lives = published_now.videos, published_now.lives
    with library.session() as session:  # one unit for the reads: each its own cost ~0.15 ms
        facts = _work_facts(library, set(items), session)
        texts = texts_for(library, set(items), session=session)
        bios = bios_for(library, {f.artist_id for f in facts.values()}, session=session)
        descriptions = _descriptions(library, set(playlists), session)
        wanted: set[tuple[str, str]] = set()
        for work in facts.values():
            webp_profiles, jpeg_profile = _page_profiles(work.width, work.height, background)
            wanted.update((work.sha256, p.key()) for p in (*webp_profiles, jpeg_profile))
        made = made_renditions(library, wanted, session=session)  # one query, not four per work
    cities, languages = _places(library, set(payloads), screens)
    images: dict[int, PageImage | None] = {}
    for aid in sorted(items):
        f = facts.get(aid)
        images[aid] = (
            page_image(library, f.sha256, f.width, f.height, background, build, made) if f else None
        )

    member_of: dict[int, list[tuple[int, str]]] = {aid: [] for aid in items}
    for pid in sorted(playlists):
        for aid in dict.fromkeys(int(i["artwork_id"]) for i in playlists[pid]["items"]):
            member_of[aid].append((pid, playlists[pid]["name"]))

    # What each unit is made from, named cheaply (page_units.py): the code, the address and the
    # settings every page shares; per work its facts, image, texts, artist's bios and manifest
    # item; per screen what its page shows (_screen_shows), city and languages, and apart from
    # that the timing of its programme.json, by its manifest's version (a digest of all it holds).
    common = (_pages_code(), base, project, background, LANGUAGES, BASE_LANGUAGE)
    # Screen and playlist pages show a work's own manifest item from their own manifest or
    # playlist entry (keyed apart), so their key names the work by its catalogue facts alone:
    # the first item met (items[aid], its duration and transition those of one playlist)
    # is only on the work's and its artist's pages. Else editing one item's duration on one
    # playlist would rebuild every screen page showing the work.
    cards = {
        aid: digest(
            facts.get(aid),
            images[aid],
            sorted(texts.get(aid, {}).items()),
            sorted(bios.get(facts[aid].artist_id, {}).items()) if aid in facts else None,
        )
        for aid in items
    }
    works = {aid: digest(cards[aid], _stable(items[aid])) for aid in items}
    # A work's "where to see it" names each screen showing it by what it takes from that screen
    # (where_keys.WhereKey), not by its whole manifest: a playlist edited on ten screens then
    # rebuilds the data of its own works, not of every work those screens show; and the page
    # names a screen by what its rows show (no plays, no time: where.py), so that edit rebuilds
    # no page. The screens are named in blocks kept by their manifests (where_keys.py): after
    # an edit a work's keys cost the blocks of the screens it changed, not the fleet.
    blocks = screen_blocks(payloads, cities, _pages_code(), outputs)
    to_build: set[int] = set()  # the works whose pages are built
    data_to_build: set[int] = set()  # the works whose where.json is built
    for aid in sorted(items):
        page_of, data_of = blocks.keys(aid)
        if not carry.take(
            unit_name("a", aid),
            unit_files("a", aid),
            common,
            works[aid],
            tuple(member_of[aid]),
            _stable(videos.get(aid)),
            _stable(lives.get(aid)),
            page_of,
        ):
            to_build.add(aid)
        if not carry.take(where_path(aid), (where_path(aid),), common, data_of):
            data_to_build.add(aid)
    playlists_to_build = {
        pid
        for pid in sorted(playlists)
        if not carry.take(
            unit_name("p", pid),
            unit_files("p", pid),
            common,
            _ENTRY_DIGEST(playlists[pid]),
            descriptions.get(pid, ""),
            tuple(cards[int(i["artwork_id"])] for i in playlists[pid]["items"]),
        )
    }
    # The cards of a screen's works, digested once per set of works: a fleet's thousand screens
    # share sets (screens of one schedule play the same playlists), each of dozens of cards.
    # Made as keyed: a screen kept by its record (below) needs none.
    card_sets: dict[tuple[int, ...], str] = {}

    def card_set(sid: int) -> str:
        works_held = blocks.shows(sid)
        if works_held not in card_sets:
            card_sets[works_held] = digest(*(cards[aid] for aid in works_held))
        return card_sets[works_held]

    # A screen's page is keyed by what it shows (_screen_shows: names, works, cards, city,
    # languages, live and generative), its timing file by the manifest's version: editing a
    # duration rewrites programme.json and carries the page in every version as it was.
    shared = digest(*common)  # once, not repr'd again for each of a fleet's 2,000 units
    carry.inputs[COMMON] = shared
    steady = unchanged if carry.previous_inputs.get(COMMON) == shared else ()
    steady_ids = [sid for sid in sorted(payloads) if sid in steady]
    kept_pages = carry.keep_many(
        {sid: (unit_name("s", sid), unit_files("s", sid)) for sid in steady_ids}
    )
    screens_to_build = {
        sid
        for sid in sorted(payloads)
        if sid not in kept_pages
        and not carry.take(
            unit_name("s", sid),
            unit_files("s", sid),
            shared,
            _screen_shows(payloads[sid]),
            cities.get(sid, ""),
            languages.get(sid),
            card_set(sid),
        )
    }
    kept_timings = carry.keep_many(
        {sid: (programme_path(sid), (programme_path(sid),)) for sid in steady_ids}
    )
    timings_to_build = {
        sid
        for sid in sorted(payloads)
        if sid not in kept_timings
        and not carry.take(
            programme_path(sid),
            (programme_path(sid),),
            shared,
            payloads[sid]["manifest_version"],
        )
    }

    # A page's key names what it is made from, so an unchanged page costs a lookup: the
    # manifests by their content versions (screens' "where to see" come from them), the works by
    # their facts and images.
    if outputs is not None:  # a fleet's first publish: its many QR codes over worker processes
        qr.make_missing(
            outputs,
            [f"{base}/{tree_url(kind, ident)}/" for kind, ids in
             (("a", to_build), ("p", playlists_to_build), ("s", screens_to_build))
             for ident in sorted(ids)],
        )  # fmt: skip
    # Where to see a work is made from every screen that shows it: only for the works built,
    # each from its places kept in process, moved on by the blocks this edit changed.
    for aid in sorted(to_build | data_to_build):
        shown = where_of(aid, blocks, payloads, cities)  # once for its data and six versions
        if aid in data_to_build:
            build.files[where_path(aid)] = shown["where_data"]
        if aid not in to_build:
            continue
        shown["where_rows_shown"] = [row_digest(row) for row in shown["where_cities"]]

        def artwork(
            v: _Version, aid: int = aid, shown: Mapping[str, Any] = shown
        ) -> dict[str, Any]:
            item = items[aid]
            artist_id = facts[aid].artist_id if aid in facts else None
            return _artwork_context(
                item,
                facts.get(aid),
                images[aid],
                member_of[aid],
                base,
                shown,
                lang=v.lang,
                page=v.page_url,
                texts=texts.get(aid, {}),
                bios=bios.get(artist_id, {}) if artist_id is not None else {},
                root=v.root,
                lang_path=v.suffix,
                video=videos.get(aid),
                live=lives.get(aid),
                outputs=outputs,
            )

        _page_versions(
            build,
            tree_url("a", aid) + "/",
            "artwork.html",
            base=base,
            project=project,
            default_lang=BASE_LANGUAGE,
            context=artwork,
            outputs=outputs,
            inputs=build.inputs[unit_name("a", aid)],
        )
        build.files.update(qr.qr_files("a", aid, f"{base}/{tree_url('a', aid)}/", outputs))

    _artist_pages(
        build,
        items,
        facts,
        images,
        texts,
        bios,
        base=base,
        project=project,
        outputs=outputs,
        carry=lambda artist_id, aids: carry.take(
            unit_name("artists", artist_id),
            unit_files("artists", artist_id),
            common,
            tuple(works[aid] for aid in aids),
        ),
    )

    for pid in sorted(playlists_to_build):
        playlist = playlists[pid]
        first = next((images.get(int(i["artwork_id"])) for i in playlist["items"]), None)

        def playlist_page(
            v: _Version, pid: int = pid, first: PageImage | None = first
        ) -> dict[str, Any]:
            return {
                "playlist": playlists[pid],
                "description": descriptions.get(pid, ""),
                "entries": _playlist_entries(
                    playlists[pid], images, facts, v.lang, texts, v.suffix
                ),
                "og_image": f"{base}/{first.src}" if first else None,
                "qr_svg": tree_url("qr", "p", f"{pid}.svg"),
            }

        _page_versions(
            build,
            tree_url("p", pid) + "/",
            "playlist.html",
            base=base,
            project=project,
            default_lang=BASE_LANGUAGE,
            context=playlist_page,
            outputs=outputs,
            inputs=build.inputs[unit_name("p", pid)],
        )
        build.files.update(qr.qr_files("p", pid, f"{base}/{tree_url('p', pid)}/", outputs))

    known = _EntriesMemo(cards)
    panels = ScreenPanels(outputs)
    for sid in sorted(screens_to_build):

        def screen(  # a live or generative work: the same in every version
            v: _Version,
            sid: int = sid,
            live: bool = _has_live(payloads[sid]),
            generative: bool = _has_generative(payloads[sid]),
        ) -> dict[str, Any]:
            payload = payloads[sid]
            shown = _screen_playlists(payload, images, facts, v.lang, texts, v.suffix, known)
            return {
                "js": JS_PATH,
                "share_js": SHARE_JS_PATH,
                "live_js": LIVE_JS_PATH if live else None,
                "live_feed": live,
                "generative": generative,
                "generative_js": GENERATIVE_JS_PATH,
                "screen": payload["screen"],
                "city": cities.get(sid, ""),
                "fetches": True,  # its programme.json: connect-src 'self'
                "works": page_programme(
                    root=v.root, suffix=v.suffix, screen=payload["screen"], playlists=shown
                ),
                "playlist_panels": panels.panels(
                    [playlist for _pid, playlist in shown], lang=v.lang, root=v.root
                ),
            }

        spoken = [code for code in languages.get(sid, ()) if code in LANGUAGES]
        _page_versions(
            build,
            tree_url("s", sid) + "/",
            "screen.html",
            base=base,
            project=project,
            default_lang=spoken[0] if spoken else BASE_LANGUAGE,
            context=screen,
            outputs=outputs,
            inputs=build.inputs[unit_name("s", sid)],
        )
        build.files.update(qr.qr_files("s", sid, f"{base}/{tree_url('s', sid)}/", outputs))
    for sid in sorted(timings_to_build):
        build.files[programme_path(sid)] = timing_bytes(payloads[sid])

    build.files.update(_fixed_files())
    css = build.files[CSS_PATH]
    published = {"a": set(items), "p": set(playlists), "s": set(payloads)}
    listed = _whats_on_text(payloads, playlists, cities)
    before = _pages_built(carry.previous_inputs)
    gone_ids = gone.retired(previous_files, previous_gone, published, before)
    if not carry.take(FRONT, front_files(), common, listed, css, stable(gone_ids)):
        whats_on = _whats_on(payloads, playlists, cities)
        _front_pages(
            build,
            base=base,
            project=project,
            whats_on=whats_on,
            css=css,
            gone_ids=gone_ids,
            outputs=outputs,
        )
    _BUILT_PAGES.insert(0, (dict(build.inputs), published))
    del _BUILT_PAGES[4:]
    return build


@cache
def _fixed_files() -> dict[str, bytes]:
    """The files every build publishes as they are: the stylesheet, the scripts, the icon and
    the player's strings. Read once per process, as _pages_code (which names them in every
    unit's key) is made once: a build then publishes the very bytes its keys name."""
    static = resources.files("urbanart.viewers").joinpath("static")
    return {
        CSS_PATH: static.joinpath("viewers.css").read_bytes(),
        JS_PATH: static.joinpath("now-playing.js").read_bytes(),
        ARTWORK_JS_PATH: static.joinpath("artwork.js").read_bytes(),
        SHARE_JS_PATH: static.joinpath("share.js").read_bytes(),
        LIVE_JS_PATH: static.joinpath("live-frame.js").read_bytes(),
        GENERATIVE_JS_PATH: static.joinpath("generative.js").read_bytes(),
        LANGUAGE_JS_PATH: static.joinpath("language.js").read_bytes(),
        FAVICON_PATH: static.joinpath("favicon.svg").read_bytes(),
        PLAYER_STRINGS_PATH: player_strings(),
    }


#: The last few builds' unit digests (what their releases record, page_units.INDEX_KEY) with
#: the ids each made pages for. Why: a release made from a build holds a page for exactly the
#: works, playlists and screens the build published (each unit's files are built or carried
#: whole), so when the served release records the very units a build of this process
#: recorded (they name the code, so a release of other code never matches), its pages are
#: that build's, and gone.retired need not match the release's ten thousand file names.
#: Only ever a speed-up: any other served release is read as before.
_BUILT_PAGES: list[tuple[dict[str, str], dict[str, set[int]]]] = []


def _pages_built(previous_inputs: Mapping[str, str]) -> dict[str, set[int]] | None:
    """The ids with a page in the served release, when a recent build recorded its units."""
    for inputs, pages in list(_BUILT_PAGES):
        if inputs == previous_inputs:
            return pages
    return None


def _pages_code() -> str:
    """The code, templates, static files and catalogues every page and QR code is made with."""
    return digest(
        code_digest(
            "urbanart.viewers", "templates", "static", "site.py", "pages.py", "where.py",
            "where_rows.py", "where_keys.py", "where_places.py", "qr.py", "gone.py",
            "page_units.py", "script_strings.py", "player_strings.py", "fragments.py",
            "screen_panels.py", "programme_json.py", "per_entry.py",
        ),
        code_digest("urbanart.i18n", "locale", "__init__.py", "catalogues.py", "formats.py"),
        segno.__version__,
    )  # fmt: skip


def viewers_code() -> str:
    """The digest of the code, templates and catalogues every viewer file is made with: a
    publish that carries the served pages whole (delivery.screen_inputs) keys them by it."""
    return _pages_code()
