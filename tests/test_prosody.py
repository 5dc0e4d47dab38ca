"""Prosody per speech region, checked on signals whose pitch and level are known."""

import shutil
import subprocess
import wave

import numpy as np
import pytest

from coach.errors import ConfigError
from coach.prosody import SILENCE_FLOOR_DB, ProsodyOptions, measure_prosody, rms_db
from coach.records import SAMPLE_RATE, SpeechRegion
from coach.transcribe import SpeechChunk


def harmonic(f0_hz, seconds: float, *, level: float = 0.3) -> np.ndarray:
    """A voice-like harmonic complex (five harmonics, falling 1/k); ``f0_hz`` may be an array per sample."""
    n = int(seconds * SAMPLE_RATE)
    f0 = np.broadcast_to(np.asarray(f0_hz, dtype=np.float64), (n,))
    phase = 2 * np.pi * np.cumsum(f0) / SAMPLE_RATE
    wave_ = sum(np.sin(k * phase) / k for k in range(1, 6))
    return (level * wave_ / np.abs(wave_).max()).astype(np.float32)


def one_region(audio: np.ndarray, start: float = 10.0) -> SpeechChunk:
    return SpeechChunk(start, audio, (SpeechRegion(start, start + len(audio) / SAMPLE_RATE),))


def test_steady_pitch_is_found_within_3_percent():
    (sample,) = measure_prosody(one_region(harmonic(120.0, 3.0)))
    assert sample.pitch_hz == pytest.approx(120.0, rel=0.03)
    assert sample.pitch_spread_st < 0.5
    assert sample.voiced_ratio > 0.9
    assert (sample.start, sample.end) == (10.0, 13.0)


def test_octave_glide_spans_the_middle_80_percent_of_12_semitones():
    # 100 -> 200 Hz, even in semitones: the 10th-90th percentile span is 0.8 * 12 = 9.6.
    seconds = 3.0
    f0 = 100 * 2 ** (np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE / seconds)
    (sample,) = measure_prosody(one_region(harmonic(f0, seconds)))
    assert sample.pitch_spread_st == pytest.approx(9.6, abs=0.6)
    assert sample.pitch_hz == pytest.approx(100 * 2**0.5, rel=0.03)


def test_silence_has_no_pitch():
    (sample,) = measure_prosody(one_region(np.zeros(SAMPLE_RATE * 2, dtype=np.float32)))
    assert sample.pitch_hz is None and sample.pitch_spread_st is None
    assert sample.voiced_ratio == 0.0
    assert sample.loudness_db == SILENCE_FLOOR_DB


def test_white_noise_is_unvoiced():
    noise = np.random.default_rng(0).normal(0, 0.05, SAMPLE_RATE * 2).astype(np.float32)
    (sample,) = measure_prosody(one_region(noise))
    assert sample.pitch_hz is None
    assert sample.voiced_ratio < 0.1


def test_loudness_of_a_minus_20_dbfs_sine_is_minus_23_db_rms():
    t = np.arange(SAMPLE_RATE * 2) / SAMPLE_RATE
    sine = (0.1 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    (sample,) = measure_prosody(one_region(sine))
    assert sample.loudness_db == pytest.approx(-23.0, abs=0.5)
    assert rms_db(sine) == pytest.approx(-23.01, abs=0.05)


def test_rumble_and_dc_offset_do_not_hide_the_voice():
    # A laptop mic's handling noise: 15 Hz at 10x the voice's level, on a DC offset.
    t = np.arange(SAMPLE_RATE * 3) / SAMPLE_RATE
    voice = harmonic(120.0, 3.0, level=0.03)
    rumble = (0.3 * np.sin(2 * np.pi * 15 * t) + 0.1).astype(np.float32)
    (sample,) = measure_prosody(one_region(voice + rumble))
    assert sample.pitch_hz == pytest.approx(120.0, rel=0.03)
    assert sample.loudness_db == pytest.approx(rms_db(voice), abs=1.0)


def test_long_regions_are_measured_in_pieces_of_at_most_5_s():
    audio = harmonic(150.0, 12.0)
    chunk = SpeechChunk(100.0, audio, (SpeechRegion(100.5, 111.5),))
    samples = measure_prosody(chunk)
    assert len(samples) == 3
    assert samples[0].start == 100.5 and samples[-1].end == 111.5
    assert all(a.end == b.start for a, b in zip(samples, samples[1:]))
    assert all(s.duration <= 5.0 for s in samples)
    assert all(s.pitch_hz == pytest.approx(150.0, rel=0.03) for s in samples)


def test_one_sample_per_region_on_the_recording_clock():
    # Tone, silence, tone: the chunk starts at 60 s, the regions are the two tones.
    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    audio = np.concatenate([harmonic(110.0, 1.0), gap, harmonic(220.0, 1.0)])
    chunk = SpeechChunk(60.0, audio, (SpeechRegion(60.0, 61.0), SpeechRegion(62.0, 63.0), SpeechRegion(70.0, 71.0)))
    low, high = measure_prosody(chunk)  # the third region lies past the chunk's audio
    assert (low.start, low.end, high.start, high.end) == (60.0, 61.0, 62.0, 63.0)
    assert low.pitch_hz == pytest.approx(110.0, rel=0.03)
    assert high.pitch_hz == pytest.approx(220.0, rel=0.03)


def test_too_little_voicing_gives_no_pitch():
    (sample,) = measure_prosody(one_region(harmonic(120.0, 0.1)), ProsodyOptions(min_voiced_s=0.2))
    assert sample.pitch_hz is None


@pytest.mark.parametrize(
    "options",
    [dict(fmin_hz=400, fmax_hz=100), dict(fmin_hz=10), dict(hop_s=0.5), dict(max_piece_s=0), dict(min_voiced_s=-1)],
)
def test_bad_options_are_refused(options):
    with pytest.raises(ConfigError):
        ProsodyOptions(**options)


def espeak(tmp_path, text: str, pitch: int) -> np.ndarray:
    """espeak-ng speech at espeak pitch ``pitch`` (0-99) as 16 kHz float samples."""
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        pytest.skip("espeak-ng and sox are needed (scripts/setup.sh installs them)")
    raw, out = tmp_path / f"raw{pitch}.wav", tmp_path / f"speech{pitch}.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-p", str(pitch), "-w", str(raw), text], check=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(out)], check=True)
    with wave.open(str(out)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768


def test_a_synthetic_voice_has_a_speaking_pitch_and_follows_espeak_pitch(tmp_path):
    text = "We shard the message table by conversation id, so one chat lives on one node."
    low = measure_prosody(one_region(espeak(tmp_path, text, 20)))
    high = measure_prosody(one_region(espeak(tmp_path, text, 80)))
    for samples in (low, high):
        assert all(70 <= s.pitch_hz <= 300 for s in samples)
        assert all(s.voiced_ratio > 0.3 for s in samples)
    assert np.median([s.pitch_hz for s in high]) > 1.2 * np.median([s.pitch_hz for s in low])


def test_a_chunk_without_audio_gives_no_samples():
    assert measure_prosody(SpeechChunk(0.0, np.zeros(0, dtype=np.float32), (SpeechRegion(0.0, 1.0),))) == []
