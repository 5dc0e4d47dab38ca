"""The data files a coach edits: phrase lists, phase cues, coverage checklists (TOML)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from coach.errors import ConfigError

HERE = Path(__file__).resolve().parent


def read_data(path: str | Path, what: str) -> dict:
    """A TOML data file as a dict; a missing or malformed one is a one-line :class:`ConfigError`."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read the {what} {path}: {exc}") from None
