"""Small immutable records that flow between the pipeline's stages.

Every time is in seconds on one session clock: seconds from the start of the
recording, computed from sample counts (never from a wall clock).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SAMPLE_RATE = 16_000
"""Every stage after decoding works on 16 kHz mono float32 samples in [-1, 1]."""


@dataclass(frozen=True, slots=True, eq=False)
class AudioBlock:
    """A run of consecutive samples of the 16 kHz mono stream.

    ``start_sample`` counts samples from the start of the recording, so the
    block's time is exact however the source chopped its audio.
    """

    start_sample: int
    samples: np.ndarray  # shape=(n,), float32, 16 kHz mono

    @property
    def start(self) -> float:
        return self.start_sample / SAMPLE_RATE

    @property
    def end(self) -> float:
        return (self.start_sample + len(self.samples)) / SAMPLE_RATE


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What the input was before it was decoded to 16 kHz mono."""

    path: str
    duration_s: float
    sample_rate: int
    channels: int
    codec: str = ""


@dataclass(frozen=True, slots=True)
class SpeechRegion:
    """A stretch the voice-activity detector judged to be speech."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Word:
    """One transcribed word, placed on the recording's timeline."""

    start: float
    end: float
    text: str
    probability: float


@dataclass(frozen=True, slots=True)
class Pause:
    """A silence between speech regions (or before the first / after the last)."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Flag:
    """A phrase worth coaching: a weak habit or a seniority signal, with the words said."""

    category: str
    text: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Evidence:
    """A moment that backs a finding: what was said (or a description) and when."""

    text: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class PhaseSpan:
    """A contiguous stretch of the interview spent in one phase."""

    phase: str
    start: float
    end: float
    speaking_seconds: float = 0.0

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """The speech model actually used, recorded in the session."""

    name: str
    device: str
    compute_type: str
    path: str = ""
    options: dict = field(default_factory=dict)
