"""Steady background noise taken out of what the speech model hears.

tiny.en is easily thrown by a steady hiss or hum: on our mock interviews, the
same speech with white noise 22 dB below it had a word error rate of 0.47-0.48
against 0.30-0.31 without it. :func:`suppress_noise` is classic power spectral
subtraction (Boll, 1979; Berouti et al., 1979): the noise's spectrum is taken
from the quietest frames of the chunk (the gaps between words and
utterances), subtracted twice over from every frame, and what is left is never
cut by more than 15 dB, which keeps the "musical noise" such subtraction
leaves faint. A chunk with no noise to speak of is left alone.

Only the model's input is cleaned: the voice-activity detector, the pitch and
loudness measures and the voiceprints all hear the recording as it was.
"""

from __future__ import annotations

import numpy as np

from coach.records import SAMPLE_RATE

FRAME = 1024
"""64 ms frames: long enough for a steady noise's spectrum to average out within one."""
OVERLAP = FRAME * 3 // 4
NOISE_PERCENTILE = 10.0
"""The quietest tenth of a chunk's frames is taken as noise alone: a chunk is up to 30 s of speech, and
even fluent speech leaves that much time between words."""
OVER_SUBTRACTION = 2.0
"""The noise estimate is subtracted twice over: an average underestimates the noise's peaks."""
GAIN_FLOOR = 10 ** (-15 / 20)
"""No time-frequency cell is cut by more than 15 dB."""
CLEAN_SNR = 10 ** (35 / 10)
"""A chunk whose louder half of frames stands 35 dB or more above its quietest tenth is left as it is:
there is no steady noise to take out, and its quietest frames are soft speech, not noise. Close-talk
recordings (MFA's test clips, 50-66 dB) pass untouched; the mocks' white noise (23-31 dB) and a
LibriVox MP3 (22-27 dB) are cleaned."""
MIN_SAMPLES = FRAME * 8
"""A chunk shorter than this (half a second) has too few frames to tell its noise from its speech."""


def suppress_noise(audio: np.ndarray) -> np.ndarray:
    """``audio`` (16 kHz mono float32) with its steady background noise subtracted; same length."""
    from scipy.signal import istft, stft

    if len(audio) < MIN_SAMPLES or not np.any(audio):
        return audio
    _, _, spectrum = stft(audio, SAMPLE_RATE, nperseg=FRAME, noverlap=OVERLAP)
    power = np.abs(spectrum) ** 2
    energy = power.sum(axis=0)
    quiet = energy <= np.percentile(energy, NOISE_PERCENTILE)
    if energy[energy >= np.median(energy)].mean() >= CLEAN_SNR * max(energy[quiet].mean(), 1e-20):
        return audio
    noise = power[:, quiet].mean(axis=1, keepdims=True)
    gain = np.clip(1.0 - OVER_SUBTRACTION * noise / np.maximum(power, 1e-20), GAIN_FLOOR, 1.0)
    _, cleaned = istft(spectrum * gain, SAMPLE_RATE, nperseg=FRAME, noverlap=OVERLAP)
    cleaned = np.pad(cleaned, (0, max(0, len(audio) - len(cleaned))))
    return cleaned[: len(audio)].astype(np.float32)
