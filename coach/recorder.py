"""Write audio to disk as it arrives, so that nothing recorded is lost.

A live session's audio goes into a 16-bit mono WAV file that is flushed
(and fsynced) at least every ``flush_s`` seconds. The WAV header's sizes
are only right once the recording is closed, so a file left behind by a
crash (``kill -9``, a pulled microphone, a power cut) has a header that
disagrees with its length: :func:`unfinished_recordings` finds such files,
and :func:`repair_recording` rewrites the header from the file's real size,
turning everything that reached the disk into a normal recording. A recorder
holds a lock on its file while it writes, so a recording still in progress
(another terminal, the dashboard) is never taken for an unfinished one; the
operating system drops the lock when the process dies, however it dies.
"""

from __future__ import annotations

import os
import struct
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; every partial file counts as unfinished
    fcntl = None

import numpy as np

from coach.errors import AudioError
from coach.records import SAMPLE_RATE

HEADER_BYTES = 44
PARTIAL_SUFFIX = ".partial.wav"
"""A recording in progress; renamed to plain ``.wav`` when it is closed properly."""


class Recorder:
    """Appends 16 kHz mono float blocks to a WAV file, durable within ``flush_s`` seconds."""

    def __init__(self, path: str | os.PathLike, *, flush_s: float = 1.0) -> None:
        final = Path(path)
        if final.suffix.lower() != ".wav":
            raise AudioError(f"{final}: recordings are written as .wav")
        self.path = final
        self.partial = final.with_name(final.stem + PARTIAL_SUFFIX)
        self._flush_s = flush_s
        self._file = open(self.partial, "wb")
        if fcntl is not None:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._file.write(_header(0))
        self._samples = 0
        self._last_flush = time.monotonic()
        self._sync()

    @property
    def seconds(self) -> float:
        return self._samples / SAMPLE_RATE

    def write(self, samples: np.ndarray) -> None:
        """Append float samples in [-1, 1]; flushes to disk when ``flush_s`` has passed since the last time."""
        pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
        self._file.write(pcm.tobytes())
        self._samples += len(pcm)
        if time.monotonic() - self._last_flush >= self._flush_s:
            self._sync()

    def close(self) -> Path:
        """Finish the header and give the recording its final name."""
        if self._file.closed:
            return self.path
        self._file.seek(0)
        self._file.write(_header(self._samples * 2))
        self._sync()
        self._file.close()
        self.partial.replace(self.path)
        return self.path

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._last_flush = time.monotonic()


def unfinished_recordings(folder: str | os.PathLike) -> list[Path]:
    """Recordings a crash left behind in ``folder``, oldest first (not those still being written)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    left = [p for p in folder.glob(f"*{PARTIAL_SUFFIX}") if not _in_use(p)]
    return sorted(left, key=lambda p: p.stat().st_mtime)


def _in_use(path: Path) -> bool:
    """Whether a live :class:`Recorder` holds ``path`` (in this process or another)."""
    if fcntl is None:
        return False
    try:
        with open(path, "rb") as f:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(f, fcntl.LOCK_UN)
    except BlockingIOError:
        return True
    except OSError:
        return False  # vanished or unreadable: repair_recording will say which
    return False


def repair_recording(partial: str | os.PathLike) -> Path:
    """Make a crashed recording whole: header sizes from the data on disk, the final ``.wav`` name.

    A trailing half sample (a write cut in the middle) is dropped. Returns the repaired file's path.
    """
    partial = Path(partial)
    size = partial.stat().st_size
    if size < HEADER_BYTES:
        raise AudioError(f"{partial}: too short to hold a recording ({size} bytes)")
    data_bytes = (size - HEADER_BYTES) // 2 * 2
    with open(partial, "r+b") as f:
        f.truncate(HEADER_BYTES + data_bytes)
        f.seek(0)
        f.write(_header(data_bytes))
        f.flush()
        os.fsync(f.fileno())
    final = partial.with_name(partial.name.removesuffix(PARTIAL_SUFFIX) + ".wav")
    partial.replace(final)
    return final


def _header(data_bytes: int) -> bytes:
    return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, SAMPLE_RATE, SAMPLE_RATE * 2, 2, 16)
            + b"data" + struct.pack("<I", data_bytes))
