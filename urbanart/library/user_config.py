"""Settings of the person at this machine, not of a library: the curator's name, the shared key.

Why not the catalogue's settings table: several curators share one catalogue (one exhibition on
PostgreSQL), so who is editing and where this machine finds the exhibition's signing key belong
to the user. Each is read from the environment first (URBANART_CURATOR,
URBANART_SIGNING_KEY_FILE), then from a small JSON file in the platform's user config folder
(URBANART_USER_CONFIG names another file), then a default: the OS user name, the library's own
key.
"""

from __future__ import annotations

import getpass
import json
import os
import unicodedata
from pathlib import Path
from typing import Any

import platformdirs

from urbanart.durable import atomic_write
from urbanart.errors import InvalidValue, UrbanArtError

ENV_CURATOR = "URBANART_CURATOR"
ENV_SIGNING_KEY_FILE = "URBANART_SIGNING_KEY_FILE"
ENV_USER_CONFIG = "URBANART_USER_CONFIG"
MAX_NAME = 100
#: What the audit log says when neither a setting nor the OS names the curator.
UNKNOWN_CURATOR = "unknown curator"


def user_config_path() -> Path:
    env = os.environ.get(ENV_USER_CONFIG)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir("urbanart", appauthor=False)) / "user.json"


def read_user_config() -> dict[str, Any]:
    """The saved per-user settings; an absent file is no settings, a broken one is an error."""
    path = user_config_path()
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise UrbanArtError(
            f"Your settings file {path} cannot be read ({exc}); fix or remove it."
        ) from exc
    if not isinstance(data, dict):
        raise UrbanArtError(f"Your settings file {path} does not hold a JSON object.")
    return data


def _write(key: str, value: str | None) -> None:
    data = read_user_config()
    if value is None:
        data.pop(key, None)
    else:
        data[key] = value
    atomic_write(user_config_path(), (json.dumps(data, indent=1) + "\n").encode("utf-8"))


def clean_curator_name(value: Any) -> str:
    """A name shown in "changed by NAME": one line of printable text, 1 to 100 characters."""
    text = str(value if value is not None else "").strip()
    if not text or len(text) > MAX_NAME:
        raise InvalidValue(
            "curator name", value, f"must be 1 to {MAX_NAME} characters", key="curator"
        )
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise InvalidValue(
            "curator name", value, "must be one line without control characters", key="curator"
        )
    return text


def curator_name() -> str:
    """Who edits from this machine: URBANART_CURATOR, else the saved name, else the OS user."""
    env = os.environ.get(ENV_CURATOR, "").strip()
    if env:
        return env[:MAX_NAME]
    saved = read_user_config().get("curator")
    if isinstance(saved, str) and saved.strip():
        return saved.strip()
    try:
        return getpass.getuser() or UNKNOWN_CURATOR
    except (OSError, KeyError):  # no user name in the environment nor the password database
        return UNKNOWN_CURATOR


def set_curator_name(name: Any) -> str:
    """Save the curator's name for this user (checked first; nothing saved when refused)."""
    clean = clean_curator_name(name)
    _write("curator", clean)
    return clean


def signing_key_file() -> Path | None:
    """The exhibition's shared signing key file, if this machine names one (None: the library's
    own key at <library>/keys). URBANART_SIGNING_KEY_FILE beats the saved setting."""
    env = os.environ.get(ENV_SIGNING_KEY_FILE, "").strip()
    if env:
        return Path(env).expanduser()
    saved = read_user_config().get("signing_key_file")
    if isinstance(saved, str) and saved.strip():
        return Path(saved.strip()).expanduser()
    return None


def set_signing_key_file(path: str | os.PathLike[str] | None) -> Path | None:
    """Save (or with None/"" forget) where the shared signing key file is."""
    if path is None or not str(path).strip():
        _write("signing_key_file", None)
        return None
    target = Path(path).expanduser()
    if target.exists() and not target.is_file():
        raise InvalidValue(
            "signing key file", str(path), "is a folder, not a key file", key="signing_key_file"
        )
    _write("signing_key_file", str(target.resolve()))
    return target.resolve()
