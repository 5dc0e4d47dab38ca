"""Delivery: how fast, how varied and how loud the candidate spoke, and where that changed.

Pure functions over records: the words give the rate, the pauses the
silences, and the :class:`~coach.prosody.ProsodySample` of each speech region
the pitch and loudness. Nothing here needs the audio, so a stored session can
be re-judged with other thresholds.

Thresholds (all in :class:`DeliveryOptions`):

* **Monotone** when the pitch of the whole session spans less than 4
  semitones between its 10th and 90th percentiles: the lower edge of the
  4-8 semitones expressive speech spans (below 4 the middle 80% of the voice
  fits inside a major third). Measured on stock recordings of people
  (meeting, read, presentation and spontaneous speech): 5.2-10.1; on
  espeak-ng and flite synthetic voices: 2.9-3.9.
* **Rushed / slow** windows run faster than 1.3x or slower than 0.7x the
  session's median rate.
* **Went quiet** when 40% or more of a window is spent in pauses of 2 s or
  more.
* **Quiet stretch** (mumbling) when speech is 10 dB or more below the
  session's median level: a tenth of the power, heard as about half as loud.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from coach.errors import ConfigError
from coach.prosody import ProsodySample
from coach.records import Pause, Word
from coach.timefmt import clock

SPAN_PER_SIGMA = 2.5631
"""Distance between the 10th and 90th percentiles of a normal distribution, in standard deviations."""


@dataclass(frozen=True, slots=True)
class DeliveryOptions:
    """Where delivery findings start; the defaults are explained in the module docstring."""

    monotone_span_st: float = 4.0
    """Session pitch span (10th-90th percentile, semitones) below which delivery is called monotone."""
    min_voiced_s: float = 10.0
    """Voiced speech needed before pitch is judged at all."""
    rushed_ratio: float = 1.3
    """A window faster than this times the median rate is rushed."""
    slow_ratio: float = 0.7
    """A window slower than this times the median rate is slow."""
    min_talk_share: float = 0.25
    """Share of a window that must be talking for its rate to count (15 s of a minute): a few
    words around a long pause give no rate worth comparing."""
    min_rate_windows: int = 3
    """Fewer windows with a rate than this and there is no session median to compare against."""
    long_pause_s: float = 2.0
    """Pauses at least this long count towards a window going quiet."""
    silent_share: float = 0.4
    """Share of a window in long pauses from which it has gone quiet."""
    quiet_db: float = 10.0
    """Speech this many dB below the session median is a quiet stretch."""
    min_quiet_s: float = 1.0
    """Quiet stretches shorter than this (a trailing "uh") are not reported."""
    max_notes_each: int = 3
    """Notes per kind of finding; the rest are counted, not listed."""


@dataclass(frozen=True, slots=True)
class RateWindow:
    """Words per minute of talking inside one window of the recording.

    Talking time is the window minus pauses and minus the time before the
    first word and after the last; ``wpm`` is None when that leaves too little
    (``min_talk_share`` of the window).
    """

    start: float
    end: float
    words: int
    talk_s: float
    wpm: float | None


@dataclass(frozen=True, slots=True)
class Stretch:
    """A stretch of the recording that stood out: ``kind`` is rushed, slow, silent or quiet.

    ``value`` is what made it stand out, in the kind's unit: words per minute
    (rushed, slow), the share of the time in long pauses (silent), or dB
    below the session median (quiet).
    """

    kind: str
    start: float
    end: float
    value: float


@dataclass(frozen=True, slots=True)
class Delivery:
    """Rate, pitch and loudness of one session, what stood out, and notes for the candidate.

    Pitch fields are None when there was less than ``min_voiced_s`` of voiced
    speech; ``pitch_span_st`` is the 10th-90th percentile span of the
    session's pitch in semitones, ``pitch_within_st`` the median span inside
    one region (intonation) and ``pitch_between_st`` the span of the regions'
    median pitches (register changes).
    """

    rate: tuple[RateWindow, ...]
    median_wpm: float | None
    pitch_hz: float | None
    pitch_span_st: float | None
    pitch_within_st: float | None
    pitch_between_st: float | None
    monotone: bool
    loudness_db: float | None
    loudness_span_db: float | None
    stretches: tuple[Stretch, ...]
    notes: tuple[str, ...]

    def to_json(self) -> dict:
        return {
            "rate": [
                {"start": _r(w.start), "end": _r(w.end), "words": w.words, "talk_s": _r(w.talk_s), "wpm": _r1(w.wpm)}
                for w in self.rate
            ],
            "median_wpm": _r1(self.median_wpm),
            "pitch": {
                "median_hz": _r1(self.pitch_hz),
                "span_st": _r1(self.pitch_span_st),
                "within_st": _r1(self.pitch_within_st),
                "between_st": _r1(self.pitch_between_st),
                "monotone": self.monotone,
            },
            "loudness": {"median_db": _r1(self.loudness_db), "span_db": _r1(self.loudness_span_db)},
            "stretches": [
                {"kind": s.kind, "start": _r(s.start), "end": _r(s.end), "value": round(s.value, 2)}
                for s in self.stretches
            ],
            "notes": list(self.notes),
        }


def delivery_report(
    samples: Sequence[ProsodySample],
    words: Sequence[Word],
    pauses: Sequence[Pause],
    *,
    duration_s: float,
    window_s: float = 60.0,
    options: DeliveryOptions = DeliveryOptions(),
) -> Delivery:
    """Judge the delivery of one session from its prosody samples, words and pauses.

    ``samples`` are in time order (as :func:`coach.prosody.measure_prosody`
    gives them, chunk after chunk); ``window_s`` is the length of the windows
    the rate and the silences are measured over (the last one may be shorter).
    """
    windows = _windows(duration_s, window_s)
    rate = rate_windows(words, pauses, windows, min_talk_s=options.min_talk_share * window_s)
    rated = [w.wpm for w in rate if w.wpm is not None]
    median_wpm = _median(rated) if rated else None
    pitch = pitch_summary(samples, min_voiced_s=options.min_voiced_s)
    monotone = pitch is not None and pitch.span_st < options.monotone_span_st
    loud = [(s.loudness_db, s.duration) for s in samples if s.duration > 0]
    loudness = _weighted_percentile(loud, 50) if loud else None
    loudness_span = _weighted_percentile(loud, 90) - _weighted_percentile(loud, 10) if loud else None

    stretches = []
    if median_wpm is not None and len(rated) >= options.min_rate_windows:
        stretches += rate_stretches(rate, median_wpm, rushed=options.rushed_ratio, slow=options.slow_ratio)
    stretches += silent_stretches(pauses, windows, long_pause_s=options.long_pause_s, share=options.silent_share)
    if loudness is not None:
        stretches += quiet_stretches(samples, loudness - options.quiet_db, min_s=options.min_quiet_s, median_db=loudness)
    stretches.sort(key=lambda s: (s.start, s.kind))

    notes = _notes(pitch, monotone, median_wpm, stretches, options)
    return Delivery(
        rate=tuple(rate),
        median_wpm=median_wpm,
        pitch_hz=pitch.median_hz if pitch else None,
        pitch_span_st=pitch.span_st if pitch else None,
        pitch_within_st=pitch.within_st if pitch else None,
        pitch_between_st=pitch.between_st if pitch else None,
        monotone=monotone,
        loudness_db=loudness,
        loudness_span_db=loudness_span,
        stretches=tuple(stretches),
        notes=tuple(notes),
    )


def rate_windows(
    words: Sequence[Word],
    pauses: Sequence[Pause],
    windows: Sequence[tuple[float, float]],
    *,
    min_talk_s: float = 15.0,
) -> list[RateWindow]:
    """Words per minute of talking time in each ``(start, end)`` window.

    A word belongs to the window holding its midpoint. Pauses are taken out
    of the talking time (they are judged as silences, not as slow speech),
    and so is the time before the first word and after the last.
    """
    if not words:
        return [RateWindow(lo, hi, 0, 0.0, None) for lo, hi in windows]
    first, last = words[0].start, words[-1].end
    result = []
    for lo, hi in windows:
        count = sum(lo <= (w.start + w.end) / 2 < hi for w in words)
        talk = _overlap(lo, hi, first, last) - sum(_overlap(lo, hi, p.start, p.end) for p in pauses)
        talk = max(0.0, talk)
        wpm = count / (talk / 60.0) if talk >= min_talk_s else None
        result.append(RateWindow(lo, hi, count, talk, wpm))
    return result


def rate_stretches(rate: Sequence[RateWindow], median_wpm: float, *, rushed: float = 1.3, slow: float = 0.7) -> list[Stretch]:
    """Runs of windows faster than ``rushed`` or slower than ``slow`` times ``median_wpm``.

    Neighbouring windows of the same kind join into one stretch whose value
    is their overall rate.
    """
    def kind(w: RateWindow) -> str | None:
        if w.wpm is None:
            return None
        if w.wpm > rushed * median_wpm:
            return "rushed"
        if w.wpm < slow * median_wpm:
            return "slow"
        return None

    stretches = []
    run: list[RateWindow] = []
    for window in [*rate, None]:
        this = kind(window) if window is not None else None
        if run and this != kind(run[-1]):
            words, talk = sum(w.words for w in run), sum(w.talk_s for w in run)
            stretches.append(Stretch(kind(run[-1]), run[0].start, run[-1].end, words / (talk / 60.0)))
            run = []
        if this is not None:
            run.append(window)
    return stretches


def silent_stretches(
    pauses: Sequence[Pause],
    windows: Sequence[tuple[float, float]],
    *,
    long_pause_s: float = 2.0,
    share: float = 0.4,
) -> list[Stretch]:
    """Runs of windows where at least ``share`` of the time went in pauses of ``long_pause_s`` or more."""
    long_pauses = [p for p in pauses if p.duration >= long_pause_s]
    stretches = []
    run: list[tuple[float, float, float]] = []  # (start, end, paused seconds)
    for window in [*windows, None]:
        silent = None
        if window is not None:
            lo, hi = window
            paused = sum(_overlap(lo, hi, p.start, p.end) for p in long_pauses)
            if hi > lo and paused / (hi - lo) >= share:
                silent = (lo, hi, paused)
        if silent is not None:
            run.append(silent)
            continue
        if run:
            span = run[-1][1] - run[0][0]
            stretches.append(Stretch("silent", run[0][0], run[-1][1], sum(r[2] for r in run) / span))
            run = []
    return stretches


def quiet_stretches(samples: Sequence[ProsodySample], below_db: float, *, min_s: float = 1.0, median_db: float) -> list[Stretch]:
    """Runs of consecutive samples quieter than ``below_db``, at least ``min_s`` of speech long.

    The value is how far below ``median_db`` the run was, from its total
    power (so one near-silent breath does not dominate it).
    """
    stretches = []
    run: list[ProsodySample] = []
    for sample in [*samples, None]:
        if sample is not None and sample.loudness_db < below_db:
            run.append(sample)
            continue
        speech = sum(s.duration for s in run)
        if run and speech >= min_s:
            power = sum(10 ** (s.loudness_db / 10) * s.duration for s in run) / speech
            stretches.append(Stretch("quiet", run[0].start, run[-1].end, median_db - 10 * math.log10(power)))
        run = []
    return stretches


@dataclass(frozen=True, slots=True)
class PitchSummary:
    median_hz: float
    span_st: float
    within_st: float
    between_st: float


def pitch_summary(samples: Sequence[ProsodySample], *, min_voiced_s: float = 10.0) -> PitchSummary | None:
    """Session pitch from per-region medians and spans, weighted by voiced time; None if too little voicing.

    The span is that of all voiced frames pooled, estimated from the samples:
    each region is taken as a normal distribution (in semitones) with the
    region's median and a deviation of its 10-90 span / 2.56, and the 10th
    and 90th percentiles of the weighted mixture are found. So a flat voice
    that changes register between regions, and a lively voice in one
    register, both count as varied, while only a voice flat in both is
    monotone.
    """
    voiced = [s for s in samples if s.pitch_hz is not None and s.pitch_spread_st is not None and s.voiced_s > 0]
    total = sum(s.voiced_s for s in voiced)
    if total < min_voiced_s or not voiced:
        return None
    parts = [(12 * math.log2(s.pitch_hz), max(s.pitch_spread_st, 0.01) / SPAN_PER_SIGMA, s.voiced_s / total) for s in voiced]
    p10, p50, p90 = (_mixture_quantile(parts, q) for q in (0.1, 0.5, 0.9))
    medians = [(12 * math.log2(s.pitch_hz), s.voiced_s) for s in voiced]
    return PitchSummary(
        median_hz=2 ** (p50 / 12),
        span_st=p90 - p10,
        within_st=_weighted_percentile([(s.pitch_spread_st, s.voiced_s) for s in voiced], 50),
        between_st=_weighted_percentile(medians, 90) - _weighted_percentile(medians, 10),
    )


def _mixture_quantile(parts: Sequence[tuple[float, float, float]], q: float) -> float:
    """The ``q`` quantile of a mixture of normals given as (mean, deviation, weight), by bisection."""
    lo = min(m - 6 * s for m, s, _ in parts)
    hi = max(m + 6 * s for m, s, _ in parts)
    for _ in range(60):
        mid = (lo + hi) / 2
        cdf = sum(w * 0.5 * (1 + math.erf((mid - m) / (s * math.sqrt(2)))) for m, s, w in parts)
        lo, hi = (mid, hi) if cdf < q else (lo, mid)
    return (lo + hi) / 2


def _notes(pitch: PitchSummary | None, monotone: bool, median_wpm: float | None, stretches: Sequence[Stretch], options: DeliveryOptions) -> list[str]:
    notes = []
    if pitch is None:
        notes.append("too little voiced speech to judge pitch")
    elif monotone:
        notes.append(
            f"pitch varied over only {pitch.span_st:.1f} semitones: a monotone delivery "
            f"(lively speech spans {options.monotone_span_st:g} or more); stress key words and let questions rise"
        )
    else:
        notes.append(f"pitch varied over {pitch.span_st:.1f} semitones: not monotone")
    for kind in ("rushed", "slow", "silent", "quiet"):
        found = [s for s in stretches if s.kind == kind]
        for s in found[: options.max_notes_each]:
            notes.append(_note(s, median_wpm))
        if len(found) > options.max_notes_each:
            notes.append(f"... and {len(found) - options.max_notes_each} more {kind} stretches")
    return notes


def _note(s: Stretch, median_wpm: float | None) -> str:
    when = f"{clock(s.start)}-{clock(s.end)}"
    if s.kind in ("rushed", "slow"):
        return f"{when} was {s.kind}: {s.value:.0f} words/min against your median {median_wpm:.0f}"
    if s.kind == "silent":
        return f"{when} went quiet: {s.value:.0%} of it in long pauses"
    return f"{when} was quiet: {s.value:.0f} dB below your usual level (mumbling?)"


def _windows(duration_s: float, window_s: float) -> list[tuple[float, float]]:
    if window_s <= 0:
        raise ConfigError(f"window_s must be positive, not {window_s}")
    count = max(1, math.ceil(duration_s / window_s - 1e-9))
    return [(i * window_s, min(duration_s, (i + 1) * window_s)) for i in range(count)]


def _overlap(lo: float, hi: float, start: float, end: float) -> float:
    return max(0.0, min(hi, end) - max(lo, start))


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _weighted_percentile(pairs: Sequence[tuple[float, float]], q: float) -> float:
    """The ``q``-th percentile (0-100) of values weighted by their second element, interpolated at weight midpoints."""
    ordered = sorted(pairs)
    total = sum(w for _, w in ordered)
    if total <= 0:
        return _median([v for v, _ in ordered])
    target = q / 100 * total
    cumulative = 0.0
    previous = None
    for value, weight in ordered:
        centre = cumulative + weight / 2
        if centre >= target:
            if previous is None:
                return value
            pv, pc = previous
            return pv + (value - pv) * (target - pc) / (centre - pc) if centre > pc else value
        previous = (value, centre)
        cumulative += weight
    return ordered[-1][0]


def _r(seconds: float) -> float:
    return round(seconds, 3)


def _r1(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
