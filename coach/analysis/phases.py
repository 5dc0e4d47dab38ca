"""Interview phases from what was said, or from the user's own marks.

Each sentence gets evidence for each phase from cue phrases (``coach/lexicon/
phases.toml``): announcements ("let me do the back of the envelope math")
count most, topic words less, numbers point at estimation and questions at
requirements. A Viterbi decoder then picks the phase sequence that best
explains the evidence while paying for every change of phase (and more for
going back), so a short digression does not shatter a phase into slivers but
a real return to requirements, announced or sustained, is kept. The decoder
weighs whole stays in a phase, so a first stay far shorter than the plan gives
that phase (eight seconds of design in a six-minute session) costs extra:
one early deep-dive word does not end the design. A phase is
taken to begin where it is announced: the first arrival at a phase earns a
bonus in a sentence that announces it (or signposts anything at all), so an
earlier sentence that merely touches its topic does not start it, and what
pointed at it before its announcement weighs less.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coach.analysis.text import Pattern, Sentence, Token, TokenIndex, compile_pattern, is_question, split_sentences, tokenize
from coach.errors import ConfigError
from coach.lexicon import HERE as LEXICON_DIR, read_data
from coach.records import Flag, PhaseSpan, SpeechRegion, Word

PHASES = ("requirements", "estimation", "high_level_design", "deep_dive", "wrap_up")
DEFAULT_CUES = LEXICON_DIR / "phases.toml"


@dataclass(frozen=True, slots=True)
class DecoderOptions:
    switch: float = 2.0
    """Cost (in evidence points) of changing phase."""
    backward: float = 3.0
    """Extra cost per phase stepped back; a return to requirements costs one step from anywhere,
    because realising that something was never clarified is the one return real candidates make
    (a quick calculation inside a deep dive is not a return to estimation)."""
    skip: float = 1.0
    """Extra cost per phase jumped over when going forward."""
    design_skip: float = 4.0
    """Extra cost of going on to the deep dive or the wrap-up before the high-level design was ever reached.
    A candidate may skip the estimate, but the deep dive comes after some design: a key-value store's design
    is said in deep-dive words (the ring, replicas, consistent hashing), which are no reason to skip it."""
    announce_weight: float = 4.0
    """Evidence of one announcement ("let's do the back of the envelope math")."""
    announce_arrival: float = 8.0
    """Bonus for first arriving at a phase in a sentence that announces it (see :func:`decode_phases`)."""
    cue_weight: float = 1.0
    """Evidence of one topic word."""
    number_weight: float = 0.5
    """Evidence for estimation per number said..."""
    number_cap: float = 1.5
    """...up to this much per sentence: requirements answers quote numbers too."""
    question_weight: float = 2.0
    """Evidence for requirements of a sentence that ends in a question mark."""
    position_weight: float = 0.25
    """Weight of the prior that phases follow the plan's order in time (see :func:`position_prior`)."""
    min_span_s: float = 12.0
    """Spans shorter than this without an announcement are folded into a neighbour."""
    short_share: float = 0.5
    """A phase's first stay shorter than this share of its planned time..."""
    short_weight: float = 3.0
    """...costs this much per e-fold it falls short (see :func:`_stay_cost`)."""
    long_share: float = 1.5
    """A phase's first stay longer than this multiple of its planned time..."""
    long_weight: float = 2.0
    """...costs this much per e-fold it runs over (see :func:`_stay_cost`): a weak candidate does overrun,
    but a design that swallows the whole session is more often a deep dive said in plain words."""
    late_share: float = 0.7
    """``announce_late`` words announce their phase only after this share of the session (see :class:`PhaseCues`)."""
    within_reach_s: float = 30.0
    """An ``announce_within`` said late begins its phase at the latest there, or up to this long before."""
    before_announced: float = 0.5
    """A phase's evidence before the candidate first announces it counts this share (see :func:`sentence_evidence`)."""


@dataclass(frozen=True, slots=True)
class PhaseCues:
    announce: dict[str, tuple[Pattern, ...]]
    announce_within: dict[str, tuple[Pattern, ...]]
    """Announcements said inside a phase rather than where it begins ("if I had more time" follows the summary);
    late in the session (see :attr:`DecoderOptions.late_share`) a phase not yet reached begins there at the latest."""
    announce_late: dict[str, tuple[Pattern, ...]]
    """Announcements only late in a session: "That's it." ends the interview there, but mid-session it as often
    ends a thought ("...loses signal right after. That's it, the trip is stuck")."""
    cues: dict[str, tuple[Pattern, ...]]
    weak_cues: dict[str, tuple[Pattern, ...]]
    flag_evidence: dict[str, dict[str, float]]
    """Per flag category, the evidence one such flag gives each phase (failure handling -> deep dive)."""
    flag_arrival: dict[str, float]
    """Per flag category, the bonus for first arriving at any phase in a sentence with such a flag (a signpost)."""
    returns: tuple[Pattern, ...]
    """Words that make an announcement a return ("back to the boxes"): no first arrival's bonus."""
    decoder: DecoderOptions


def load_phase_cues(path: str | Path = DEFAULT_CUES) -> PhaseCues:
    path = Path(path)
    data = read_data(path, "phase cues")
    vocab = data.pop("vocab", {})
    flag_evidence = data.pop("flag_evidence", {})
    flag_arrival = data.pop("flag_arrival", {})
    returns = data.pop("returns", [])
    try:
        decoder = DecoderOptions(**data.pop("decoder", {}))
    except TypeError as exc:
        raise ConfigError(f"{path}: [decoder]: {exc}") from None
    for category, weights in flag_evidence.items():
        if set(weights) - set(PHASES):
            raise ConfigError(f"{path}: [flag_evidence] {category}: unknown phase in {sorted(weights)}")
    unknown = set(data) - set(PHASES)
    if unknown:
        raise ConfigError(f"{path}: unknown phase(s) {', '.join(sorted(unknown))} (known: {', '.join(PHASES)})")
    return PhaseCues(
        # An announcement weighs as much as four topic words and places a phase's start: a one-word one
        # ("sizing") must be heard as said, not as a near-miss ("song").
        announce={p: tuple(compile_pattern(s, vocab) for s in data.get(p, {}).get("announce", [])) for p in PHASES},
        announce_within={p: tuple(compile_pattern(s, vocab) for s in data.get(p, {}).get("announce_within", []))
                         for p in PHASES},
        announce_late={p: tuple(compile_pattern(s, vocab) for s in data.get(p, {}).get("announce_late", []))
                       for p in PHASES},
        cues={p: tuple(compile_pattern(s, vocab, loose=True) for s in data.get(p, {}).get("cues", [])) for p in PHASES},
        weak_cues={p: tuple(compile_pattern(s, vocab, loose=True) for s in data.get(p, {}).get("weak_cues", [])) for p in PHASES},
        flag_evidence={c: {p: float(w) for p, w in weights.items()} for c, weights in flag_evidence.items()},
        flag_arrival={c: float(w) for c, w in flag_arrival.items()},
        returns=tuple(compile_pattern(s, vocab) for s in returns),
        decoder=decoder,
    )


@dataclass(frozen=True, slots=True)
class Evidence:
    points: np.ndarray
    """Shape=(n_sentences, 5): how strongly each sentence points at each phase."""
    arrival: np.ndarray
    """Shape=(n_sentences, 5): the bonus for first arriving at each phase in each sentence."""


def sentence_evidence(tokens: Sequence[Token], sentences: Sequence[Sentence], cues: PhaseCues,
                      flags: Sequence[Flag] = (), interviewer_words: Collection[int] = frozenset(),
                      duration_s: float | None = None) -> Evidence:
    """What each sentence says about the phase it is in, and about a phase beginning there.

    ``interviewer_words``: the indices of the words the interviewer said. The numbers in their
    sentences ("two thousand symbols, a few hundred members") answer the candidate's questions;
    they are no estimate. ``duration_s``: the session's length, which places the late
    announcements (:attr:`PhaseCues.announce_late`); without it they count anywhere.
    """
    index = TokenIndex(tokens)
    evidence = np.zeros((len(sentences), len(PHASES)))
    arrival = np.zeros((len(sentences), len(PHASES)))
    owner = np.zeros(len(tokens), dtype=int)
    for n, s in enumerate(sentences):
        owner[s.first : s.end] = n
    # "Should I dig into conflicts next?" proposes the next phase: the phase begins when the answer
    # has been given, so an announcement asked as a question weighs as one topic word, and it is the
    # sentence after it that may start the phase, with half the bonus (the answer may be no).
    asks = [is_question(tokens[s.first : s.end]) for s in sentences]
    # "So, back to the boxes" announces a phase already reached: it is that phase's evidence, but no path may be
    # paid for first reaching the phase there (which would favour a path that had not been in it before)
    goes_back = np.zeros(len(sentences), dtype=bool)
    for pattern in cues.returns:
        for first, _ in pattern.find(tokens, index):
            goes_back[owner[first]] = True
    late_from = cues.decoder.late_share * duration_s if duration_s else 0.0
    starts = [s.start_s for s in sentences]
    first_announced = np.full(len(PHASES), len(sentences))  # the sentence each phase is first announced in, if it is
    for p, phase in enumerate(PHASES):
        weighted = (
            (cues.decoder.cue_weight, cues.cues[phase]),
            (cues.decoder.cue_weight / 2, cues.weak_cues[phase]),
        )
        for weight, patterns in weighted:
            for pattern in patterns:
                for first, _ in pattern.find(tokens, index):
                    evidence[owner[first], p] += weight
        # (announcements, where they count from, where they may begin their phase from, how long before they
        # may begin it): one said inside its phase ("if I had more time ...") begins it only late in the session,
        # where it can have begun no later, and may have begun a little before (the summary, then "if I had more time")
        reach = cues.decoder.within_reach_s
        for patterns, from_s, opens_from, reach_s in (
                (cues.announce[phase], 0.0, 0.0, 0.0),
                (cues.announce_within[phase], 0.0, late_from if duration_s else np.inf, reach),
                (cues.announce_late[phase], late_from, late_from, 0.0)):
            for pattern in patterns:
                for first, _ in pattern.find(tokens, index):
                    n = owner[first]
                    if sentences[n].start_s < from_s:
                        continue
                    evidence[n, p] += cues.decoder.cue_weight if asks[n] else cues.decoder.announce_weight
                    starts_at = n + 1 if asks[n] else n
                    if sentences[n].start_s >= opens_from and starts_at < len(sentences) and not goes_back[n]:
                        bonus = cues.decoder.announce_arrival / (2 if asks[n] else 1)
                        since = bisect.bisect_left(starts, sentences[n].start_s - reach_s) if reach_s else starts_at
                        arrival[since : starts_at + 1, p] = np.maximum(arrival[since : starts_at + 1, p], bonus)
                        first_announced[p] = min(first_announced[p], since)
    estimation, requirements = PHASES.index("estimation"), PHASES.index("requirements")
    # "Is that the kind of thing you wanted?" asks for a nod, not about the problem: a check-in is no requirement question
    checks_in = {max(0, bisect.bisect_right(starts, f.start) - 1) for f in flags if f.category == "check_in"}
    for n, s in enumerate(sentences):
        sentence = tokens[s.first : s.end]
        theirs = sum(t.word in interviewer_words for t in sentence)
        numbers = 0 if 2 * theirs > len(sentence) else sum(t.is_number for t in sentence)
        evidence[n, estimation] += min(cues.decoder.number_cap, cues.decoder.number_weight * numbers)
        if is_question(sentence) and n not in checks_in:
            evidence[n, requirements] += cues.decoder.question_weight
    for flag in flags:
        n = max(0, bisect.bisect_right(starts, flag.start) - 1)
        for phase, weight in cues.flag_evidence.get(flag.category, {}).items():
            evidence[n, PHASES.index(phase)] += weight
        arrival[n] = np.maximum(arrival[n], cues.flag_arrival.get(flag.category, 0.0))
    # A phase the candidate announces begins there: its words said before are said on the way ("consistent hashing"
    # is a key-value store's design, until "shall I go deeper on conflicts?"; the numbers a requirements answer
    # quotes are no estimate). Not the requirements, which interviews open with unannounced; nor a phase never
    # announced, which its words are all there is to find.
    for p in range(requirements + 1, len(PHASES)):
        if first_announced[p] < len(sentences):
            evidence[: first_announced[p], p] *= cues.decoder.before_announced
    return Evidence(evidence, arrival)


PLAN_SHARES = (5, 3, 10, 20, 5)
"""The 45-minute plan's minutes per phase; the 60-minute plan has nearly the same shape."""


def position_prior(sentences: Sequence[Sentence], duration_s: float) -> np.ndarray:
    """Log prior, shape=(n_sentences, 5), that a sentence at this point of the session is in each phase.

    The phase the plan schedules at that moment gets most of the mass, its
    neighbours some, the rest a little: a candidate who jumps ahead is
    still found from what they say, but an ambiguous stretch leans towards
    the plan.
    """
    bounds = np.cumsum((0,) + PLAN_SHARES) / sum(PLAN_SHARES)
    prior = np.zeros((len(sentences), len(PHASES)))
    for n, s in enumerate(sentences):
        r = ((s.start_s + s.end_s) / 2) / duration_s if duration_s > 0 else 0.0
        planned = int(np.clip(np.searchsorted(bounds, r, side="right") - 1, 0, len(PHASES) - 1))
        distance = np.abs(np.arange(len(PHASES)) - planned)
        prior[n] = np.log(np.choose(np.minimum(distance, 2), (0.6, 0.15, 0.05)))
    return prior


def decode_phases(evidence: np.ndarray, options: DecoderOptions, arrival: np.ndarray | None = None,
                  bounds_s: np.ndarray | None = None, planned_s: np.ndarray | None = None,
                  ongoing: bool = False) -> list[int]:
    """The phase index of each sentence: the best segmentation under evidence minus switching costs.

    A path also earns ``arrival[i, p]`` where it reaches phase p for the first time, at sentence i:
    only the first arrival, or a recap in the wrap-up could step back into the deep dive and
    return to collect the wrap-up's bonus again. Stepping back costs extra only as a return: a
    candidate who opened with the design and then asks their first requirement question has not
    gone back to requirements, they have reached them late. The decoder's state is therefore
    (current phase, furthest phase reached, which of requirements and estimation were reached), and a
    first arrival is a step beyond the furthest, or requirements reached late ("I skipped the questions",
    after a minute of boxes: that the opening was the design is what the announcement says), or
    estimation reached late. The estimate first reached after the design still costs what a return
    does, but earns its announcement: "let me put numbers on it" after the questions that followed
    an opening design begins the estimate, and the opening stays the design.

    Given the sentences' time bounds (``bounds_s``, one more than the sentences) and each phase's
    planned seconds, a phase's first stay costs more the shorter it falls below
    ``short_share`` of its plan (see :func:`_stay_cost`): a high-level design of 8 s in a
    six-minute session is a deep-dive word said early, not a phase. A first stay talked far past
    ``long_share`` of its plan costs too, more gently: where the design's words run on for four
    times its time with the deep dive's words among them, the later part is the deep dive said in
    plain words. A return (a late question, a recap) may be as short as it likes, and so may the
    last stay of a session still ``ongoing`` (live practice): it has not ended. The decoder is
    semi-Markov, over whole stays: O(n^2) in the number of sentences.
    """
    n, k = evidence.shape
    if n == 0:
        return []
    arrival = np.zeros_like(evidence) if arrival is None else arrival
    estimation, design = PHASES.index("estimation"), PHASES.index("high_level_design")
    # seen: a bit per opening phase (requirements, estimation) the path has been in, either of which may be
    # reached late; only phases up to the furthest can have been seen
    phase, furthest, seen = (a.ravel() for a in np.meshgrid(np.arange(k), np.arange(k), np.arange(4), indexing="ij"))
    bit = np.where(phase < design, 1 << phase, 0)
    valid = (phase <= furthest) & ((bit == 0) | ((seen & bit) != 0)) & (seen < (2 << np.minimum(furthest, estimation)))
    stepped_back = phase[None, :] < phase[:, None]
    reached_before = (bit[None, :] == 0) | ((seen[:, None] & bit[None, :]) != 0)
    returning = stepped_back & (reached_before | (phase[None, :] == estimation))
    back_steps = np.where(phase[None, :] == 0, 1, phase[:, None] - phase[None, :])
    forward_skips = np.maximum(phase[None, :] - phase[:, None] - 1, 0)
    design_skipped = (furthest[:, None] < design) & (phase[None, :] > design)
    cost = (options.switch + np.where(returning, options.backward * back_steps, 0.0) + options.skip * forward_skips
            + options.design_skip * design_skipped)
    follows = (valid[:, None] & valid[None, :] & (phase[None, :] != phase[:, None])
               & (furthest[None, :] == np.maximum(furthest[:, None], phase[None, :]))
               & (seen[None, :] == (seen[:, None] | bit[None, :])))
    first_arrival = (phase[None, :] > furthest[:, None]) | ~reached_before
    transition = {first: np.where(follows & (first_arrival == first), -cost, -np.inf) for first in (True, False)}
    total = np.vstack([np.zeros(k), np.cumsum(evidence, axis=0)])[:, phase]  # (n + 1, states)
    timed = bounds_s is not None and planned_s is not None
    if timed:
        # spoken_until[j, p]: where the last sentence before j that points at phase p ends (a stay's overrun
        # is counted to there: talk that points nowhere is not held against the phase it drifts in)
        spoken_until = np.maximum.accumulate(
            np.vstack([np.full(k, -np.inf), np.where(evidence > 0, bounds_s[1:, None], -np.inf)]), axis=0)
    # enter[first][i, s]: best score of a path whose stay in state s begins at sentence i, by a first arrival or not
    enter = {first: np.full((n, len(phase)), -np.inf) for first in (True, False)}
    # Starting anywhere but requirements costs a little: most interviews open there.
    starts = valid & (phase == furthest) & (seen == bit)
    enter[True][0] = np.where(starts, arrival[0, phase] - np.where(phase == 0, 0.0, options.switch / 3), -np.inf)
    best = np.full((n + 1, len(phase)), -np.inf)  # best[j, s]: best score of a path whose stay in s ends before j
    began = np.zeros((n + 1, len(phase)), dtype=int)
    came_from = {first: np.zeros((n, len(phase)), dtype=int) for first in (True, False)}
    by_first = np.zeros((n + 1, len(phase)), dtype=bool)
    for j in range(1, n + 1):
        stays = {first: enter[first][:j] - total[:j] + total[j] for first in (True, False)}
        if timed and not (ongoing and j == n):
            stays[True] -= _stay_cost(bounds_s[j] - bounds_s[:j], spoken_until[j, phase][None, :] - bounds_s[:j, None],
                                      planned_s[phase], options)
        for first in (True, False):
            # of equal stays the latest begun: sentences that say nothing stay in the phase before
            i = j - 1 - np.argmax(stays[first][::-1], axis=0)
            score = stays[first][i, np.arange(len(phase))]
            better = score > best[j]
            best[j] = np.where(better, score, best[j])
            began[j] = np.where(better, i, began[j])
            by_first[j] = np.where(better, first, by_first[j])
        if j < n:
            for first in (True, False):
                moves = best[j][:, None] + transition[first]
                came_from[first][j] = np.argmax(moves, axis=0)
                enter[first][j] = moves[came_from[first][j], np.arange(len(phase))]
                if first:
                    enter[first][j] += arrival[j, phase]
    stays_backwards = []
    j, state = n, int(np.argmax(best[n]))
    while j > 0:
        i, first = int(began[j, state]), bool(by_first[j, state])
        stays_backwards.append([int(phase[state])] * (j - i))
        if i > 0:
            state = int(came_from[first][i, state])
        j = i
    return [label for stay in reversed(stays_backwards) for label in stay]


def _stay_cost(lengths_s: np.ndarray, spoken_s: np.ndarray, planned_s: np.ndarray, options: DecoderOptions) -> np.ndarray:
    """cost[i, s]: the cost of a first stay of ``lengths_s[i]`` seconds in a phase planned for ``planned_s[s]``,
    whose talk that points at the phase spans ``spoken_s[i, s]`` seconds from its start."""
    shortfall = options.short_share * planned_s[None, :] / np.maximum(lengths_s, 1.0)[:, None]
    overrun = spoken_s / np.maximum(options.long_share * planned_s[None, :], 1.0)
    return (options.short_weight * np.log(np.maximum(shortfall, 1.0))
            + options.long_weight * np.log(np.maximum(overrun, 1.0)))


def find_phases(
    words: Sequence[Word],
    speech: Sequence[SpeechRegion],
    *,
    duration_s: float,
    cues: PhaseCues,
    flags: Sequence[Flag] = (),
    interviewer_words: Collection[int] = frozenset(),
    ongoing: bool = False,
) -> list[PhaseSpan]:
    """Contiguous phase spans covering the session, found from the words (and the language flags in them).

    ``interviewer_words``: the indices of the words the interviewer said, when the recording has one.
    ``ongoing``: the session is still being recorded (live practice), so its last phase has not ended.
    """
    tokens = tokenize(words)
    sentences = split_sentences(tokens)
    if not sentences:
        return []
    found = sentence_evidence(tokens, sentences, cues, flags, interviewer_words, duration_s)
    # The plan's order settles what a sentence's words leave open; a sentence that points at no phase
    # stays in the phase around it, wherever the plan would be by then.
    points_somewhere = found.points.sum(axis=1, keepdims=True) > 0
    evidence = found.points + cues.decoder.position_weight * position_prior(sentences, duration_s) * points_somewhere
    bounds_s = np.array([s.start_s for s in sentences] + [max(duration_s, sentences[-1].end_s)])
    planned_s = np.array(PLAN_SHARES) / sum(PLAN_SHARES) * duration_s
    labels = decode_phases(evidence, cues.decoder, found.arrival, bounds_s, planned_s, ongoing)
    labels = _fold_short_spans(labels, sentences, found.points, evidence, cues.decoder)
    starts = [0.0]
    names = [PHASES[labels[0]]]
    for i in range(1, len(sentences)):
        if labels[i] != labels[i - 1]:
            starts.append(sentences[i].start_s)
            names.append(PHASES[labels[i]])
    return _spans(names, starts, duration_s, speech)


def _fold_short_spans(labels: list[int], sentences: Sequence[Sentence], points: np.ndarray, evidence: np.ndarray,
                      options: DecoderOptions) -> list[int]:
    """Give a short, weakly evidenced span to the neighbour that explains its sentences best.

    A span survives when it is long enough, or when what was said in it (``points``, before the
    plan's prior is added) adds up to at least one announcement's worth: three requirement
    questions in a row are a requirements phase, however quickly asked, and so is a closing
    "that's pretty much it" whatever the plan expected there.
    """
    labels = list(labels)
    changed = True
    while changed:
        changed = False
        runs = _runs(labels)
        for r, (lo, hi) in enumerate(runs):
            length = sentences[hi - 1].end_s - sentences[lo].start_s
            phase = labels[lo]
            supported = points[lo:hi, phase].sum() >= options.announce_weight
            if length >= options.min_span_s or supported or len(runs) == 1:
                continue
            neighbours = [labels[runs[r - 1][0]]] if r > 0 else []
            neighbours += [labels[runs[r + 1][0]]] if r + 1 < len(runs) else []
            best = max(neighbours, key=lambda q: evidence[lo:hi, q].sum())
            labels[lo:hi] = [best] * (hi - lo)
            changed = True
            break
    return labels


def _runs(labels: Sequence[int]) -> list[tuple[int, int]]:
    runs, lo = [], 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[lo]:
            runs.append((lo, i))
            lo = i
    return runs


def phases_from_marks(marks: Sequence[tuple[float, str]], *, duration_s: float,
                      speech: Sequence[SpeechRegion]) -> list[PhaseSpan]:
    """Spans from the user's own marks: each phase runs from its mark to the next."""
    ordered = sorted(marks)
    for at, phase in ordered:
        if phase not in PHASES:
            raise ConfigError(f"unknown phase '{phase}' in the marks (use {', '.join(PHASES)})")
        if not 0 <= at <= duration_s:
            raise ConfigError(f"mark {phase} at {at:.0f} s is outside the recording (0-{duration_s:.0f} s)")
    names = [phase for _, phase in ordered]
    starts = [at for at, _ in ordered]
    return _spans(names, starts, duration_s, speech)


def parse_moment(text: str) -> float:
    """Seconds from ``h:mm:ss``, ``m:ss`` or plain seconds."""
    parts = text.strip().split(":")
    try:
        if not 1 <= len(parts) <= 3 or any(not p.strip() for p in parts):
            raise ValueError
        seconds = 0.0
        for part in parts:
            seconds = seconds * 60 + float(part)
    except ValueError:
        raise ConfigError(f"cannot read the time '{text.strip()}': write m:ss, h:mm:ss or seconds") from None
    if seconds < 0:
        raise ConfigError(f"a time cannot be negative: '{text.strip()}'")
    return seconds


def parse_marks(text: str) -> list[tuple[float, str]]:
    """``0:00=requirements,5:10=estimation`` (commas or new lines; m:ss, h:mm:ss or seconds)."""
    marks = []
    for item in re.split(r"[,\n]", text):
        if not item.strip() or item.strip().startswith("#"):
            continue
        moment, _, phase = item.partition("=")
        try:
            if not phase.strip():
                raise ConfigError("no phase")
            marks.append((parse_moment(moment), phase.strip()))
        except ConfigError:
            raise ConfigError(
                f"cannot read the mark '{item.strip()}': write it as m:ss=phase, e.g. 5:10=estimation"
            ) from None
    if not marks:
        raise ConfigError("the marks are empty")
    return marks


def _spans(names: Sequence[str], starts: Sequence[float], duration_s: float,
           speech: Sequence[SpeechRegion]) -> list[PhaseSpan]:
    spans = []
    for i, (name, start) in enumerate(zip(names, starts)):
        end = starts[i + 1] if i + 1 < len(starts) else max(duration_s, start)
        if spans and spans[-1].phase == name:
            start = spans.pop().start
        speaking = sum(max(0.0, min(r.end, end) - max(r.start, start)) for r in speech)
        spans.append(PhaseSpan(name, round(start, 3), round(end, 3), round(speaking, 3)))
    return spans
