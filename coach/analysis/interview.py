"""From a transcript with pauses to interview feedback: phases, flags, time, score.

One entry point, :func:`analyze_interview`, pure over the session's records,
so a stored session can be re-analysed with another plan, problem or lexicon
without touching the audio.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from coach.analysis.advice import top_fixes
from coach.analysis.coverage import (DEFAULT_COVERAGE, CoverageItem, find_problem, fired_coverage, load_coverage,
                                     problem_coverage)
from coach.analysis.delivery import DeliveryOptions, delivery_report
from coach.analysis.flags import DEFAULT_LEXICON, find_flags, load_lexicon
from coach.analysis.phases import DEFAULT_CUES, find_phases, load_phase_cues, phases_from_marks
from coach.analysis.score import score_session
from coach.analysis.timing import allocate_time
from coach.prosody import ProsodySample
from coach.records import Flag, Pause, PhaseSpan, SpeechRegion, Word


@dataclass(frozen=True, slots=True)
class InterviewOptions:
    plan: str = "auto"
    """"45", "60", or "auto": the nearer plan scaled to the session's length."""
    marks: tuple[tuple[float, str], ...] = ()
    """The user's own phase marks (seconds, phase); when given they replace the detected phases."""
    problem: str | None = None
    """A common problem ("rate-limiter", "URL shortener"), to check its key points."""
    lexicon: str = str(DEFAULT_LEXICON)
    phase_cues: str = str(DEFAULT_CUES)
    coverage: str = str(DEFAULT_COVERAGE)
    delivery: DeliveryOptions = field(default_factory=DeliveryOptions)


@dataclass(frozen=True, slots=True)
class InterviewAnalysis:
    phases: tuple[PhaseSpan, ...]
    flags: tuple[Flag, ...]
    feedback: dict
    """JSON-ready findings: time_allocation, score, flag_counts, and (when measured) delivery and coverage."""


def analyze_interview(
    *,
    words: Sequence[Word],
    conversation: Sequence[Word] | None = None,
    speech: Sequence[SpeechRegion],
    pauses: Sequence[Pause],
    duration_s: float,
    talk_span_s: float,
    prosody: Sequence[ProsodySample] = (),
    options: InterviewOptions = InterviewOptions(),
) -> InterviewAnalysis:
    """Feedback on the candidate's ``words``, ``speech`` and ``prosody``.

    ``conversation``: everyone's words, the interviewer's too, when the recording has one; they place
    the phases, and only the candidate's words are flagged and scored. None: ``words`` are all there is.
    """
    lexicon = load_lexicon(Path(options.lexicon))
    coverage_lexicon = load_coverage(Path(options.coverage))
    problem = find_problem(options.problem, coverage_lexicon) if options.problem else None
    if options.marks:
        phases = phases_from_marks(options.marks, duration_s=duration_s, speech=speech)
    else:
        # What was said (failure handling, clarifying questions) says where in the interview it was said;
        # the flags are found again once the phases are known, for the ones that depend on the phase.
        # The interviewer's words count here: "let's go deeper on the ledger" moves the interview on.
        everyone = words if conversation is None else conversation
        candidate_words = set(words)
        phases = find_phases(everyone, speech, duration_s=duration_s, cues=load_phase_cues(Path(options.phase_cues)),
                             flags=find_flags(everyone, pauses, lexicon),
                             interviewer_words={i for i, w in enumerate(everyone) if w not in candidate_words})
    flags = find_flags(words, pauses, lexicon, phases)
    session_s = talk_span_s or duration_s
    allocation = allocate_time(phases, session_s=session_s, plan=options.plan)
    score = score_session(
        words=words,
        pauses=pauses,
        phases=phases,
        flags=flags,
        allocation=allocation,
        components=lexicon.vocab.get("tech", ()),
        part_kinds=lexicon.vocab.get("part_kind", ()),
        talk_span_s=session_s,
    )
    counts = {name: sum(f.category == name for f in flags) for name in lexicon.categories}
    delivery = delivery_report(prosody, words, pauses, duration_s=duration_s, options=options.delivery)
    coverage = {
        "fired": [_item_json(i) for i in fired_coverage(words, phases, coverage_lexicon, duration_s=duration_s)],
        "problem": problem,
        "key_points": [_item_json(i) for i in problem_coverage(problem, words, coverage_lexicon)] if problem else [],
    }
    feedback = {
        "phases_from": "marks" if options.marks else "transcript",
        "time_allocation": allocation.to_json(),
        "flag_counts": counts,
        "score": score.to_json(),
        "delivery": delivery.to_json(),
        "coverage": coverage,
    }
    fixes = top_fixes(words=words, pauses=pauses, phases=phases, flags=flags, allocation=feedback["time_allocation"],
                      score=feedback["score"], delivery=feedback["delivery"])
    feedback["top_fixes"] = [fix.to_json() for fix in fixes]
    return InterviewAnalysis(tuple(phases), tuple(flags), feedback)


def _item_json(item: CoverageItem) -> dict:
    return {
        "id": item.id,
        "label": item.label,
        "covered": item.covered,
        "scope": item.scope,
        "hint": item.hint,
        "evidence": [{"text": e.text, "start": round(e.start, 2), "end": round(e.end, 2)} for e in item.evidence],
    }
