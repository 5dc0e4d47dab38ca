"""Model catalogue: resolution, verification and the errors a user can cause."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from coach.errors import ModelError
from coach.models import CATALOG_PATH, DEFAULT_MODEL, file_sha256, load_catalog, resolve_model


def test_default_model_resolves_to_the_verified_bundled_folder():
    model = resolve_model()
    assert model.name == DEFAULT_MODEL
    assert model.source == "catalogue"
    assert model.verified
    listed = set(load_catalog(CATALOG_PATH)[DEFAULT_MODEL]["files"])
    assert listed <= {p.name for p in Path(model.location).iterdir()}


def _catalogued_copy(tmp_path, corrupt: bool):
    """A catalogue in tmp_path whose one entry is a copy of the bundled model's small files."""
    bundled = resolve_model()
    folder = tmp_path / "copy"
    folder.mkdir()
    shutil.copy(f"{bundled.location}/config.json", folder / "config.json")
    (folder / "model.bin").write_bytes(b"not checked in this catalogue entry")
    digest = file_sha256(folder / "config.json")
    if corrupt:
        data = bytearray((folder / "config.json").read_bytes())
        data[10] ^= 0x01
        (folder / "config.json").write_bytes(bytes(data))
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps({"mine": {"source": "folder:copy", "files": {"config.json": digest}}}))
    return catalog


def test_catalogue_folder_entry_with_matching_digest_is_verified(tmp_path):
    model = resolve_model("mine", catalog_path=_catalogued_copy(tmp_path, corrupt=False))
    assert model.verified and model.location == str(tmp_path / "copy")


def test_sha_mismatch_is_a_one_line_model_error(tmp_path):
    with pytest.raises(ModelError, match="SHA-256") as err:
        resolve_model("mine", catalog_path=_catalogued_copy(tmp_path, corrupt=True))
    assert "\n" not in str(err.value)


def test_folder_without_model_bin_says_what_is_missing(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelError, match="missing model.bin"):
        resolve_model(str(tmp_path))


def test_local_folder_is_used_unverified(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "model.bin").write_bytes(b"x")
    model = resolve_model(str(tmp_path))
    assert model.source == "folder" and not model.verified and model.location == str(tmp_path)


def test_unknown_name_needs_allow_download():
    with pytest.raises(ModelError, match="pass --allow-download"):
        resolve_model("base.en-nonexistent")
    hub = resolve_model("base.en-nonexistent", allow_download=True)
    assert hub.source == "hub" and hub.location == "base.en-nonexistent" and not hub.verified


def test_missing_path_is_not_taken_for_a_hub_name(tmp_path):
    with pytest.raises(ModelError, match="is not a folder"):
        resolve_model(str(tmp_path / "nowhere"), allow_download=True)
