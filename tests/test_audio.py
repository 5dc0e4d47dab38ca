"""Decoding: every container and codec a user may bring, any rate and channel count, to 16 kHz mono blocks."""

import struct
import subprocess
import wave

import numpy as np
import pytest

from coach.audio import decode_blocks, open_audio
from coach.errors import AudioError
from coach.records import SAMPLE_RATE


def write_wav(path, samples: np.ndarray, rate: int) -> None:
    data = np.clip(samples, -1, 1)
    frames = (data * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1 if frames.ndim == 1 else frames.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames.tobytes())


def tone_with_gap(rate: int) -> np.ndarray:
    """1 s of 440 Hz, 1 s of silence, 1 s of 440 Hz."""
    t = np.arange(rate) / rate
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    return np.concatenate([tone, np.zeros(rate), tone]).astype(np.float32)


def decode_all(path) -> np.ndarray:
    blocks = list(decode_blocks(path))
    starts = [b.start_sample for b in blocks]
    assert starts == [0] + list(np.cumsum([len(b.samples) for b in blocks[:-1]]))
    return np.concatenate([b.samples for b in blocks])


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 44100, 48000])
def test_any_rate_is_resampled_to_16k_with_time_preserved(tmp_path, rate):
    path = tmp_path / f"tone{rate}.wav"
    write_wav(path, tone_with_gap(rate), rate)
    audio = decode_all(path)
    assert abs(len(audio) - 3 * SAMPLE_RATE) <= 64
    frame = SAMPLE_RATE // 100
    energy = np.square(audio[: len(audio) // frame * frame]).reshape(-1, frame).mean(axis=1)
    loud = np.flatnonzero(energy > 0.01)
    # the silent second stays where it was, within a frame
    gap_start, gap_end = loud[np.argmax(np.diff(loud))] + 1, loud[np.argmax(np.diff(loud)) + 1]
    assert abs(gap_start - 100) <= 1 and abs(gap_end - 200) <= 1


def test_stereo_is_mixed_to_mono(tmp_path):
    left = tone_with_gap(16000)
    path = tmp_path / "stereo.wav"
    write_wav(path, np.stack([left, np.zeros_like(left)], axis=1), 16000)
    info = open_audio(path).info
    assert (info.sample_rate, info.channels) == (16000, 2)
    audio = decode_all(path)
    assert 0.1 < np.abs(audio).max() <= 0.51


@pytest.mark.parametrize("suffix,args", [
    (".flac", []), (".mp3", []), (".m4a", ["-c:a", "aac"]), (".ogg", ["-c:a", "libvorbis"]),
    (".opus", ["-c:a", "libopus"]), (".webm", ["-c:a", "libopus"]),
])
def test_compressed_formats(tmp_path, suffix, args):
    src = tmp_path / "src.wav"
    write_wav(src, tone_with_gap(44100), 44100)
    out = tmp_path / f"clip{suffix}"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(src), *args, str(out)], check=True)
    audio = decode_all(out)
    assert abs(len(audio) / SAMPLE_RATE - 3.0) < 0.1
    assert np.abs(audio[: SAMPLE_RATE // 2]).max() > 0.3


def test_video_with_an_audio_track(tmp_path):
    src = tmp_path / "src.wav"
    write_wav(src, tone_with_gap(16000), 16000)
    video = tmp_path / "talk.mp4"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=black:s=64x64:d=3",
                    "-i", str(src), "-shortest", "-c:v", "libx264", "-c:a", "aac", str(video)], check=True)
    assert abs(len(decode_all(video)) / SAMPLE_RATE - 3.0) < 0.1


def test_blocks_are_bounded_whatever_the_length(tmp_path):
    path = tmp_path / "long.wav"
    write_wav(path, np.zeros(16000 * 30, dtype=np.float32), 16000)
    sizes = [len(b.samples) for b in decode_blocks(path, block_seconds=0.5)]
    assert max(sizes) == 8000 and sum(sizes) == 16000 * 30


@pytest.mark.parametrize("make,message", [
    (lambda p: p.write_bytes(b""), "empty"),
    (lambda p: p.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt "), "not a readable"),
    (lambda p: p.write_bytes(np.random.default_rng(0).bytes(50_000)), "not a readable"),
    (lambda p: p.mkdir(), "directory"),
])
def test_unreadable_inputs_raise_one_line_audio_errors(tmp_path, make, message):
    path = tmp_path / "input.wav"
    make(path)
    with pytest.raises(AudioError, match=message) as err:
        list(open_audio(path).blocks())
    assert "\n" not in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(AudioError, match="no such file"):
        open_audio(tmp_path / "nope.flac")


def test_text_named_mp3(tmp_path):
    path = tmp_path / "notes.mp3"
    path.write_text("These are my interview notes, not audio.\n" * 50)
    with pytest.raises(AudioError):
        list(open_audio(path).blocks())


def test_video_without_audio(tmp_path):
    video = tmp_path / "silent.mp4"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=black:s=64x64:d=1",
                    "-c:v", "libx264", str(video)], check=True)
    with pytest.raises(AudioError, match="no audio track"):
        open_audio(video)


def write_float_wav(path, samples: np.ndarray, rate: int = 16000) -> None:
    """A 32-bit IEEE-float WAV written by hand: the wave module only writes integer PCM."""
    data = samples.astype("<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)
    path.write_bytes(b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data)) + b"WAVE"
                     + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data)


def test_nan_samples(tmp_path):
    path = tmp_path / "nan.wav"
    samples = np.zeros(16000, dtype=np.float32)
    samples[8000:8100] = np.nan
    write_float_wav(path, samples)
    with pytest.raises(AudioError, match="NaN") as err:
        list(open_audio(path).blocks())
    assert "0.50 s" in str(err.value)


def test_truncated_file_yields_what_it_holds(tmp_path):
    path = tmp_path / "full.flac"
    src = tmp_path / "src.wav"
    write_wav(src, np.tile(tone_with_gap(16000), 5), 16000)
    subprocess.run(["sox", str(src), str(path)], check=True)
    data = path.read_bytes()
    cut = tmp_path / "cut.flac"
    cut.write_bytes(data[: len(data) // 2])
    audio = decode_all(cut)
    assert 3.0 < len(audio) / SAMPLE_RATE < 15.0
