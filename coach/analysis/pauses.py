"""Silences and think-out-loud metrics from speech regions and words.

Pure functions over records: the voice-activity detector's regions are the
clock (Whisper's own word times drift around long silences), the words only
feed the rate.
"""

from __future__ import annotations

from collections.abc import Sequence

from coach.records import Pause, SpeechRegion, Word

PAUSE_RATE_THRESHOLDS_S = (2.0, 5.0, 10.0)
"""Pauses per 10 minutes are counted over each of these lengths."""


def find_pauses(regions: Sequence[SpeechRegion], *, min_pause_s: float = 2.0) -> list[Pause]:
    """Every silence of at least ``min_pause_s`` between two speech regions.

    Silence before the first word and after the last is not a pause: the
    candidate had not started or had finished, which says nothing about
    thinking out loud.
    """
    return [
        Pause(before.end, after.start)
        for before, after in zip(regions, regions[1:])
        if after.start - before.end >= min_pause_s
    ]


def think_aloud_metrics(
    regions: Sequence[SpeechRegion],
    words: Sequence[Word],
    pauses: Sequence[Pause],
    *,
    duration_s: float,
) -> dict:
    """Speaking ratio, rates and pause statistics of one session.

    The *talk span* runs from the first speech to the last; ratios and rates
    are taken over it so that a quiet lead-in or tail does not count against
    the speaker. Returns plain numbers (seconds, words per minute, counts).
    """
    speech_s = sum(r.duration for r in regions)
    span_s = regions[-1].end - regions[0].start if regions else 0.0
    span_min = span_s / 60.0
    speech_min = speech_s / 60.0
    longest = max(pauses, key=lambda p: p.duration, default=None)
    return {
        "duration_s": round(duration_s, 3),
        "speech_s": round(speech_s, 3),
        "talk_span_s": round(span_s, 3),
        "speaking_ratio": round(speech_s / span_s, 4) if span_s else 0.0,
        "word_count": len(words),
        "words_per_minute": round(len(words) / span_min, 1) if span_min else 0.0,
        "articulation_wpm": round(len(words) / speech_min, 1) if speech_min else 0.0,
        "pause_count": len(pauses),
        "total_pause_s": round(sum(p.duration for p in pauses), 3),
        "mean_pause_s": round(sum(p.duration for p in pauses) / len(pauses), 3) if pauses else 0.0,
        "longest_pause_s": round(longest.duration, 3) if longest else 0.0,
        "longest_pause_start": round(longest.start, 3) if longest else None,
        "pauses_per_10_min": {
            f"over_{threshold:g}s": round(
                sum(p.duration >= threshold for p in pauses) / (span_s / 600.0), 2
            ) if span_s else 0.0
            for threshold in PAUSE_RATE_THRESHOLDS_S
        },
        "leading_silence_s": round(regions[0].start, 3) if regions else round(duration_s, 3),
        "trailing_silence_s": round(duration_s - regions[-1].end, 3) if regions else 0.0,
    }


def words_before(words: Sequence[Word], t: float, n: int) -> str:
    """The last ``n`` words said before ``t``, or "(start)".

    By midpoint: Whisper's word ends overrun the VAD's pause boundary by a little.
    """
    picked = [w.text for w in words if (w.start + w.end) / 2 <= t][-n:]
    return " ".join(picked) or "(start)"


def words_after(words: Sequence[Word], t: float, n: int) -> str:
    """The first ``n`` words said after ``t``, or "(end)"."""
    picked = [w.text for w in words if (w.start + w.end) / 2 >= t][:n]
    return " ".join(picked) or "(end)"
