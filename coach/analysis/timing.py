"""Time allocation: how long each phase took against the interview plan.

The recommended splits (minutes) come from the domain reference: 45 minutes
as 5/3/10/20/5 plus 2 of buffer, 60 minutes as 5/5/15/25/8 plus 2. A
practice session rarely lasts exactly that, so by default the plan is
scaled to the session's length; ``--plan 45`` or ``--plan 60`` compares
against the absolute budgets instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coach.analysis.phases import PHASES
from coach.errors import ConfigError
from coach.records import PhaseSpan
from coach.timefmt import clock

PLANS: dict[str, dict[str, float]] = {
    "45": {"requirements": 5, "estimation": 3, "high_level_design": 10, "deep_dive": 20, "wrap_up": 5, "buffer": 2},
    "60": {"requirements": 5, "estimation": 5, "high_level_design": 15, "deep_dive": 25, "wrap_up": 8, "buffer": 2},
}
PHASE_NAMES = {
    "requirements": "requirements",
    "estimation": "estimation",
    "high_level_design": "high-level design",
    "deep_dive": "deep dive",
    "wrap_up": "wrap-up",
}
OVER_RATIO = 1.5
"""A phase over 1.5x its budget is called out..."""
UNDER_RATIO = 0.5
"""...and so is one under half of it."""


@dataclass(frozen=True, slots=True)
class PhaseBudget:
    phase: str
    planned_s: float
    actual_s: float
    speaking_s: float

    @property
    def ratio(self) -> float:
        return self.actual_s / self.planned_s if self.planned_s else 0.0

    @property
    def status(self) -> str:
        if self.actual_s == 0:
            return "missing"
        if self.ratio >= OVER_RATIO:
            return "over"
        if self.ratio <= UNDER_RATIO:
            return "under"
        return "ok"


@dataclass(frozen=True, slots=True)
class TimeAllocation:
    plan: str  # "45" or "60"
    scale: float  # planned seconds = plan minutes x 60 x scale (1.0: the plan as written)
    session_s: float
    rows: tuple[PhaseBudget, ...]
    findings: tuple[str, ...]

    def to_json(self) -> dict:
        return {
            "plan": self.plan,
            "scale": round(self.scale, 4),
            "session_s": round(self.session_s, 1),
            "phases": [
                {
                    "phase": r.phase,
                    "planned_s": round(r.planned_s, 1),
                    "actual_s": round(r.actual_s, 1),
                    "speaking_s": round(r.speaking_s, 1),
                    "ratio": round(r.ratio, 2),
                    "status": r.status,
                }
                for r in self.rows
            ],
            "findings": list(self.findings),
        }


def choose_plan(plan: str, session_s: float) -> tuple[str, float]:
    """(plan key, scale) for ``plan`` = "45", "60" or "auto" (the nearer plan, scaled to the session)."""
    if plan in PLANS:
        return plan, 1.0
    if plan != "auto":
        raise ConfigError(f"unknown plan '{plan}': use 45, 60 or auto")
    key = "60" if session_s >= 52.5 * 60 else "45"
    total = sum(PLANS[key].values()) * 60
    return key, (session_s / total if session_s > 0 else 1.0)


def phase_budgets_s(plan: str) -> dict[str, float]:
    """Seconds per phase while a session runs: its length is not known yet, so "auto" is the 45-minute plan."""
    key, _ = choose_plan(plan, 0.0)
    return {phase: PLANS[key][phase] * 60.0 for phase in PHASES}


def allocate_time(phases: Sequence[PhaseSpan], *, session_s: float, plan: str = "auto") -> TimeAllocation:
    """Per phase, the time spent against its budget, and the findings that matter."""
    key, scale = choose_plan(plan, session_s)
    budget = PLANS[key]
    rows = tuple(
        PhaseBudget(
            phase=phase,
            planned_s=budget[phase] * 60 * scale,
            actual_s=sum(s.seconds for s in phases if s.phase == phase),
            speaking_s=sum(s.speaking_seconds for s in phases if s.phase == phase),
        )
        for phase in PHASES
    )
    return TimeAllocation(key, scale, session_s, rows, tuple(_findings(rows, phases)))


def _findings(rows: Sequence[PhaseBudget], phases: Sequence[PhaseSpan]) -> list[str]:
    findings = []
    for row in rows:
        name = PHASE_NAMES[row.phase]
        if row.status == "missing":
            findings.append(f"no {name}" + (" phase" if row.phase in ("requirements", "estimation") else ""))
        elif row.status == "over":
            findings.append(
                f"{name} took {row.ratio:.1f}x its budget ({clock(row.actual_s)} of {clock(row.planned_s)})"
            )
        elif row.status == "under":
            findings.append(
                f"{name} got only {row.ratio:.0%} of its budget ({clock(row.actual_s)} of {clock(row.planned_s)})"
            )
    order = [PHASES.index(s.phase) for s in phases]
    if order and order[0] != 0 and 0 in order:
        findings.append(f"started with {PHASE_NAMES[phases[0].phase]} before clarifying the requirements")
    returns = sum(1 for a, b in zip(order, order[1:]) if b < a)
    if returns:
        findings.append(f"went back to an earlier phase {returns} time{'s' if returns > 1 else ''}")
    return findings
