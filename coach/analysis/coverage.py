"""Coverage: did the candidate raise each requirements dimension, and each key point of the problem?

Two checklists live in ``coach/lexicon/coverage.toml``:

* FIRED, the five dimensions of the requirements (Functional, Interface,
  Resilience, Estimation, Deployment). Only what is said while clarifying
  counts: the requirements phase(s), or, when no requirements phase was
  found, the first :data:`FALLBACK_SHARE` of the session (a candidate who
  skipped the phase may still have asked in passing). A dimension first
  raised in the deep dive was not clarified up front.
* the key points of a named common problem ("rate-limiter": token bucket,
  distributed counters in Redis, fail open vs closed), checked over the
  whole session.

An item is covered when one of its phrase patterns matches; the sentences
that matched are kept as evidence, so a coach can see *why* it was counted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from coach.analysis.text import Pattern, Token, TokenIndex, compile_pattern, sentence_numbers, split_sentences, tokenize
from coach.errors import ConfigError
from coach.lexicon import HERE as LEXICON_DIR, read_data
from coach.records import Evidence, PhaseSpan, Word

DEFAULT_COVERAGE = LEXICON_DIR / "coverage.toml"

FIRED = ("functional", "interface", "resilience", "estimation", "deployment")
REQUIREMENTS_PHASE = "requirements"
FALLBACK_SHARE = 0.2
"""Without a requirements phase, the FIRED check reads this share of the session from its start."""
MAX_EVIDENCE = 3
"""Sentences quoted per item, the earliest first."""

SCOPE_PHASE = "requirements phase"
SCOPE_FALLBACK = f"first {FALLBACK_SHARE:.0%} of the session (no requirements phase found)"
SCOPE_SESSION = "whole session"


@dataclass(frozen=True, slots=True)
class CoverageItem:
    """One checklist item (a FIRED dimension or a key point) and whether it was covered."""

    id: str  # "functional", "short_url_generation"
    label: str
    covered: bool
    evidence: tuple[Evidence, ...]  # at most MAX_EVIDENCE, in time order
    scope: str = SCOPE_SESSION
    """Which stretch of the session was read: SCOPE_PHASE, SCOPE_FALLBACK or SCOPE_SESSION."""
    hint: str = ""
    """What the item asks about (the FIRED ``asks`` line), for a report to show when it is missing."""


@dataclass(frozen=True, slots=True)
class CheckItem:
    """A compiled checklist entry: a match of ``patterns`` covers it unless ``unless`` matches in that sentence."""

    id: str
    label: str
    hint: str
    patterns: tuple[Pattern, ...]
    unless: tuple[Pattern, ...] = ()


@dataclass(frozen=True, slots=True)
class Problem:
    id: str  # "rate-limiter"
    title: str
    aliases: tuple[str, ...]
    points: tuple[CheckItem, ...]


@dataclass(frozen=True, slots=True)
class CoverageLexicon:
    fired: tuple[CheckItem, ...]  # in FIRED order
    problems: dict[str, Problem]
    path: str


def load_coverage(path: str | Path = DEFAULT_COVERAGE) -> CoverageLexicon:
    """Read and compile a coverage file; a malformed one is a :class:`ConfigError` naming the problem."""
    path = Path(path)
    data = read_data(path, "coverage lexicon")
    vocab = data.pop("vocab", {})
    if not isinstance(vocab, dict):
        raise ConfigError(f"{path}: [vocab] must be a table of lists")
    unknown = set(data) - {"fired", "problems", "set_aside"}
    if unknown:
        raise ConfigError(f"{path}: unknown section(s) {', '.join(sorted(unknown))} "
                          "(known: fired, problems, set_aside, vocab)")
    set_aside = _table(data.get("set_aside", {}), f"{path}: [set_aside]").get("phrases", [])
    if not isinstance(set_aside, list) or not all(isinstance(p, str) for p in set_aside):
        raise ConfigError(f"{path}: [set_aside] phrases must be a list of strings")

    fired_spec = _table(data.get("fired", {}), f"{path}: [fired]")
    missing, extra = set(FIRED) - set(fired_spec), set(fired_spec) - set(FIRED)
    if missing or extra:
        raise ConfigError(
            f"{path}: [fired] must have exactly {', '.join(FIRED)}"
            + (f"; missing {', '.join(sorted(missing))}" if missing else "")
            + (f"; unknown {', '.join(sorted(extra))}" if extra else "")
        )
    fired = tuple(_item(name, fired_spec[name], vocab, f"{path}: [fired.{name}]", hint_key="asks") for name in FIRED)

    problems: dict[str, Problem] = {}
    names: dict[str, str] = {}  # normalised id, title or alias -> problem id
    for pid, spec in _table(data.get("problems", {}), f"{path}: [problems]").items():
        where = f"{path}: [problems.{pid}]"
        spec = _table(spec, where)
        points_spec = spec.get("points", [])
        if not isinstance(points_spec, list) or not points_spec:
            raise ConfigError(f"{where}: needs at least one [[problems.{pid}.points]]")
        points = []
        for n, point in enumerate(points_spec, 1):
            point = _table(point, f"{where} point {n}")
            label = _text(point, "label", f"{where} point {n}")
            # a key point only named to be set aside ("I don't know about analytics") is not covered
            point = {**point, "unless": [*point.get("unless", []), *set_aside]}
            points.append(_item(point.get("id", _slug(label)), point, vocab, f"{where} point {n} ({label})"))
        ids = [p.id for p in points]
        if len(set(ids)) != len(ids):
            shared = sorted({i for i in ids if ids.count(i) > 1})
            raise ConfigError(f"{where}: two points share an id ({', '.join(shared)})")
        aliases = spec.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ConfigError(f"{where}: aliases must be a list of strings")
        problem = Problem(pid, _text(spec, "title", where), tuple(aliases), tuple(points))
        for name in {pid, problem.title, *problem.aliases}:
            key = _normalise(name)
            if names.get(key, pid) != pid:
                raise ConfigError(f"{where}: the name {name!r} is also a name of [problems.{names[key]}]")
            names[key] = pid
        problems[pid] = problem
    return CoverageLexicon(fired, problems, str(path))


def find_problem(name: str, lexicon: CoverageLexicon) -> str:
    """The id of the problem called ``name``: its id, title or an alias; case, spaces, ``-`` and ``_`` ignored.

    "Rate Limiter", "rate_limiter" and "ratelimiter" all give "rate-limiter".
    """
    key = _normalise(name)
    for pid, problem in lexicon.problems.items():
        if key and key in {_normalise(n) for n in (pid, problem.title, *problem.aliases)}:
            return pid
    raise ConfigError(f"unknown problem {name!r} (known: {', '.join(lexicon.problems)})")


def fired_coverage(
    words: Sequence[Word],
    phases: Sequence[PhaseSpan],
    lexicon: CoverageLexicon,
    *,
    duration_s: float | None = None,
) -> list[CoverageItem]:
    """The five FIRED dimensions, each covered or not by what was said while clarifying requirements.

    A match counts when its first word starts inside a requirements span of
    ``phases``; with no such span, inside the first :data:`FALLBACK_SHARE`
    of the session (``duration_s`` seconds long, by default the end of the
    last word). Each item's ``scope`` says which rule was used.
    """
    windows = [(p.start, p.end) for p in phases if p.phase == REQUIREMENTS_PHASE and p.end > p.start]
    scope = SCOPE_PHASE
    if not windows:
        total = duration_s if duration_s is not None else (words[-1].end if words else 0.0)
        windows, scope = [(0.0, FALLBACK_SHARE * total)], SCOPE_FALLBACK
    return _check(lexicon.fired, words, windows, scope)


def problem_coverage(problem_id: str, words: Sequence[Word], lexicon: CoverageLexicon) -> list[CoverageItem]:
    """The key points of problem ``problem_id`` (an id of the lexicon), each covered or not over the whole session."""
    if problem_id not in lexicon.problems:
        raise ConfigError(f"unknown problem {problem_id!r} (known: {', '.join(lexicon.problems)})")
    return _check(lexicon.problems[problem_id].points, words, None, SCOPE_SESSION)


def _check(
    items: Sequence[CheckItem],
    words: Sequence[Word],
    windows: Sequence[tuple[float, float]] | None,
    scope: str,
) -> list[CoverageItem]:
    tokens = tokenize(words)
    index = TokenIndex(tokens)
    sentences = split_sentences(tokens)
    sentence_of = sentence_numbers(sentences, len(tokens))
    results = []
    for item in items:
        hits: set[int] = set()  # sentences that cover the item
        for pattern in item.patterns:
            for first, _ in pattern.find(tokens, index):
                if windows is not None and not any(lo <= tokens[first].start < hi for lo, hi in windows):
                    continue
                n = sentence_of[first]
                if n in hits or _vetoed(tokens, sentences[n].first, sentences[n].end, item.unless):
                    continue
                hits.add(n)
        evidence = tuple(
            _evidence(words, tokens, sentences[n].first, sentences[n].end) for n in sorted(hits)[:MAX_EVIDENCE]
        )
        results.append(CoverageItem(item.id, item.label, bool(hits), evidence, scope, item.hint))
    return results


def _vetoed(tokens: Sequence[Token], first: int, end: int, unless: Sequence[Pattern]) -> bool:
    sentence = tokens[first:end]
    return any(next(pattern.find(sentence), None) is not None for pattern in unless)


def _evidence(words: Sequence[Word], tokens: Sequence[Token], first: int, end: int) -> Evidence:
    w_first, w_last = tokens[first].word, tokens[end - 1].word
    text = " ".join(w.text.strip() for w in words[w_first : w_last + 1]).strip()
    return Evidence(text=text, start=words[w_first].start, end=words[w_last].end)


def _item(item_id: str, spec: Mapping, vocab: Mapping, where: str, hint_key: str = "hint") -> CheckItem:
    phrases, unless = spec.get("phrases", []), spec.get("unless", [])
    for name, value in (("phrases", phrases), ("unless", unless)):
        if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
            raise ConfigError(f"{where}: {name} must be a list of strings")
    if not phrases:
        raise ConfigError(f"{where}: needs at least one phrase")
    if not isinstance(item_id, str) or not item_id:
        raise ConfigError(f"{where}: id must be a non-empty string")
    hint = spec.get(hint_key, "")
    if not isinstance(hint, str):
        raise ConfigError(f"{where}: {hint_key} must be a string")
    try:
        return CheckItem(
            id=item_id,
            label=_text(spec, "label", where) if "label" in spec else item_id.replace("_", " ").capitalize(),
            hint=hint,
            patterns=tuple(compile_pattern(p, vocab) for p in phrases),
            unless=tuple(compile_pattern(p, vocab) for p in unless),
        )
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _table(value: object, where: str) -> dict:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table")
    return value


def _text(spec: Mapping, key: str, where: str) -> str:
    value = spec.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: needs a {key} (a non-empty string)")
    return value


def _slug(label: str) -> str:
    """"Short URL generation" -> "short_url_generation"."""
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


def _normalise(name: str) -> str:
    """"Rate Limiter", "rate_limiter", "rate-limiter" -> "ratelimiter"."""
    return re.sub(r"[^a-z0-9]+", "", name.lower())
