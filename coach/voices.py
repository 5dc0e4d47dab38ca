"""Two voices, the candidate's and the interviewer's: who said what in a recorded interview.

A recording of a real interview holds the interviewer too, and their lines are
not the candidate's: "What happens when two guests book the last room?" is the
interviewer probing, not the candidate handling failure. When the user says a
recording has an interviewer, each speech region is measured (a streaming
stage, like :mod:`coach.prosody`: one :class:`VoicePrint` per piece of a
region) and, once the session is whole, the prints are split into two voices
(:func:`split_voices`). The voice that talks more is the candidate's.

A voiceprint is the piece's median pitch and the mean and spread of its
mel-cepstral coefficients (MFCC 1-19) over its louder frames: the voice and the
channel, not what is said. Two voices are told apart by 2-means over the
pieces; each region then goes to the voice of most of its pieces, because an
interview's turns change at pauses. It is a classic, model-free split, measured
by bench/eval_voices.py: it places 97-100% of the speech of the mock
interviews' two voices right, but on a 30 s telephone chat whose turns overlap
without pauses it gives everything to one voice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from coach.errors import ConfigError
from coach.prosody import ProsodyOptions, ProsodySample, pitch_track
from coach.records import CANDIDATE, INTERVIEWER, SAMPLE_RATE, SpeechRegion, VoiceSpan, VoiceSplit, Word
from coach.transcribe import SpeechChunk, piece_bounds

FRAME = 400
"""Analysis frame: 25 ms at 16 kHz, the usual for cepstra."""
HOP = 160
"""10 ms between frames."""
N_FFT = 512
N_MELS = 40
N_CEPSTRA = 20
"""Coefficients 1-19 are kept; the 0th is loudness, which says more about the microphone's distance
than about the voice."""
MEL_RANGE_HZ = (60.0, 7600.0)
QUIET_FRAME_PERCENTILE = 30.0
"""Frames quieter than this percentile of a piece's frames (breaths, word gaps) are left out of its print."""
QUIET_FRAME_FLOOR = 10 ** (-35 / 10)
"""...and so are frames 35 dB below its loudest: a clean recording's gaps between words are near digital
silence, whose flat, bottomless spectrum says nothing about the voice."""
PITCH_OPTIONS = ProsodyOptions()
MIN_VOICED_FRAMES = 10
"""A piece with less voicing than this (0.1 s) has no pitch of its own."""
PITCH_WEIGHT = 4.0
"""Pitch counts as this many cepstral dimensions: one number, but the one that tells most voices apart
(a man's ~110 Hz from a woman's ~200 Hz) and that the channel does not change."""
RESTARTS = 10
"""2-means starts from this many seeded pairs of pieces; the tightest split wins."""


@dataclass(frozen=True, slots=True)
class VoiceOptions:
    """Whether and how to tell the interviewer from the candidate."""

    interviewer: bool = False
    """The recording holds an interviewer too: coach only the voice that talks more."""
    piece_s: float = 3.0
    """Regions are printed in pieces no longer than this, so a piece rarely holds two voices."""

    def __post_init__(self) -> None:
        if self.piece_s <= 0:
            raise ConfigError(f"piece_s must be positive, not {self.piece_s}")


@dataclass(frozen=True, slots=True)
class VoicePrint:
    """The voice in one piece of a speech region: median pitch in semitones (NaN: unvoiced), then the
    means and spreads of MFCC 1-19."""

    start: float
    end: float
    features: tuple[float, ...]

    @property
    def duration(self) -> float:
        return self.end - self.start


def measure_voices(chunk: SpeechChunk, options: VoiceOptions = VoiceOptions()) -> list[VoicePrint]:
    """One :class:`VoicePrint` per piece of each speech region of ``chunk``, on the recording clock."""
    prints = []
    for region in chunk.regions:
        first, last = chunk.samples_of(region)
        bounds = [first + b for b in piece_bounds(last - first, options.piece_s)]
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            features = _voice_print(chunk.audio[lo:hi])
            if features is not None:
                prints.append(VoicePrint(round(chunk.start + lo / SAMPLE_RATE, 3),
                                         round(chunk.start + hi / SAMPLE_RATE, 3), features))
    return prints


def split_voices(prints: Sequence[VoicePrint], regions: Sequence[SpeechRegion]) -> VoiceSplit:
    """Each speech region as the candidate's or the interviewer's: the voice that talks more is the candidate's."""
    regions = sorted(regions, key=lambda r: r.start)
    if len(prints) < 2 or not regions:
        return VoiceSplit(tuple(VoiceSpan(r.start, r.end, CANDIDATE) for r in regions), 0.0)
    features = np.array([p.features for p in prints])
    weights = np.array([p.duration for p in prints])
    labels, separation = _two_means(features, weights)
    candidate = 0 if weights[labels == 0].sum() >= weights[labels == 1].sum() else 1
    votes = np.zeros((len(regions), 2))
    starts = np.array([r.start for r in regions])
    for p, label, weight in zip(prints, labels, weights):
        i = int(np.searchsorted(starts, (p.start + p.end) / 2, side="right")) - 1
        if i >= 0:
            votes[i, int(label != candidate)] += weight
    spans = tuple(VoiceSpan(r.start, r.end, INTERVIEWER if v[1] > v[0] else CANDIDATE) for r, v in zip(regions, votes))
    return VoiceSplit(spans, round(float(separation), 3))


def candidate_share(
    words: Sequence[Word], regions: Sequence[SpeechRegion], prosody: Sequence[ProsodySample], split: VoiceSplit | None
) -> tuple[list[Word], list[SpeechRegion], list[ProsodySample]]:
    """The candidate's words, speech regions and prosody (all of them when no interviewer was heard)."""
    if split is None or not split.seconds(INTERVIEWER):
        return list(words), list(regions), list(prosody)
    return ([w for w in words if split.speaker_at((w.start + w.end) / 2) == CANDIDATE],
            [SpeechRegion(s.start, s.end) for s in split.spans if s.speaker == CANDIDATE],
            [p for p in prosody if split.speaker_at((p.start + p.end) / 2) == CANDIDATE])


def _two_means(features: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, float]:
    """Weighted 2-means on standardised features: labels, and the centroids' distance in within-cluster spreads.

    The first feature, pitch, counts :data:`PITCH_WEIGHT` times; a piece without one takes the mean.
    """
    known = ~np.isnan(features)
    means = np.where(known, features, 0.0).sum(axis=0) / np.maximum(known.sum(axis=0), 1)
    features = np.where(known, features, means)
    z = (features - features.mean(axis=0)) / (features.std(axis=0) + 1e-9)
    z[:, 0] *= math.sqrt(PITCH_WEIGHT)
    rng = np.random.default_rng(0)
    best = None
    for _ in range(RESTARTS):
        centroids = z[rng.choice(len(z), 2, replace=False)]
        for _ in range(100):
            distances = ((z[:, None, :] - centroids[None]) ** 2).sum(axis=2)
            labels = distances.argmin(axis=1)
            moved = np.array([np.average(z[labels == k], axis=0, weights=weights[labels == k])
                              if np.any(labels == k) else centroids[k] for k in (0, 1)])
            if np.allclose(moved, centroids):
                break
            centroids = moved
        inertia = float((distances.min(axis=1) * weights).sum())
        if best is None or inertia < best[0]:
            best = (inertia, labels, centroids)
    _, labels, centroids = best
    within = math.sqrt(np.average(((z - centroids[labels]) ** 2).sum(axis=1), weights=weights))
    between = float(np.sqrt(((centroids[0] - centroids[1]) ** 2).sum()))
    return labels, between / within if within > 0 else 0.0


def _mel_filters() -> np.ndarray:
    def to_mel(hz):
        return 2595.0 * np.log10(1.0 + hz / 700.0)

    edges = 700.0 * (10 ** (np.linspace(to_mel(MEL_RANGE_HZ[0]), to_mel(MEL_RANGE_HZ[1]), N_MELS + 2) / 2595.0) - 1)
    bins = np.fft.rfftfreq(N_FFT, 1.0 / SAMPLE_RATE)
    filters = np.zeros((N_MELS, len(bins)))
    for i in range(N_MELS):
        low, centre, high = edges[i:i + 3]
        filters[i] = np.clip(np.minimum((bins - low) / (centre - low), (high - bins) / (high - centre)), 0.0, None)
    return filters


_MEL_FILTERS = _mel_filters()
_WINDOW = np.hamming(FRAME)


def _voice_print(audio: np.ndarray) -> tuple[float, ...] | None:
    """Median pitch in semitones (NaN when unvoiced), then MFCC 1-19 means and spreads over the louder
    frames; None for a piece too short or silent to print."""
    from scipy.fft import dct

    if len(audio) < FRAME * 5:
        return None
    f0, voiced = pitch_track(audio.astype(np.float32), HOP, PITCH_OPTIONS)
    pitch = float(np.median(12 * np.log2(f0[voiced]))) if voiced.sum() >= MIN_VOICED_FRAMES else math.nan
    frames = np.lib.stride_tricks.sliding_window_view(audio.astype(np.float64), FRAME)[::HOP] * _WINDOW
    power = np.abs(np.fft.rfft(frames, N_FFT)) ** 2
    energy = power.sum(axis=1)
    if not np.any(energy > 0):
        return None
    loud = power[(energy >= np.percentile(energy, QUIET_FRAME_PERCENTILE)) & (energy >= energy.max() * QUIET_FRAME_FLOOR)]
    cepstra = dct(np.log(loud @ _MEL_FILTERS.T + 1e-10), type=2, norm="ortho", axis=1)[:, 1:N_CEPSTRA]
    return (round(pitch, 3), *(round(float(v), 4) for v in np.concatenate([cepstra.mean(axis=0), cepstra.std(axis=0)])))
