"""The error families the engine raises; the CLI and the studio render their messages as they are.

Each message is written for a curator: it names the file, field or value at fault and, where it
helps, what to do instead.
"""

from __future__ import annotations

import errno


class UrbanArtError(Exception):
    """Base of every error a curator may see."""


class LibraryError(UrbanArtError):
    """The library folder or its database cannot be opened, created or migrated."""


class NotFound(UrbanArtError):
    """A named thing (artist, artwork, screen, playlist…) does not exist."""

    def __init__(self, kind: str, ref: object, suggestions: tuple[str, ...] = ()) -> None:
        self.kind = kind
        self.ref = ref
        #: Close names that do exist ("did you mean …"), best first; a typo then costs one look.
        self.suggestions = suggestions
        hint = f" Did you mean {did_you_mean(suggestions)}?" if suggestions else ""
        super().__init__(f"No {kind} called or numbered {ref!r}.{hint}")


def did_you_mean(names: tuple[str, ...] | list[str]) -> str:
    """ "'Berlin Wall'" or "'Berlin Wall' or 'Berlin Mitte'": close names quoted for a message."""
    quoted = [repr(name) for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


class Ambiguous(UrbanArtError):
    """A name matches more than one thing; the curator must use the id."""

    def __init__(self, kind: str, ref: object, ids: list[int]) -> None:
        self.kind = kind
        self.ref = ref
        super().__init__(
            f"{ref!r} matches {len(ids)} {kind}s (ids {', '.join(map(str, ids))}); use the id."
        )


class InvalidValue(UrbanArtError):
    """A field got a value it cannot hold.

    `field` names it in the message as a curator reads it ("push URL", "--at"); `key` is its
    identifier (the engine parameter it came in through: "push_url", "at"), so a form puts the
    message under the right widget without matching on wording that may change.
    """

    def __init__(self, field: str, value: object, reason: str, *, key: str) -> None:
        self.field = field
        self.key = key
        self.value = value
        self.reason = reason
        super().__init__(f"{field} {value!r}: {reason}")


class ImportRefused(UrbanArtError):
    """A file was not imported; the reason says why in a curator's words."""

    def __init__(self, file: str, reason: str) -> None:
        self.file = file
        self.reason = reason
        super().__init__(f"{file}: {reason}")


class MetadataError(UrbanArtError):
    """A metadata sheet (CSV) has a row or column the importer cannot use."""


class StorageError(UrbanArtError):
    """A file could not be read or written (disk full, I/O error, no permission): the machine's
    fault, never an artwork's, so the work that needed it fails instead of leaving items out."""

    def __init__(self, exc: OSError, path: object = None) -> None:
        self.errno = exc.errno
        self.path = exc.filename if exc.filename is not None else path
        what = exc.strerror or str(exc) or type(exc).__name__
        # Only writes fill disks; other errors name the file without guessing the direction.
        verb = "writing" if exc.errno in _WRITE_ERRNOS else "reading or writing"
        where = f" while {verb} {self.path}" if self.path is not None else ""
        super().__init__(f"{what}{where}")


_WRITE_ERRNOS = frozenset(
    getattr(errno, name) for name in ("ENOSPC", "EDQUOT", "EROFS", "EFBIG") if hasattr(errno, name)
)
