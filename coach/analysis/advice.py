"""The few things to fix first, each with the moments it happened.

Every finding of the analysis is a candidate (a long silence, a skipped
phase, choices without reasons...); each gets a weight from what it costs
the candidate (rubric points lost, think-out-loud points lost, how far over
budget) and the heaviest three are the advice. Pure over the session's
records and findings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coach.analysis.pauses import words_before
from coach.analysis.score import counted
from coach.analysis.timing import PHASE_NAMES
from coach.records import Evidence, Flag, Pause, PhaseSpan, Word
from coach.timefmt import clock

MAX_MOMENTS = 3


@dataclass(frozen=True, slots=True)
class Fix:
    title: str
    why: str
    moments: tuple[Evidence, ...]
    weight: float

    def to_json(self) -> dict:
        return {
            "title": self.title,
            "why": self.why,
            "weight": round(self.weight, 2),
            "moments": [{"text": m.text, "start": round(m.start, 2), "end": round(m.end, 2)} for m in self.moments],
        }


def top_fixes(
    *,
    words: Sequence[Word],
    pauses: Sequence[Pause],
    phases: Sequence[PhaseSpan],
    flags: Sequence[Flag],
    allocation: dict,
    score: dict,
    delivery: dict,
    count: int = 3,
) -> list[Fix]:
    """The ``count`` heaviest fixes, heaviest first."""
    items = {item["id"]: item for item in score["items"]}
    lost = {key: item["max_points"] - item["points"] for key, item in items.items()}
    by = {}
    for flag in flags:
        by.setdefault(flag.category, []).append(flag)
    candidates = [
        _silences(words, pauses),
        _stuck(by.get("stuck", [])),
        _requirements(phases, by, lost["requirements"]),
        _estimation(lost["estimation"], phases),
        _time(allocation, phases, lost["time"]),
        _reasons(by.get("unjustified_choice", []), lost["tradeoffs"]),
        _tradeoffs(by.get("tradeoff", []), lost["tradeoffs"]),
        _failures(by.get("failure_mode", []), lost["failures"], phases),
        _depth(lost["depth"], phases),
        _buzzwords(by.get("buzzword", [])),
        _dismissive(by.get("dismissive", [])),
        _hedges(by.get("hedge", []) + by.get("filler", []), words),
        _monotone(delivery),
    ]
    found = sorted((c for c in candidates if c is not None and c.weight > 0), key=lambda c: -c.weight)
    return found[:count]


def _silences(words: Sequence[Word], pauses: Sequence[Pause]) -> Fix | None:
    long = sorted((p for p in pauses if p.duration >= 5.0), key=lambda p: -p.duration)
    if not long:
        return None
    moments = tuple(
        Evidence(f"{p.duration:.0f} s of silence after “{words_before(words, p.start, 6)}”", p.start, p.end)
        for p in sorted(long[:MAX_MOMENTS], key=lambda p: p.start)
    )
    total = sum(p.duration for p in long)
    what = (f"A {long[0].duration:.0f} s silence" if len(long) == 1 else
            f"{len(long)} silences of 5 s or more ({total:.0f} s in all, the longest {long[0].duration:.0f} s)")
    return Fix(
        "Think out loud through the silences",
        f"{what}. An interviewer can't follow reasoning they can't hear: say what you are "
        "weighing (\"I'm deciding between X and Y because...\") even when you are unsure.",
        moments,
        weight=2.0 * len([p for p in long if p.duration >= 10]) + len(long),
    )


def _stuck(stuck: Sequence[Flag]) -> Fix | None:
    if not stuck:
        return None
    return Fix(
        "When you don't know, say how you would find out",
        "You stopped at \"I don't know\". Follow it with an approach: \"I don't know offhand, but I'd start "
        "by...\" keeps the interview moving and shows how you think.",
        _moments(stuck),
        weight=3.0 * len(stuck),
    )


def _requirements(phases: Sequence[PhaseSpan], by: dict, lost: float) -> Fix | None:
    questions = by.get("clarifying_question", [])
    design = next((p for p in phases if p.phase in ("high_level_design", "deep_dive")), None)
    first_requirements = next((p for p in phases if p.phase == "requirements"), None)
    jumped = design is not None and (first_requirements is None or design.start < first_requirements.start)
    if lost < 2 and not jumped:
        return None
    moments = (Evidence(f"started on the {PHASE_NAMES[design.phase]}", design.start, design.start),) if jumped else ()
    moments += _moments(questions)[: MAX_MOMENTS - len(moments)]
    return Fix(
        "Clarify the requirements before designing",
        (f"{'You went straight into the design' if jumped else 'The requirements phase was thin'} "
         f"and asked {counted(len(questions), 'clarifying question')}. Spend the first "
         "minutes on features, users, scale, latency and consistency (FIRED) before drawing anything."),
        moments,
        weight=lost + (3 if jumped else 0),
    )


def _estimation(lost: float, phases: Sequence[PhaseSpan]) -> Fix | None:
    if lost < 3:
        return None
    return Fix(
        "Estimate the scale out loud",
        "There was little or no back-of-the-envelope estimation. Turn users into requests per second and "
        "storage per year before choosing components: the numbers justify the design.",
        (),
        weight=lost,
    )


def _time(allocation: dict, phases: Sequence[PhaseSpan], lost: float) -> Fix | None:
    problems = [r for r in allocation["phases"] if r["status"] in ("over", "missing")]
    if not problems or lost < 2:
        return None
    moments = tuple(
        Evidence(f"the {PHASE_NAMES[p.phase]}, {clock(p.start)} to {clock(p.end)}", p.start, p.end)
        for p in phases
        if any(r["phase"] == p.phase and r["status"] == "over" for r in problems)
    )[:MAX_MOMENTS]
    return Fix(
        "Manage the clock",
        "; ".join(allocation["findings"]).capitalize() + ". Check the time at each phase change and move on "
        "when a phase has had its share.",
        moments,
        weight=lost,
    )


def _reasons(unjustified: Sequence[Flag], lost: float) -> Fix | None:
    if not unjustified:
        return None
    return Fix(
        "Give a reason for every choice",
        f"{len(unjustified)} component{'s were' if len(unjustified) > 1 else ' was'} named without a reason or an "
        "alternative. Say why, and what you did not pick: \"PostgreSQL over DynamoDB, because we need "
        "transactions across rows\".",
        _moments(unjustified),
        weight=1.5 * len(unjustified) + lost / 4,
    )


def _tradeoffs(tradeoffs: Sequence[Flag], lost: float) -> Fix | None:
    if tradeoffs or lost < 5:
        return None
    return Fix(
        "Name the trade-offs",
        "No trade-off was discussed. For each decision, state one alternative and what it would cost or buy.",
        (),
        weight=lost / 2,
    )


def _failures(failures: Sequence[Flag], lost: float, phases: Sequence[PhaseSpan]) -> Fix | None:
    if lost < 3:
        return None
    return Fix(
        "Talk about what breaks",
        f"{'No failure case was' if not failures else 'Only one failure case was'} discussed. Pick the component "
        "that matters most and say what happens when it fails, and how the design copes.",
        _moments(failures),
        weight=lost,
    )


def _depth(lost: float, phases: Sequence[PhaseSpan]) -> Fix | None:
    if lost < 5:
        return None
    return Fix(
        "Go deep on two or three areas",
        "The deep dive was short or missing. After the overview, pick the hardest parts and work through their "
        "data model, algorithms and failure cases.",
        (),
        weight=lost / 2,
    )


def _buzzwords(buzzwords: Sequence[Flag]) -> Fix | None:
    if not buzzwords:
        return None
    return Fix(
        "Back every quality claim with a number or a mechanism",
        f"\"Scalable\", \"robust\" and the like came up {len(buzzwords)} time{'s' if len(buzzwords) > 1 else ''} "
        "with nothing behind them. Say how: \"three replicas across zones\", \"50,000 writes per second\".",
        _moments(buzzwords),
        weight=1.0 * len(buzzwords),
    )


def _dismissive(dismissive: Sequence[Flag]) -> Fix | None:
    if not dismissive:
        return None
    return Fix(
        "Explain, don't dismiss",
        "Calling a part obvious or unimportant skips the reasoning the interviewer wants to hear.",
        _moments(dismissive),
        weight=1.5 * len(dismissive),
    )


def _hedges(softeners: Sequence[Flag], words: Sequence[Word]) -> Fix | None:
    if not words:
        return None
    per_100 = 100 * len(softeners) / len(words)
    if per_100 < 3:
        return None
    return Fix(
        "Cut the hedges and fillers",
        f"{len(softeners)} hedges and fillers, {per_100:.1f} per 100 words. State decisions plainly; a short "
        "pause is better than \"um\" or \"I guess\".",
        _moments(softeners),
        weight=per_100 / 2,
    )


def _monotone(delivery: dict) -> Fix | None:
    pitch = delivery.get("pitch", {})
    if not pitch.get("monotone"):
        return None
    return Fix(
        "Vary your voice",
        f"Your pitch moved over only {pitch['span_st']:.1f} semitones. Stress the key numbers and decisions; "
        "a flat delivery makes good content sound unsure.",
        (),
        weight=1.5,
    )


def _moments(flags: Sequence[Flag]) -> tuple[Evidence, ...]:
    """The first few flags as quotations of what was said."""
    return tuple(Evidence(f"“{_shorten(f.text)}”", f.start, f.end)
                 for f in sorted(flags, key=lambda f: f.start)[:MAX_MOMENTS])


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
