"""Pitch, voicing and loudness of each speech region: the raw material of delivery.

A streaming stage: it measures one :class:`~coach.transcribe.SpeechChunk` at a
time, so memory stays bounded by the chunk, never the recording. Each speech
region gives one :class:`ProsodySample` (long regions one per piece of at most
``max_piece_s``), small enough to keep for a whole session; the session-level
judgement (monotone, quiet, rushed) is made from them in
:mod:`coach.analysis.delivery`.

Pitch comes from YIN (de Cheveigné and Kawahara, 2002), computed here with
numpy on audio decimated to 8 kHz: the depth of YIN's dip is its own voicing
decision (a periodic frame dips near zero, a breath or a fricative does not),
and a continuity check drops the odd octave jump. librosa's pYIN was tried
first: it decides voicing with an HMM but cost 1.1% of real time and, on its
first call, ~180 MB of memory for numba's compiler, which pushed a 45-minute
analysis past its memory budget; this costs about 0.1%.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from coach.errors import ConfigError
from coach.records import SAMPLE_RATE
from coach.transcribe import SpeechChunk, piece_bounds

PITCH_RATE = 8000
"""Pitch is tracked on audio decimated to this rate: 400 Hz voices need nothing above 4 kHz."""

FRAME_LENGTH = 1024
"""Analysis frame in samples at 16 kHz (64 ms): it must hold two periods of ``fmin_hz``."""

VOICING_THRESHOLD = 0.3
"""A frame is voiced when YIN's normalised difference dips below this. The paper's 0.1-0.2 suits clean
recordings; synthetic and far-field voices dip to 0.2-0.3 on plainly voiced vowels."""

VOICED_FLOOR_DB = 35.0
"""Frames more than this below the region's loudest frame are not voiced, whatever YIN says."""

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
    clock.
    """
    if len(chunk.audio) == 0 or not chunk.regions:
        return []
    from scipy.signal import butter, sosfilt

    # Filtered once per chunk, so the filter has settled in the context before the first region.
    audio = sosfilt(butter(4, HIGHPASS_HZ, "highpass", fs=SAMPLE_RATE, output="sos"), chunk.audio)
    samples = []
    for region in chunk.regions:
        first, last = chunk.samples_of(region)
        if last <= first:
            continue
        start = chunk.start + first / SAMPLE_RATE
        samples.extend(_measure_region(audio[first:last].astype(np.float32), start, options))
    return samples


def _measure_region(audio: np.ndarray, start: float, options: ProsodyOptions) -> list[ProsodySample]:
    """Pitch over the whole region at once (the continuity check needs context), statistics per piece."""
    hop = max(1, round(options.hop_s * SAMPLE_RATE))
    f0, voiced = pitch_track(audio, hop, options)
    bounds = piece_bounds(len(audio), options.max_piece_s)
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


def pitch_track(audio: np.ndarray, hop: int, options: ProsodyOptions) -> tuple[np.ndarray, np.ndarray]:
    """f0 in Hz and a voiced flag per frame (frame i centred on sample ``i * hop``), by YIN.

    Shape of the work: every frame's difference function comes from one
    batched FFT, so a 30 s region costs a few milliseconds.
    """
    from scipy.signal import resample_poly

    n_frames = 1 + len(audio) // hop
    f0 = np.zeros(n_frames)
    voiced = np.zeros(n_frames, dtype=bool)
    if not np.any(audio):
        return f0, voiced
    factor = SAMPLE_RATE // PITCH_RATE
    x = resample_poly(audio, 1, factor).astype(np.float64)
    frame = FRAME_LENGTH // factor
    step = hop / factor
    tau_min = int(PITCH_RATE / options.fmax_hz)
    tau_max = min(int(math.ceil(PITCH_RATE / options.fmin_hz)), frame // 2)
    window = frame - tau_max  # the sum runs over this many samples for every lag
    padded = np.pad(x, (frame // 2, frame))
    starts = (np.arange(n_frames) * step).astype(int)
    frames = padded[starts[:, None] + np.arange(frame)]  # shape=(n_frames, frame)

    size = 1 << (2 * frame - 1).bit_length()
    spectrum = np.fft.rfft(frames, size, axis=1)
    head = np.fft.rfft(frames[:, :window], size, axis=1)
    correlation = np.fft.irfft(np.conj(head) * spectrum, size, axis=1)[:, : tau_max + 1]
    energy = np.cumsum(np.square(frames), axis=1)
    energy = np.concatenate([np.zeros((n_frames, 1)), energy], axis=1)
    lags = np.arange(tau_max + 1)
    shifted = energy[:, lags + window] - energy[:, lags]  # sum of x[j + tau]^2 over the window
    difference = np.maximum(shifted[:, :1] + shifted - 2 * correlation, 0.0)
    cumulative = np.cumsum(difference[:, 1:], axis=1)
    normalised = np.ones_like(difference)
    normalised[:, 1:] = difference[:, 1:] * lags[1:] / np.maximum(cumulative, 1e-12)

    search = normalised[:, tau_min : tau_max + 1]
    below = search < VOICING_THRESHOLD
    # the first dip under the threshold (YIN's rule against octave errors), else the deepest
    first = np.where(below.any(axis=1), below.argmax(axis=1), search.argmin(axis=1))
    # walk down to the bottom of that dip
    for _ in range(4):
        nxt = np.minimum(first + 1, search.shape[1] - 1)
        first = np.where(search[np.arange(n_frames), nxt] < search[np.arange(n_frames), first], nxt, first)
    tau = first + tau_min
    depth = normalised[np.arange(n_frames), tau]
    # parabolic interpolation around the dip for sub-sample lags
    left = normalised[np.arange(n_frames), np.maximum(tau - 1, 1)]
    right = normalised[np.arange(n_frames), np.minimum(tau + 1, tau_max)]
    curve = left - 2 * depth + right
    shift = np.where(curve > 1e-9, 0.5 * (left - right) / np.where(curve > 1e-9, curve, 1.0), 0.0)
    f0 = PITCH_RATE / (tau + np.clip(shift, -0.5, 0.5))

    level = 10 * np.log10(np.maximum(energy[:, window] - energy[:, 0], 1e-12))
    voiced = (depth < VOICING_THRESHOLD) & (level > level.max() - VOICED_FLOOR_DB)
    voiced &= (f0 >= options.fmin_hz) & (f0 <= options.fmax_hz)
    # an isolated voiced frame, or one an octave off its neighbours, is noise rather than voice
    semitones = 12 * np.log2(np.maximum(f0, 1.0))
    smooth = np.array([np.median(semitones[max(0, i - 2) : i + 3][voiced[max(0, i - 2) : i + 3]])
                       if voiced[i] else 0.0 for i in range(n_frames)])
    voiced &= np.abs(semitones - smooth) < 3.0
    return np.where(voiced, f0, 0.0), voiced


def rms_db(audio: np.ndarray) -> float:
    """RMS level of ``audio`` in dBFS (a full-scale square wave is 0), floored at :data:`SILENCE_FLOOR_DB`."""
    if len(audio) == 0:
        return SILENCE_FLOOR_DB
    rms = math.sqrt(float(np.mean(np.square(audio, dtype=np.float64))))
    return max(SILENCE_FLOOR_DB, 20 * math.log10(rms)) if rms > 0 else SILENCE_FLOOR_DB
