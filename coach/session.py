"""The session document: everything one analysis found, and its JSON form.

The JSON is the contract with the dashboard and other tools, so it is
versioned (``schema``); a reader refuses a schema it does not know.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from coach import __version__
from coach.errors import CoachError
from coach.records import Flag, ModelInfo, Pause, PhaseSpan, SourceInfo, SpeechRegion, VoiceSpan, VoiceSplit, Word

SCHEMA = "coach.session/1"
FEEDBACK_KEYS = ("time_allocation", "flag_counts", "score", "delivery", "coverage", "top_fixes", "phases_from", "live")
"""Top-level keys of the document that hold the interview feedback (see coach.analysis.interview)."""


@dataclass(frozen=True, slots=True)
class Session:
    source: SourceInfo
    model: ModelInfo
    speech: tuple[SpeechRegion, ...]
    pauses: tuple[Pause, ...]
    words: tuple[Word, ...]
    metrics: dict
    voices: VoiceSplit | None = None
    """Who spoke when, when the recording has an interviewer; the analysis coached only the candidate."""
    phases: tuple[PhaseSpan, ...] = ()
    flags: tuple[Flag, ...] = ()
    feedback: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    coach_version: str = __version__

    @property
    def transcript(self) -> str:
        return " ".join(w.text for w in self.words)

    def to_json(self) -> dict:
        return {
            "schema": SCHEMA,
            "coach_version": self.coach_version,
            "source": {
                "path": self.source.path,
                "duration_s": _r(self.source.duration_s),
                "sample_rate": self.source.sample_rate,
                "channels": self.source.channels,
                "codec": self.source.codec,
            },
            "model": asdict(self.model),
            "speech": [{"start": _r(r.start), "end": _r(r.end)} for r in self.speech],
            "pauses": [
                {"start": _r(p.start), "end": _r(p.end), "duration": _r(p.duration)} for p in self.pauses
            ],
            "words": [
                {"start": _r(w.start), "end": _r(w.end), "text": w.text, "probability": round(w.probability, 3)}
                for w in self.words
            ],
            "metrics": self.metrics,
            **({"voices": {
                "separation": self.voices.separation,
                "spans": [{"speaker": v.speaker, "start": _r(v.start), "end": _r(v.end)} for v in self.voices.spans],
            }} if self.voices is not None else {}),
            "phases": [
                {"phase": p.phase, "start": _r(p.start), "end": _r(p.end), "seconds": _r(p.seconds),
                 "speaking_seconds": _r(p.speaking_seconds)}
                for p in self.phases
            ],
            "flags": [
                {"category": f.category, "text": f.text, "start": _r(f.start), "end": _r(f.end)} for f in self.flags
            ],
            **self.feedback,
            "options": self.options,
        }

    @classmethod
    def from_json(cls, doc: dict) -> Session:
        if doc.get("schema") != SCHEMA:
            raise CoachError(f"unsupported session schema {doc.get('schema')!r} (this coach reads {SCHEMA})")
        return cls(
            source=SourceInfo(**doc["source"]),
            model=ModelInfo(**doc["model"]),
            speech=tuple(SpeechRegion(r["start"], r["end"]) for r in doc["speech"]),
            pauses=tuple(Pause(p["start"], p["end"]) for p in doc["pauses"]),
            words=tuple(Word(w["start"], w["end"], w["text"], w["probability"]) for w in doc["words"]),
            metrics=doc["metrics"],
            voices=VoiceSplit(
                tuple(VoiceSpan(v["start"], v["end"], v["speaker"]) for v in doc["voices"]["spans"]),
                doc["voices"]["separation"],
            ) if "voices" in doc else None,
            phases=tuple(
                PhaseSpan(p["phase"], p["start"], p["end"], p.get("speaking_seconds", 0.0)) for p in doc.get("phases", [])
            ),
            flags=tuple(Flag(f["category"], f["text"], f["start"], f["end"]) for f in doc.get("flags", [])),
            feedback={key: doc[key] for key in FEEDBACK_KEYS if key in doc},
            options=doc.get("options", {}),
            coach_version=doc.get("coach_version", ""),
        )

    def write_json(self, path: str | Path) -> None:
        """Write atomically: a crash mid-write never leaves half a document."""
        path = Path(path)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")
        tmp.replace(path)


def _r(seconds: float) -> float:
    return round(seconds, 3)
