"""The guard on a generative work's HTML5 package: a .zip with `index.html` and its assets.

Why so strict: the package's files are served from the published tree and run on screens in
public squares. A zip names its own paths and sizes, and both can lie: an entry may climb out of
its folder (`../`, an absolute path, a drive letter, a backslash), be a symlink, repeat a name, or
inflate to gigabytes (a zip bomb). Every check below names the package and the entry at fault,
and the sizes are counted from the bytes really decompressed, never only from the headers.
Nothing is written here: the caller stores the files only once the whole package passed.
"""

from __future__ import annotations

import hashlib
import io
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from urbanart.errors import ImportRefused
from urbanart.imaging.limits import ImportLimits, human_size

ENTRY = "index.html"
#: The first bytes of every zip with at least one entry (a local file header).
ZIP_MAGIC = b"PK\x03\x04"
#: A path segment the tree serves unchanged in a URL: no spaces, quotes, percent signs or
#: characters a browser would re-encode, so `<base_url><path>` is the file, byte for byte.
_SEGMENT = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*")
_DRIVE = re.compile(r"^[A-Za-z]:")
#: Read in chunks this large, so a bomb is stopped after at most this much past the limit.
_CHUNK = 64 * 1024
#: Below this size an entry's compression ratio is not looked at (a page of repeated
#: whitespace compresses a thousandfold and harms nobody).
_RATIO_FLOOR = 1024 * 1024


@dataclass(frozen=True)
class PackageFile:
    """One file of a package: its path inside the package (the folder a zip may wrap all in
    taken off), the sha256 and size of its bytes, and the bytes."""

    path: str
    sha256: str
    size: int
    data: bytes


@dataclass(frozen=True)
class Package:
    """A package that passed the guard: `sha256` of the .zip as imported names it everywhere."""

    sha256: str
    size: int  # bytes of all files together, decompressed
    files: tuple[PackageFile, ...]

    def listing(self) -> list[dict[str, object]]:
        """[{path, sha256, size}] in path order: what a manifest's `generative.files` lists."""
        return [{"path": f.path, "sha256": f.sha256, "size": f.size} for f in self.files]


def looks_like_zip(head: bytes) -> bool:
    return head.startswith(ZIP_MAGIC)


def _ignored(name: str) -> bool:
    """Files a zip tool adds that are no part of the work (macOS resource forks, .DS_Store):
    left out, never served."""
    parts = name.rstrip("/").split("/")
    return parts[0] == "__MACOSX" or any(p.startswith(".") and p not in (".", "..") for p in parts)


def _check_name(file: str, info: zipfile.ZipInfo) -> str | None:
    """The entry's path, or None for a folder; ImportRefused when it could escape or cannot be
    served as it is named."""
    raw = info.orig_filename
    name = info.filename
    if "\\" in raw:
        raise ImportRefused(file, f"entry {raw!r} uses a backslash in its path")
    if raw.startswith("/") or _DRIVE.match(raw):
        raise ImportRefused(file, f"entry {raw!r} has an absolute path")
    parts = name.rstrip("/").split("/") if name.rstrip("/") else []
    if not parts or any(p in ("", ".", "..") for p in parts):
        raise ImportRefused(file, f"entry {raw!r} escapes the package's folder")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise ImportRefused(file, f"entry {raw!r} is a symbolic link")
    if name.endswith("/") or info.is_dir():
        return None
    if "\x00" in name or any(not _SEGMENT.fullmatch(p) for p in parts):
        raise ImportRefused(
            file,
            f"entry {raw!r} has a name a web address cannot carry as it is "
            "(use letters, digits, '.', '_', '-' and '~')",
        )
    return "/".join(parts)


def _read_entry(
    file: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, limits: ImportLimits
) -> bytes:
    """The entry's bytes, counted as they are decompressed: refused the moment they pass the
    package's budget or the ratio a real asset never reaches, whatever the header said."""
    out = io.BytesIO()
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                out.write(chunk)
                got = out.tell()
                if got > budget:
                    _, limit = human_size(limits.max_package_bytes + 1, limits.max_package_bytes)
                    raise ImportRefused(
                        file,
                        f"over the size limit: entry {info.filename!r} takes the package past "
                        f"{limit} decompressed (a zip bomb?)",
                    )
                compressed = max(info.compress_size, 1)
                if got > _RATIO_FLOOR and got > compressed * limits.max_package_ratio:
                    raise ImportRefused(
                        file,
                        f"entry {info.filename!r} decompresses to over "
                        f"{limits.max_package_ratio} times its compressed size (a zip bomb?)",
                    )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise ImportRefused(file, f"entry {info.filename!r} is damaged ({exc})") from None
    except NotImplementedError as exc:  # an unsupported compression method or encryption
        raise ImportRefused(file, f"entry {info.filename!r} cannot be read ({exc})") from None
    except RuntimeError as exc:  # encrypted entries ask for a password
        raise ImportRefused(file, f"entry {info.filename!r} is encrypted ({exc})") from None
    return out.getvalue()


def read_package(data: bytes, file: str, limits: ImportLimits) -> Package:
    """Guard a package's bytes and return its files; ImportRefused names the file, the entry
    and the reason when it is not a safe, complete HTML5 package."""
    if not looks_like_zip(data):
        raise ImportRefused(file, "not a zip file (a generative work is a .zip with index.html)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise ImportRefused(file, f"not a readable zip file ({exc})") from None
    named: list[tuple[str, zipfile.ZipInfo]] = []
    seen: dict[str, str] = {}
    for info in infos:
        if _ignored(info.filename):
            continue
        path = _check_name(file, info)
        if path is None:
            continue
        folded = path.casefold()
        if folded in seen:
            raise ImportRefused(
                file, f"entry {info.filename!r} is in the package twice (as {seen[folded]!r})"
            )
        seen[folded] = info.filename
        named.append((path, info))
    if len(named) > limits.max_package_files:
        raise ImportRefused(
            file,
            f"too many files: {len(named)}, the limit is {limits.max_package_files}",
        )
    prefix = _entry_prefix(file, [p for p, _ in named])
    declared = sum(info.file_size for _, info in named)
    if declared > limits.max_package_bytes:
        size, limit = human_size(declared, limits.max_package_bytes)
        raise ImportRefused(file, f"too large: {size} decompressed, the limit is {limit}")
    files: list[PackageFile] = []
    total = 0
    for path, info in named:
        body = _read_entry(file, archive, info, limits.max_package_bytes - total, limits)
        total += len(body)
        files.append(
            PackageFile(
                path.removeprefix(prefix), hashlib.sha256(body).hexdigest(), len(body), body
            )
        )
    files.sort(key=lambda f: f.path)
    return Package(hashlib.sha256(data).hexdigest(), total, tuple(files))


def _entry_prefix(file: str, paths: list[str]) -> str:
    """'' when index.html is at the root, 'folder/' when everything is inside one folder that
    holds it (how most zip tools pack a folder); ImportRefused when there is no index.html."""
    if ENTRY in paths:
        return ""
    tops = {PurePosixPath(p).parts[0] for p in paths}
    if len(tops) == 1 and all("/" in p for p in paths):
        top = tops.pop() + "/"
        if top + ENTRY in paths:
            return top
    raise ImportRefused(
        file, f"no {ENTRY} at the package's root (nor inside one folder that holds everything)"
    )
