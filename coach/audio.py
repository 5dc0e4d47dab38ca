"""Decode any audio or video file to a stream of 16 kHz mono blocks.

PyAV (FFmpeg) reads the container, so wav, flac, mp3, m4a/aac, ogg/opus, webm
and video files with an audio track all take the same path. Decoding is a
generator: memory holds one block at a time, whatever the recording's length.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coach.errors import AudioError
from coach.records import SAMPLE_RATE, AudioBlock, SourceInfo

log = logging.getLogger(__name__)

BLOCK_SECONDS = 0.5
"""Size of the blocks a file is replayed in; the microphone uses its own."""


@dataclass(frozen=True, slots=True)
class AudioFile:
    """An opened, validated input file: what it holds and how to stream it."""

    info: SourceInfo

    def blocks(self, block_seconds: float = BLOCK_SECONDS) -> Iterator[AudioBlock]:
        return decode_blocks(self.info.path, block_seconds=block_seconds)


def open_audio(path: str | os.PathLike) -> AudioFile:
    """Check that ``path`` is a readable file with an audio track.

    Raises :class:`AudioError` with a one-line reason otherwise.
    """
    path = Path(path)
    if not path.exists():
        raise AudioError(f"{path}: no such file")
    if path.is_dir():
        raise AudioError(f"{path}: is a directory, not an audio file")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: the file is empty")
    container = _open_container(path)
    with container:
        stream = _audio_stream(container, path)
        ctx = stream.codec_context
        duration = _declared_duration(container, stream)
        info = SourceInfo(
            path=str(path),
            duration_s=duration,
            sample_rate=int(ctx.sample_rate or 0),
            channels=int(ctx.channels or 0),
            codec=ctx.name or "",
        )
    if info.sample_rate <= 0:
        raise AudioError(f"{path}: the audio track has no sample rate; the file looks damaged")
    return AudioFile(info)


def decode_blocks(path: str | os.PathLike, *, block_seconds: float = BLOCK_SECONDS) -> Iterator[AudioBlock]:
    """Yield the file's first audio track as 16 kHz mono float32 blocks.

    Packets FFmpeg cannot decode are skipped (a truncated or damaged file
    yields what can be read), but a file with no decodable audio at all, or
    with NaN or infinite samples, raises :class:`AudioError`.
    """
    import av

    path = Path(path)
    block_len = max(1, int(round(block_seconds * SAMPLE_RATE)))
    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    pending: list[np.ndarray] = []
    pending_len = 0
    emitted = 0
    skipped = 0
    container = _open_container(path)
    with container:
        stream = _audio_stream(container, path)
        for frame in _decoded_frames(container, stream, path):
            if frame is None:
                skipped += 1
                continue
            for out in resampler.resample(frame):
                chunk = _to_mono_float(out, path, emitted + pending_len)
                pending.append(chunk)
                pending_len += len(chunk)
                while pending_len >= block_len:
                    block, pending, pending_len = _take(pending, pending_len, block_len)
                    yield AudioBlock(emitted, block)
                    emitted += len(block)
        for out in resampler.resample(None):
            chunk = _to_mono_float(out, path, emitted + pending_len)
            pending.append(chunk)
            pending_len += len(chunk)
    if pending_len:
        yield AudioBlock(emitted, np.concatenate(pending))
        emitted += pending_len
    if skipped:
        log.warning("%s: skipped %d undecodable packets", path, skipped)
    if emitted == 0:
        raise AudioError(f"{path}: no audio could be decoded from the file")


def _open_container(path: Path):
    import av

    try:
        return av.open(str(path), mode="r", metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise AudioError(f"{path}: not a readable audio or video file ({_reason(exc)})") from None
    except PermissionError:
        raise AudioError(f"{path}: permission denied") from None


def _audio_stream(container, path: Path):
    if not container.streams.audio:
        kinds = sorted({s.type for s in container.streams})
        what = f"only {', '.join(kinds)} streams" if kinds else "no streams"
        raise AudioError(f"{path}: the file has no audio track ({what})")
    stream = container.streams.audio[0]
    stream.thread_type = "AUTO"
    return stream


def _decoded_frames(container, stream, path: Path):
    """Decoded frames of ``stream``; ``None`` in place of each packet FFmpeg rejects."""
    import av

    try:
        packets = container.demux(stream)
        for packet in packets:
            try:
                yield from packet.decode()
            except av.error.InvalidDataError:
                yield None
    except av.error.FFmpegError as exc:
        # A damaged container can fail while demuxing; keep what was decoded.
        log.warning("%s: stopped reading at a damaged part (%s)", path, _reason(exc))


def _to_mono_float(frame, path: Path, at_sample: int) -> np.ndarray:
    samples = frame.to_ndarray().reshape(-1).astype(np.float32, copy=False)
    if not np.all(np.isfinite(samples)):
        at = at_sample + int(np.argmax(~np.isfinite(samples)))
        raise AudioError(f"{path}: the audio holds invalid (NaN or infinite) samples from {at / SAMPLE_RATE:.2f} s")
    return samples


def _take(pending: list[np.ndarray], pending_len: int, n: int) -> tuple[np.ndarray, list[np.ndarray], int]:
    joined = np.concatenate(pending) if len(pending) > 1 else pending[0]
    return joined[:n], [joined[n:]] if pending_len > n else [], pending_len - n


def _declared_duration(container, stream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    return math.nan


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[-1].strip() or type(exc).__name__
