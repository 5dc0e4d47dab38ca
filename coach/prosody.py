"""Pitch, voicing and loudness of each speech region: the raw material of delivery.

A streaming stage: it measures one :class:`~coach.transcribe.SpeechChunk` at a
time, so memory stays bounded by the chunk, never the recording. Each speech
region gives one :class:`ProsodySample` (long regions one per piece of at most
``max_piece_s``), small enough to keep for a whole session; the session-level
judgement (monotone, quiet, rushed) is made from them in
:mod:`coach.analysis.delivery`.

Pitch comes from librosa's probabilistic YIN (pYIN), whose hidden Markov model
decides voicing and smooths away most octave jumps, at a coarse setting:
20 ms hop, 20-cent pitch bins and 50 thresholds instead of 10-cent bins and
100. Measured on one core that costs about 1% of real time (the default
settings cost about 3%). Plain YIN costs 0.05% but gives no voicing decision:
it reports a pitch for every frame, breaths and consonants included, and a
gate would have to be built by hand; 1% is well inside the budget of 5%.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from coach.errors import CoachError, ConfigError
from coach.records import SAMPLE_RATE
from coach.transcribe import SpeechChunk

FRAME_LENGTH = 1024
"""pYIN analysis frame in samples (64 ms at 16 kHz): it must hold two periods of ``fmin_hz``."""

PITCH_RESOLUTION = 0.2
"""pYIN pitch bins in semitones (20 cents): far finer than the spreads we report, and 3x cheaper than 0.1."""

PYIN_THRESHOLDS = 50
"""pYIN's number of YIN thresholds (default 100); halving it barely moves the voicing decision."""

HIGHPASS_HZ = 50.0
"""Rumble, handling thumps and DC offset below this are filtered out before
measuring: on a real laptop recording (mfa cold_corpus.wav) energy under 60 Hz
stood 10-35 dB above the voice band, made pYIN call every frame unvoiced and
a desk thump the loudest moment of the session."""

SILENCE_FLOOR_DB = -100.0
"""Loudness reported for digital silence, instead of minus infinity (which JSON cannot hold)."""


@dataclass(frozen=True, slots=True)
class ProsodyOptions:
    """How pitch and loudness are measured; the defaults suit adult speech at 16 kHz."""

    fmin_hz: float = 65.0
    """Lowest pitch searched (a low male voice is ~70-90 Hz)."""
    fmax_hz: float = 400.0
    """Highest pitch searched (a high female voice rarely passes ~350 Hz in speech)."""
    hop_s: float = 0.02
    """Time between pitch frames; 20 ms is plenty for statistics over seconds."""
    max_piece_s: float = 5.0
    """Long regions are measured in equal pieces no longer than this, so a sample stays local in time."""
    min_voiced_s: float = 0.2
    """Less voiced time than this in a piece and its pitch is not reported (None)."""

    def __post_init__(self) -> None:
        if not 0 < self.fmin_hz < self.fmax_hz:
            raise ConfigError(f"need 0 < fmin_hz < fmax_hz, not {self.fmin_hz} and {self.fmax_hz}")
        if self.fmin_hz < 2 * SAMPLE_RATE / FRAME_LENGTH:
            raise ConfigError(f"fmin_hz must be at least {2 * SAMPLE_RATE / FRAME_LENGTH:g} Hz, not {self.fmin_hz}")
        if self.fmax_hz > SAMPLE_RATE / 4:
            raise ConfigError(f"fmax_hz must be at most {SAMPLE_RATE / 4:g} Hz, not {self.fmax_hz}")
        if not 0.005 <= self.hop_s <= 0.1:
            raise ConfigError(f"hop_s must be between 0.005 and 0.1 s, not {self.hop_s}")
        if self.max_piece_s <= 0:
            raise ConfigError(f"max_piece_s must be positive, not {self.max_piece_s}")
        if self.min_voiced_s < 0:
            raise ConfigError(f"min_voiced_s must be 0 or more, not {self.min_voiced_s}")


@dataclass(frozen=True, slots=True)
class ProsodySample:
    """Pitch and loudness of one speech region, or of one piece of a long region.

    ``pitch_hz`` is the median f0 of the voiced frames and ``pitch_spread_st``
    the distance between their 10th and 90th percentiles in semitones (the
    span the middle 80% of the pitch covered); both None when the piece had
    less than ``min_voiced_s`` of voicing. ``voiced_ratio`` is the share of
    frames voiced (0-1); ``loudness_db`` the RMS level of the piece's samples
    above :data:`HIGHPASS_HZ` in dBFS (a full-scale square wave is 0 dBFS, a
    full-scale sine -3 dBFS).
    """

    start: float
    end: float
    pitch_hz: float | None
    pitch_spread_st: float | None
    voiced_ratio: float
    loudness_db: float

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def voiced_s(self) -> float:
        """Seconds of voicing in the piece."""
        return (self.end - self.start) * self.voiced_ratio


def measure_prosody(chunk: SpeechChunk, options: ProsodyOptions = ProsodyOptions()) -> list[ProsodySample]:
    """One :class:`ProsodySample` per speech region of ``chunk`` (per piece of a long region).

    Regions are clipped to the chunk's audio; a region with no audio inside
    the chunk gives no sample. Samples come in time order, on the recording
    clock. Needs librosa.
    """
    if len(chunk.audio) == 0 or not chunk.regions:
        return []
    librosa = _librosa()
    from scipy.signal import butter, sosfilt  # scipy comes with librosa

    # Filtered once per chunk, so the filter has settled in the context before the first region.
    audio = sosfilt(butter(4, HIGHPASS_HZ, "highpass", fs=SAMPLE_RATE, output="sos"), chunk.audio)
    samples = []
    for region in chunk.regions:
        first = max(0, round((region.start - chunk.start) * SAMPLE_RATE))
        last = min(len(chunk.audio), round((region.end - chunk.start) * SAMPLE_RATE))
        if last <= first:
            continue
        start = chunk.start + first / SAMPLE_RATE
        samples.extend(_measure_region(librosa, audio[first:last].astype(np.float32), start, options))
    return samples


def _measure_region(librosa, audio: np.ndarray, start: float, options: ProsodyOptions) -> list[ProsodySample]:
    """Pitch over the whole region at once (pYIN's smoothing needs context), statistics per piece."""
    hop = max(1, round(options.hop_s * SAMPLE_RATE))
    f0, voiced = _pitch_track(librosa, audio, hop, options)
    n_pieces = max(1, math.ceil(len(audio) / SAMPLE_RATE / options.max_piece_s - 1e-9))
    bounds = [round(len(audio) * i / n_pieces) for i in range(n_pieces + 1)]
    # Frame i is centred on sample i * hop; it belongs to the piece holding its centre.
    centres = np.arange(len(f0)) * hop
    min_voiced_frames = max(1, math.ceil(options.min_voiced_s / options.hop_s - 1e-9))
    pieces = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        if hi <= lo:
            continue
        in_piece = (centres >= lo) & (centres < hi)
        frames = max(1, int(in_piece.sum()))
        voiced_f0 = f0[in_piece & voiced]
        pitch_hz = spread = None
        if len(voiced_f0) >= min_voiced_frames:
            semitones = 12 * np.log2(voiced_f0)
            p10, p90 = np.percentile(semitones, [10, 90])
            pitch_hz = round(float(np.median(voiced_f0)), 2)
            spread = round(float(p90 - p10), 3)
        pieces.append(
            ProsodySample(
                start=round(start + lo / SAMPLE_RATE, 3),
                end=round(start + hi / SAMPLE_RATE, 3),
                pitch_hz=pitch_hz,
                pitch_spread_st=spread,
                voiced_ratio=round(len(voiced_f0) / frames, 3),
                loudness_db=round(rms_db(audio[lo:hi]), 2),
            )
        )
    return pieces


def _pitch_track(librosa, audio: np.ndarray, hop: int, options: ProsodyOptions) -> tuple[np.ndarray, np.ndarray]:
    """f0 in Hz and a voiced flag per frame (frame i centred on sample ``i * hop``)."""
    n_frames = 1 + len(audio) // hop
    if not np.any(audio):
        # pYIN divides by the signal's energy; digital silence is simply unvoiced.
        return np.zeros(n_frames), np.zeros(n_frames, dtype=bool)
    f0, voiced, _ = librosa.pyin(
        audio,
        fmin=options.fmin_hz,
        fmax=options.fmax_hz,
        sr=SAMPLE_RATE,
        frame_length=FRAME_LENGTH,
        hop_length=hop,
        resolution=PITCH_RESOLUTION,
        n_thresholds=PYIN_THRESHOLDS,
    )
    voiced = np.asarray(voiced, dtype=bool) & np.isfinite(f0)
    return np.nan_to_num(f0), voiced


def rms_db(audio: np.ndarray) -> float:
    """RMS level of ``audio`` in dBFS (a full-scale square wave is 0), floored at :data:`SILENCE_FLOOR_DB`."""
    if len(audio) == 0:
        return SILENCE_FLOOR_DB
    rms = math.sqrt(float(np.mean(np.square(audio, dtype=np.float64))))
    return max(SILENCE_FLOOR_DB, 20 * math.log10(rms)) if rms > 0 else SILENCE_FLOOR_DB


def _librosa():
    try:
        import librosa
    except ImportError:
        raise CoachError("prosody needs librosa; install it with: pip install librosa") from None
    return librosa
