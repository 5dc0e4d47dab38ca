"""Live audio in: the microphone, or a file played as if it were one.

The PortAudio callback runs on a real-time thread and must never block:
it only copies the block into a bounded queue (counting what it has to
drop when the queue is full, and the overflows PortAudio reports). The
consumer, on an ordinary thread, mixes to mono and resamples to 16 kHz
with a stateful resampler, and yields :class:`~coach.records.AudioBlock`
records on the sample clock: the very stream a file replay produces, so
the same pipeline stages serve both.

:class:`FileInputStream` stands in for ``sounddevice.InputStream``: it
calls the same callback with blocks of a file at the file's own rate, at
real time or ``speed`` times faster, so live capture is tested without a
microphone.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coach.errors import AudioError, DeviceError
from coach.records import SAMPLE_RATE, AudioBlock

log = logging.getLogger(__name__)

QUEUE_BLOCKS = 200
"""Blocks the callback may get ahead of the consumer (about 10 s of 50 ms blocks) before it drops audio."""


@dataclass(frozen=True, slots=True)
class InputDevice:
    index: int
    name: str
    channels: int
    default_rate: float
    is_default: bool


def _sounddevice():
    try:
        import sounddevice
    except OSError:
        raise DeviceError("PortAudio is not installed: install it (Debian/Ubuntu: sudo apt-get install "
                          "libportaudio2) or analyse a recording with `coach analyze FILE`") from None
    except ImportError:
        raise DeviceError("live capture needs the sounddevice package: pip install sounddevice") from None
    return sounddevice


def list_devices() -> list[InputDevice]:
    """The input devices PortAudio sees (an empty list when none is plugged in)."""
    sd = _sounddevice()
    try:
        devices = sd.query_devices()
        default = sd.default.device[0] if sd.default.device else -1
    except sd.PortAudioError as exc:
        raise DeviceError(f"cannot list audio devices: {exc}") from None
    return [
        InputDevice(i, d["name"], int(d["max_input_channels"]), float(d["default_samplerate"]), i == default)
        for i, d in enumerate(devices)
        if d["max_input_channels"] > 0
    ]


class FileInputStream:
    """A file played into a sounddevice-style callback, block by block, on the file's own clock.

    ``callback(indata, frames, time_info, status)`` receives float32 arrays of
    shape (frames, channels) at the file's sample rate, like PortAudio would.
    """

    def __init__(self, path: str | Path, *, callback: Callable, blocksize: int = 0, speed: float = 1.0) -> None:
        from coach.audio import open_audio

        info = open_audio(path).info
        if speed <= 0:
            raise AudioError(f"speed must be positive, not {speed}")
        self.path = Path(path)
        self.samplerate = info.sample_rate
        self.channels = max(1, info.channels)
        self.blocksize = blocksize or self.samplerate // 20
        self._callback = callback
        self._speed = speed
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._play, name="coach-file-input", daemon=True)
        self.finished = threading.Event()

    @property
    def active(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)

    def close(self) -> None:
        self.stop()

    def _play(self) -> None:
        import av

        period = self.blocksize / self.samplerate / self._speed
        due = time.monotonic()
        pending = np.zeros((0, self.channels), dtype=np.float32)
        try:
            with av.open(str(self.path)) as container:
                stream = container.streams.audio[0]
                # float samples in [-1, 1], interleaved, at the file's own rate: what PortAudio delivers
                to_float = av.AudioResampler(format="flt", layout=stream.layout.name, rate=self.samplerate)
                for frame in container.decode(stream):
                    for out in to_float.resample(frame):
                        pending = np.concatenate([pending, out.to_ndarray().reshape(-1, self.channels)])
                    while len(pending) >= self.blocksize:
                        if self._stop.is_set():
                            return
                        due += period
                        time.sleep(max(0.0, due - time.monotonic()))
                        self._callback(pending[: self.blocksize].copy(), self.blocksize, None, None)
                        pending = pending[self.blocksize :]
            if len(pending) and not self._stop.is_set():
                self._callback(pending.copy(), len(pending), None, None)
        finally:
            self.finished.set()


class AudioSource:
    """A live input stream as 16 kHz mono :class:`AudioBlock` records; counts what it had to drop."""

    def __init__(self, open_stream: Callable[[Callable], object], *, lossless: bool = False) -> None:
        """``open_stream(callback)`` returns an unstarted stream (sounddevice's or :class:`FileInputStream`).

        A microphone cannot wait, so when the consumer falls behind its audio is dropped and
        counted; a ``lossless`` source (a file) waits for the consumer instead.
        """
        self._lossless = lossless
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=QUEUE_BLOCKS)
        self.overflows = 0
        self.dropped_s = 0.0
        self._stopped = threading.Event()
        self._stream = open_stream(self._on_audio)

    @classmethod
    def microphone(cls, device: int | str | None = None, *, blocksize_s: float = 0.05) -> AudioSource:
        sd = _sounddevice()
        try:
            info = sd.query_devices(device, "input")
        except (ValueError, sd.PortAudioError) as exc:
            raise DeviceError(f"no usable input device{f' {device!r}' if device is not None else ''}: {exc}; "
                              "plug in a microphone or pick one from `coach devices`") from None
        rate = SAMPLE_RATE if _supports(sd, device, SAMPLE_RATE) else int(info["default_samplerate"])
        return cls(lambda callback: sd.InputStream(device=device, channels=1, samplerate=rate, dtype="float32",
                                                   blocksize=int(rate * blocksize_s), callback=callback))

    @classmethod
    def from_file(cls, path: str | Path, *, speed: float = 1.0) -> AudioSource:
        return cls(lambda callback: FileInputStream(path, callback=callback, speed=speed), lossless=True)

    def _on_audio(self, indata, frames, time_info, status) -> None:
        # The real-time thread: copy, hand over, count; nothing that can block.
        if status:
            self.overflows += 1
        block = indata.copy()
        if self._lossless:
            # a file's own thread may wait; only give up when the session is stopping
            while not self._stopped.is_set():
                try:
                    self._queue.put(block, timeout=0.1)
                    return
                except queue.Full:
                    continue
            return
        try:
            self._queue.put_nowait(block)
        except queue.Full:
            self.overflows += 1
            self.dropped_s += frames / self._stream.samplerate

    def stop(self) -> None:
        """End the stream; :meth:`blocks` finishes after the audio already queued."""
        if not self._stopped.is_set():
            self._stopped.set()
            self._stream.stop()
            self._queue.put(None)

    def blocks(self) -> Iterator[AudioBlock]:
        """Start the stream and yield its audio until :meth:`stop` (or the end of a file)."""
        import av

        rate = int(self._stream.samplerate)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        emitted = 0
        self._stream.start()
        try:
            while True:
                try:
                    data = self._queue.get(timeout=0.2)
                except queue.Empty:
                    if getattr(self._stream, "finished", None) is not None and self._stream.finished.is_set():
                        break
                    continue
                if data is None:
                    break
                for out in resampler.resample(_frame(av, data, rate)):
                    samples = out.to_ndarray().reshape(-1).astype(np.float32)
                    yield AudioBlock(emitted, samples)
                    emitted += len(samples)
            for out in resampler.resample(None):
                samples = out.to_ndarray().reshape(-1).astype(np.float32)
                yield AudioBlock(emitted, samples)
                emitted += len(samples)
        finally:
            self.stop()
            self._stream.close()


def _frame(av, data: np.ndarray, rate: int):
    """A (frames, channels) float block as a planar PyAV frame."""
    planar = np.ascontiguousarray(data.T, dtype=np.float32)
    layout = "mono" if planar.shape[0] == 1 else "stereo" if planar.shape[0] == 2 else f"{planar.shape[0]}c"
    frame = av.AudioFrame.from_ndarray(planar, format="fltp", layout=layout)
    frame.sample_rate = rate
    return frame


def _supports(sd, device, rate: int) -> bool:
    try:
        sd.check_input_settings(device=device, samplerate=rate, channels=1, dtype="float32")
        return True
    except Exception:  # PortAudio reports an unsupported rate with several error types
        return False
