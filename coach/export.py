"""Sessions in other tools' formats: subtitles (SRT, WebVTT) and comparable figures (CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict

from coach.records import Word
from coach.session import Session
from coach.store import SessionSummary

MAX_CUE_S = 6.0
MAX_CUE_WORDS = 14
CUE_GAP_S = 0.8
"""A cue ends at a sentence end, after this long a silence, or when it reaches the limits above."""


def cues(words: Sequence[Word]) -> list[tuple[float, float, str]]:
    """Words grouped into subtitle cues: (start, end, text)."""
    out: list[tuple[float, float, str]] = []
    current: list[Word] = []
    for word in words:
        if current and (word.start - current[-1].end >= CUE_GAP_S or word.end - current[0].start > MAX_CUE_S
                        or len(current) >= MAX_CUE_WORDS):
            out.append(_cue(current))
            current = []
        current.append(word)
        if word.text.endswith((".", "?", "!")):
            out.append(_cue(current))
            current = []
    if current:
        out.append(_cue(current))
    return out


def srt(session: Session) -> str:
    blocks = [f"{n}\n{_stamp(a, ',')} --> {_stamp(b, ',')}\n{text}\n"
              for n, (a, b, text) in enumerate(cues(session.words), 1)]
    return "\n".join(blocks)


def vtt(session: Session) -> str:
    blocks = [f"{_stamp(a, '.')} --> {_stamp(b, '.')}\n{text}\n" for a, b, text in cues(session.words)]
    return "WEBVTT\n\n" + "\n".join(blocks)


def metrics_csv(summaries: Sequence[SessionSummary]) -> str:
    """One row per session with the figures a coach compares (tags joined with ';')."""
    buffer = io.StringIO()
    fields = list(SessionSummary.__dataclass_fields__)
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for summary in summaries:
        row = asdict(summary)
        row["tags"] = ";".join(summary.tags)
        writer.writerow(row)
    return buffer.getvalue()


def _cue(words: Sequence[Word]) -> tuple[float, float, str]:
    return words[0].start, words[-1].end, " ".join(w.text for w in words)


def _stamp(seconds: float, separator: str) -> str:
    millis = int(round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"
