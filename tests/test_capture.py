"""Live capture through a file-backed input stream: the same blocks as decoding, dropped audio counted."""

import time
import wave

import numpy as np
import pytest

from coach.audio import decode_blocks
from coach.capture import AudioSource, FileInputStream
from conftest import SAMPLE, write_wav


def test_a_file_played_live_gives_the_decoded_audio():
    live = np.concatenate([b.samples for b in AudioSource.from_file(SAMPLE, speed=50).blocks()])
    decoded = np.concatenate([b.samples for b in decode_blocks(SAMPLE)])
    assert abs(len(live) - len(decoded)) <= 64
    n = min(len(live), len(decoded))
    assert np.max(np.abs(live[:n] - decoded[:n])) < 1e-4


def test_other_rates_and_channels_are_resampled_on_the_sample_clock(tmp_path):
    t = np.arange(44100 * 2) / 44100
    stereo = np.stack([0.4 * np.sin(2 * np.pi * 300 * t), np.zeros_like(t)], axis=1)
    path = tmp_path / "stereo44k.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2), w.setsampwidth(2), w.setframerate(44100)
        w.writeframes((stereo * 32767).astype("<i2").tobytes())
    blocks = list(AudioSource.from_file(path, speed=100).blocks())
    assert [b.start_sample for b in blocks] == list(np.cumsum([0] + [len(b.samples) for b in blocks[:-1]]))
    assert abs(sum(len(b.samples) for b in blocks) - 32000) <= 64


def test_real_time_pace_and_stop():
    source = AudioSource.from_file(SAMPLE, speed=1.0)
    started = time.monotonic()
    got = 0.0
    for block in source.blocks():
        got += len(block.samples) / 16000
        if got >= 1.0:
            source.stop()
    assert 0.8 <= time.monotonic() - started <= 2.5  # about one second of audio took about one second


def test_a_stalled_consumer_loses_microphone_audio_and_counts_it(tmp_path, monkeypatch):
    import coach.capture as capture

    monkeypatch.setattr(capture, "QUEUE_BLOCKS", 3)
    path = write_wav(tmp_path / "tone.wav", 0.3 * np.sin(np.arange(16000 * 4) / 5).astype(np.float32))
    # a microphone-like source: it cannot wait for the consumer
    source = AudioSource(lambda callback: FileInputStream(path, callback=callback, speed=40))
    blocks = source.blocks()
    next(blocks)
    time.sleep(0.5)  # the file keeps arriving while nobody reads
    rest = list(blocks)
    assert source.overflows > 0 and source.dropped_s > 0
    assert sum(len(b.samples) for b in rest) < 16000 * 4


def test_a_file_replay_waits_for_a_stalled_consumer_and_loses_nothing(tmp_path, monkeypatch):
    import coach.capture as capture

    monkeypatch.setattr(capture, "QUEUE_BLOCKS", 3)
    path = write_wav(tmp_path / "tone.wav", 0.3 * np.sin(np.arange(16000 * 4) / 5).astype(np.float32))
    source = AudioSource.from_file(path, speed=40)
    blocks = source.blocks()
    first = next(blocks)
    time.sleep(0.5)
    total = len(first.samples) + sum(len(b.samples) for b in blocks)
    assert source.overflows == 0 and abs(total - 16000 * 4) <= 64


def test_file_stream_rejects_a_bad_speed():
    from coach.errors import AudioError

    with pytest.raises(AudioError, match="speed"):
        FileInputStream(SAMPLE, callback=lambda *a: None, speed=0)


def test_missing_portaudio_gives_advice_not_a_traceback(monkeypatch):
    """sounddevice raises OSError at import when libportaudio2 is missing: coach says what to install."""
    import importlib.abc
    import sys

    from coach.capture import list_devices
    from coach.errors import DeviceError

    class NoPortAudio(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name == "sounddevice":
                raise OSError("PortAudio library not found")
            return None

    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(sys, "meta_path", [NoPortAudio(), *sys.meta_path])
    with pytest.raises(DeviceError, match="libportaudio2"):
        list_devices()
