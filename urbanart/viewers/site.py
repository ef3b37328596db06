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
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from urbanart.errors import UrbanArtError
from urbanart.imaging.renditions import RenditionFormat, RenditionProfile
from urbanart.library.library import Library
from urbanart.library.models import Artwork, Playlist, Screen
from urbanart.library.renditions import RenditionRecord, ensure_rendition, made_renditions
from urbanart.library.settings import load_settings
from urbanart.protocol.tree_layout import media_url
from urbanart.viewers import gone, qr
from urbanart.viewers.output_cache import OutputCache, cached, code_digest
from urbanart.viewers.output_cache import digest as output_digest
from urbanart.viewers.pages import http_url, license_label, render, render_cached, tree_url
from urbanart.viewers.where import ScreenShowing, where_to_see

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

    @property
    def srcset_text(self) -> str:
        return ", ".join(f"{ROOT}{path} {w}w" for path, w in self.srcset)


@dataclass
class ViewerBuild:
    """What the publisher merges into its plan: release files, and media for published/media
    (tree path -> (store key, sha256 of the bytes), the shape of the publisher's plan.media)."""

    files: dict[str, bytes] = field(default_factory=dict)
    media: dict[str, tuple[str, str]] = field(default_factory=dict)


def project_name(library: Library) -> str:
    """The name pages and signs are signed with. A `project_name` library setting is planned;
    until it exists every library says "Urban Art Studio" (folder names are not public names)."""
    name = getattr(load_settings(library), "project_name", "") or ""
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


def _published_items(payloads: Mapping[int, Mapping[str, Any]]) -> dict[int, Mapping[str, Any]]:
    """artwork id -> its manifest item (the first met; every manifest of one publish agrees)."""
    found: dict[int, Mapping[str, Any]] = {}
    for sid in sorted(payloads):
        for pid in sorted(payloads[sid]["playlists"], key=int):
            for item in payloads[sid]["playlists"][pid]["items"]:
                found.setdefault(int(item["artwork_id"]), item)
    return found


def _works_of(payload: Mapping[str, Any]) -> dict[str, tuple[int, ...]]:
    """playlist id -> the artwork ids of its items, for one manifest."""
    return {
        pid: tuple(int(item["artwork_id"]) for item in playlist["items"])
        for pid, playlist in payload["playlists"].items()
    }


def _screens_showing(payloads: Mapping[int, Mapping[str, Any]]) -> dict[int, list[int]]:
    """artwork id -> the screens (ids, ascending) whose manifests hold it."""
    found: dict[int, list[int]] = {}
    for sid in sorted(payloads):
        for aid in sorted({a for aids in _works_of(payloads[sid]).values() for a in aids}):
            found.setdefault(aid, []).append(sid)
    return found


def _published_playlists(payloads: Mapping[int, Mapping[str, Any]]) -> dict[int, Mapping[str, Any]]:
    found: dict[int, Mapping[str, Any]] = {}
    for sid in sorted(payloads):
        for pid, playlist in payloads[sid]["playlists"].items():
            found.setdefault(int(pid), playlist)
    return found


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
    format: str  # the original's file format: "PNG", "GIF"
    animated: bool

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


def _work_facts(library: Library, ids: set[int]) -> dict[int, _WorkFacts]:
    if not ids:
        return {}
    with library.session() as session:
        stmt = (
            select(Artwork)
            .where(Artwork.id.in_(ids))
            .options(selectinload(Artwork.artist), selectinload(Artwork.asset))
        )
        return {
            a.id: _WorkFacts(
                description=a.description,
                artist_id=a.artist_id,
                artist_bio=a.artist.bio,
                artist_website=http_url(a.artist.website),
                artist_website_label=_host(a.artist.website),
                artist_location=a.artist.location,
                sha256=a.asset.sha256,
                width=a.asset.width,
                height=a.asset.height,
                format=a.asset.format.upper(),
                animated=a.asset.frame_count > 1,
            )
            for a in session.scalars(stmt)
        }


def _descriptions(library: Library, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    with library.session() as session:
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


# Page data -------------------------------------------------------------------------------------


def _alt(item: Mapping[str, Any]) -> str:
    """Alt text as the curator wrote it; a work without one is still named to screen readers."""
    return str(item["alt_text"]).strip() or f"{item['title']}, an artwork by {item['artist']}"


def _excerpt(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def _json_ld(
    item: Mapping[str, Any], facts: _WorkFacts | None, page: str, image: str | None
) -> dict[str, Any]:
    """schema.org VisualArtwork, for search engines and link previews."""
    creator: dict[str, Any] = {"@type": "Person", "name": item["artist"]}
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "VisualArtwork",
        "name": item["title"],
        "creator": creator,
        "url": page,
    }
    if facts is not None and facts.artist_website:
        creator["url"] = facts.artist_website
    if item["year"] is not None:
        data["dateCreated"] = str(item["year"])
    if item["license_url"]:
        data["license"] = item["license_url"]
    else:
        data["copyrightNotice"] = f"© {item['artist']}. {license_label(item['license'])}."
    if image is not None:
        data["image"] = image
    description = facts.description.strip() if facts is not None else ""
    data["description"] = description or item["credit"]
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
    project: str,
    where: list[ScreenShowing],
) -> dict[str, Any]:
    aid = int(item["artwork_id"])
    page = f"{base_url}/{tree_url('a', aid)}/"
    image_abs = f"{base_url}/{image.src}" if image is not None else None
    description = facts.description if facts is not None else ""
    return {
        "project": project,
        "root": ROOT,
        "css": CSS_PATH,
        "favicon": FAVICON_PATH,
        "js": ARTWORK_JS_PATH,
        "share_js": SHARE_JS_PATH,
        "share_title": f"{item['title']} — {item['artist']}",
        "zoom": _zoom(image),
        "work": item,
        "alt": _alt(item),
        "license_label": license_label(item["license"]),
        "license_url": http_url(item["license_url"]),
        "facts": facts,
        "image": image,
        "playlists": [(tree_url("p", pid) + "/", name) for pid, name in playlists],
        "page_url": page,
        "og_image": image_abs,
        "og_description": _excerpt(description) or f"{item['credit']}. {item['ai_disclosure']}",
        "json_ld": _json_ld(item, facts, page, image_abs),
        "qr_svg": tree_url("qr", "a", f"{aid}.svg"),
        "where": where,
        "where_data": {
            str(s.screen_id): {"tz": s.timezone, "plays": [list(p) for p in s.plays]} for s in where
        },
    }


def _entry(
    item: Mapping[str, Any], image: PageImage | None, known: _WorkFacts | None
) -> dict[str, Any]:
    """One work as cards and the now-playing script need it: tree paths, never tokens."""
    aid = int(item["artwork_id"])
    return {
        "artwork_id": aid,
        "title": item["title"],
        "artist": item["artist"],
        "artist_url": known.artist_url if known else None,
        "license": license_label(item["license"]),
        "license_url": http_url(item["license_url"]),
        "ai_disclosure": item["ai_disclosure"],
        "year": item["year"],
        "credit": item["credit"],
        "alt": _alt(item),
        "duration_s": item["duration_s"],
        "url": tree_url("a", aid) + "/",
        "img": image.src if image else None,
        "srcset": [[p, w] for p, w in image.srcset] if image else [],
        "width": image.width if image else None,
        "height": image.height if image else None,
        "thumb": image.thumb if image else None,
        "thumb_width": image.thumb_width if image else None,
        "thumb_height": image.thumb_height if image else None,
    }


def _playlist_entries(
    playlist: Mapping[str, Any],
    images: Mapping[int, PageImage | None],
    facts: Mapping[int, _WorkFacts],
) -> list[dict[str, Any]]:
    """A playlist's items, in order, as entries (see _entry)."""
    entries = []
    for item in playlist["items"]:
        aid = int(item["artwork_id"])
        entries.append(_entry(item, images.get(aid), facts.get(aid)))
    return entries


def _programme(
    payload: Mapping[str, Any],
    images: Mapping[int, PageImage | None],
    facts: Mapping[int, _WorkFacts],
) -> dict[str, Any]:
    """What the now-playing script needs from a manifest, and nothing more: no poll token, no
    hub URLs, no media hashes (the page is public; the manifest's address is the screen's)."""
    return {
        "root": ROOT,
        "screen": {"id": payload["screen"]["id"], "name": payload["screen"]["name"]},
        "window": dict(payload["window"]),
        "timeline": [
            {"start": s["start"], "end": s["end"], "playlist": s["playlist"]}
            for s in payload["timeline"]
        ],
        "default_playlist": payload["default_playlist"],
        "playlists": {
            pid: {
                "name": p["name"],
                "url": tree_url("p", pid) + "/",
                "items": _playlist_entries(p, images, facts),
            }
            for pid, p in payload["playlists"].items()
        },
    }


# Building --------------------------------------------------------------------------------------


def _artist_pages(
    build: ViewerBuild,
    items: Mapping[int, Mapping[str, Any]],
    facts: Mapping[int, _WorkFacts],
    images: Mapping[int, PageImage | None],
    *,
    base: str,
    project: str,
    outputs: OutputCache | None = None,
) -> None:
    """One page per artist with a published work: bio, link and their works on the screens."""
    works: dict[int, list[int]] = {}
    for aid in sorted(items):
        known = facts.get(aid)
        if known is not None:
            works.setdefault(known.artist_id, []).append(aid)
    for artist_id, aids in sorted(works.items()):
        first = facts[aids[0]]
        entries = [_entry(items[aid], images.get(aid), facts.get(aid)) for aid in aids]
        cover = next((images[a] for a in aids if images.get(a) is not None), None)
        page = f"{base}/{artist_path(artist_id)}"
        build.files[f"{artist_path(artist_id)}index.html"] = render_cached(
            outputs,
            "artist.html",
            project=project,
            root=ROOT,
            css=CSS_PATH,
            favicon=FAVICON_PATH,
            name=items[aids[0]]["artist"],
            facts=first,
            entries=entries,
            page_url=page,
            og_image=f"{base}/{cover.src}" if cover else None,
        )


def _whats_on(
    payloads: Mapping[int, Mapping[str, Any]],
    playlists: Mapping[int, Mapping[str, Any]],
    cities: Mapping[int, str],
) -> dict[str, Any]:
    """The screens and playlists of this release, for the home page and the error pages."""
    return {
        "screens": [
            {
                "url": tree_url("s", sid) + "/",
                "name": payloads[sid]["screen"]["name"],
                "city": cities.get(sid, ""),
            }
            for sid in sorted(payloads)
        ],
        "playlists": [
            {"url": tree_url("p", pid) + "/", "name": playlists[pid]["name"]}
            for pid in sorted(playlists)
        ],
    }


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
    """The home page, the 404 page, one "no longer showing" page per kind, the record of retired
    ids and the favicon.

    The error pages answer for any path at any depth, so their links are absolute (from the
    public address, like the QR codes) and the stylesheet is inline, allowed by its hash.
    """
    build.files["index.html"] = render_cached(
        outputs,
        "home.html",
        project=project,
        root="",
        css=CSS_PATH,
        favicon=FAVICON_PATH,
        page_url=f"{base}/",
        **whats_on,
    )
    digest = base64.b64encode(hashlib.sha256(css).digest()).decode("ascii")
    error_context = {
        "project": project,
        "root": f"{base}/",
        "css": CSS_PATH,
        "favicon": FAVICON_PATH,
        "page_url": "",
        "inline_css": Markup(css.decode("utf-8")),  # noqa: S704 - our own stylesheet
        "inline_css_hash": f"sha256-{digest}",
        **whats_on,
    }
    build.files[gone.NOT_FOUND_PAGE] = render_cached(
        outputs, "error.html", kind="", **error_context
    )
    for kind in gone.KINDS:
        build.files[gone.gone_page(kind)] = render_cached(
            outputs, "error.html", kind=kind, **error_context
        )
    build.files[gone.GONE_RECORD] = gone.record_bytes(gone_ids)


def build_viewers(
    library: Library,
    payloads: Mapping[int, Mapping[str, Any]],
    *,
    base_url: str,
    previous_files: Iterable[str] = (),
    previous_gone: bytes | None = None,
    outputs: OutputCache | None = None,
) -> ViewerBuild:
    """Every viewer file for the manifests being published (screen id -> payload).

    previous_files (the served release's paths) and previous_gone (its record of retired ids)
    let the new release remember which pages existed and are gone (410, not 404).

    Pages exist for exactly what the manifests show: every artwork on a published playlist,
    every published playlist and every screen. Nothing carries a time of generation, so the
    same library gives the same bytes and an unchanged page is hard-linked, not rewritten.
    With `outputs`, a page or QR code made from the same inputs by an earlier publish is taken
    from that cache instead of being made again (output_cache.py).
    """
    base = base_url.rstrip("/")
    project = project_name(library)
    background = load_settings(library).rendition_background
    build = ViewerBuild()
    items = _published_items(payloads)
    playlists = _published_playlists(payloads)
    facts = _work_facts(library, set(items))
    descriptions = _descriptions(library, set(playlists))
    cities = _cities(library, set(payloads))

    wanted: set[tuple[str, str]] = set()
    for work in facts.values():
        webp_profiles, jpeg_profile = _page_profiles(work.width, work.height, background)
        wanted.update((work.sha256, p.key()) for p in (*webp_profiles, jpeg_profile))
    made = made_renditions(library, wanted)  # one query, not four per work
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

    # A page's key names what it is made from, so an unchanged page costs a lookup: the
    # manifests by their content versions (screens' "where to see" come from them), the works by
    # their facts and images.
    code = code_digest("urbanart.viewers", "templates", "site.py", "pages.py", "where.py")
    common = (code, base, project)
    work_keys = {aid: output_digest("work", facts.get(aid), images[aid]) for aid in items}
    showing = _screens_showing(payloads)
    if outputs is not None:  # a fleet's first publish: its many QR codes over worker processes
        qr.make_missing(
            outputs,
            [f"{base}/{tree_url(kind, ident)}/" for kind, ids in
             (("a", items), ("p", playlists), ("s", payloads)) for ident in sorted(ids)],
        )  # fmt: skip
    where: dict[int, list[ScreenShowing]] | None = None
    for aid, item in sorted(items.items()):
        shown_on = tuple(
            (sid, payloads[sid]["manifest_version"], cities.get(sid, "")) for sid in showing[aid]
        )
        key: tuple[object, ...] = (
            "artwork-page",
            common,
            json.dumps(item, sort_keys=True),
            work_keys[aid],
            member_of[aid],
            shown_on,
        )

        def artwork_page(aid: int = aid, item: Mapping[str, Any] = item) -> bytes:
            nonlocal where
            if where is None:  # only when a page must be made: it reads every manifest
                where = where_to_see(payloads, cities)
            context = _artwork_context(
                item, facts.get(aid), images[aid], member_of[aid], base, project, where.get(aid, [])
            )
            return render("artwork.html", **context)

        build.files[f"a/{aid}/index.html"] = cached(outputs, key, artwork_page)
        page = f"{base}/{tree_url('a', aid)}/"
        build.files.update(qr.qr_files("a", aid, page, outputs))

    _artist_pages(build, items, facts, images, base=base, project=project, outputs=outputs)

    for pid, playlist in sorted(playlists.items()):
        page = f"{base}/{tree_url('p', pid)}/"
        first = next((images.get(int(i["artwork_id"])) for i in playlist["items"]), None)
        build.files[f"p/{pid}/index.html"] = render_cached(
            outputs,
            "playlist.html",
            project=project,
            root=ROOT,
            css=CSS_PATH,
            favicon=FAVICON_PATH,
            playlist=playlist,
            description=descriptions.get(pid, ""),
            entries=_playlist_entries(playlist, images, facts),
            page_url=page,
            og_image=f"{base}/{first.src}" if first else None,
            qr_svg=tree_url("qr", "p", f"{pid}.svg"),
        )
        build.files.update(qr.qr_files("p", pid, page, outputs))

    for sid, payload in sorted(payloads.items()):
        page = f"{base}/{tree_url('s', sid)}/"
        works = sorted({aid for aids in _works_of(payload).values() for aid in aids})
        key = (
            "screen-page",
            common,
            payload["manifest_version"],
            cities.get(sid, ""),
            tuple(work_keys[aid] for aid in works),
        )

        def screen_page(
            sid: int = sid, payload: Mapping[str, Any] = payload, page: str = page
        ) -> bytes:
            programme = _programme(payload, images, facts)
            return render(
                "screen.html",
                project=project,
                root=ROOT,
                css=CSS_PATH,
                favicon=FAVICON_PATH,
                js=JS_PATH,
                share_js=SHARE_JS_PATH,
                screen=payload["screen"],
                city=cities.get(sid, ""),
                programme=programme,
                playlists=[
                    programme["playlists"][p] for p in sorted(programme["playlists"], key=int)
                ],
                page_url=page,
            )

        build.files[f"s/{sid}/index.html"] = cached(outputs, key, screen_page)
        build.files.update(qr.qr_files("s", sid, page, outputs))

    static = resources.files("urbanart.viewers").joinpath("static")
    css = static.joinpath("viewers.css").read_bytes()
    build.files[CSS_PATH] = css
    build.files[JS_PATH] = static.joinpath("now-playing.js").read_bytes()
    build.files[ARTWORK_JS_PATH] = static.joinpath("artwork.js").read_bytes()
    build.files[SHARE_JS_PATH] = static.joinpath("share.js").read_bytes()
    build.files[FAVICON_PATH] = static.joinpath("favicon.svg").read_bytes()
    published = {"a": set(items), "p": set(playlists), "s": set(payloads)}
    _front_pages(
        build,
        base=base,
        project=project,
        whats_on=_whats_on(payloads, playlists, cities),
        css=css,
        gone_ids=gone.retired(previous_files, previous_gone, published),
        outputs=outputs,
    )
    return build
