"""Small immutable records that flow between the pipeline's stages.

Every time is in seconds on one session clock: seconds from the start of the
recording, computed from sample counts (never from a wall clock).
"""

from __future__ import annotations

import bisect
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


CANDIDATE = "candidate"
INTERVIEWER = "interviewer"


@dataclass(frozen=True, slots=True)
class VoiceSpan:
    """A speech region and whose voice it is: :data:`CANDIDATE` or :data:`INTERVIEWER`."""

    start: float
    end: float
    speaker: str


@dataclass(frozen=True, slots=True)
class VoiceSplit:
    """Who spoke when in a recording with an interviewer, and how clearly the two voices differed."""

    spans: tuple[VoiceSpan, ...]
    separation: float
    """Distance between the two voices' centroids, in within-voice spreads (0: nothing to split). A
    diagnostic, not a verdict: our mocks' two voices lie 1.0-2.2 apart, but one real speaker split
    in two can lie 0.9-1.5 apart too (bench/eval_voices.py)."""

    def seconds(self, speaker: str) -> float:
        return sum(s.end - s.start for s in self.spans if s.speaker == speaker)

    def turns(self, speaker: str) -> int:
        """How many times ``speaker`` took the floor: runs of their spans with nobody else's between."""
        return sum(s.speaker == speaker and (n == 0 or self.spans[n - 1].speaker != speaker)
                   for n, s in enumerate(self.spans))

    def speaker_at(self, t: float) -> str:
        """Whose speech holds time ``t``: the span around it, else the nearest (a word may overhang its region).

        The spans are in time order, so only the spans either side of ``t`` can be it: asked once per
        word, a scan of all of them cost a 45-minute session millions of comparisons.
        """
        if not self.spans:
            return CANDIDATE
        i = bisect.bisect_right(self.spans, t, key=lambda s: s.start)
        near = self.spans[max(0, i - 2):i + 1]
        return min(near, key=lambda s: 0.0 if s.start <= t <= s.end else min(abs(t - s.start), abs(t - s.end))).speaker


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
