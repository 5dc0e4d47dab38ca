"""Steady noise taken out of the model's input: it goes from the gaps, the speech stays, clean audio is untouched."""

import numpy as np

from coach.noise import suppress_noise
from conftest import speak


def _db(x: np.ndarray) -> float:
    return 10 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-20)


def test_white_noise_leaves_the_gaps_and_the_speech_stays(tmp_path):
    speech = speak(tmp_path / "s.wav", "We keep the timelines in a cache, and rebuild them on read.")
    gap = np.zeros(16000, dtype=np.float32)
    clean = np.concatenate([gap, speech, gap])
    noise = np.random.default_rng(0).normal(0, 1, len(clean)).astype(np.float32)
    noise *= 10 ** ((_db(speech) - 20 - _db(noise)) / 20)  # 20 dB below the speech
    cleaned = suppress_noise(clean + noise)
    assert cleaned.shape == clean.shape and cleaned.dtype == np.float32
    in_gaps = np.r_[0:16000, len(clean) - 16000:len(clean)]
    assert _db(cleaned[in_gaps]) < _db(noise[in_gaps]) - 10
    talk = slice(16000, 16000 + len(speech))
    assert abs(_db(cleaned[talk]) - _db(speech)) < 2
    # closer to the clean speech than the noisy input was
    assert _db(cleaned[talk] - speech) < _db(noise[talk]) - 3


def test_clean_short_and_silent_audio_pass_untouched(tmp_path):
    speech = speak(tmp_path / "s.wav", "Does that make sense so far?")
    faint = speech + np.random.default_rng(1).normal(0, 1e-5, len(speech)).astype(np.float32)
    assert suppress_noise(faint) is faint
    short = faint[:4000]
    assert suppress_noise(short) is short
    silence = np.zeros(32000, dtype=np.float32)
    assert suppress_noise(silence) is silence
