"""Language flags: what an interviewer would notice in the words.

Each category of ``coach/lexicon/phrases.toml`` is a list of phrase patterns
plus the context rules that words alone cannot express: a choice followed
by "because" is justified, "scalable to 50,000 writes per second" is not a
buzzword, "I don't know" is only *stuck* when silence follows it.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from coach.analysis.text import (Pattern, Sentence, Token, TokenIndex, compile_pattern, expand_vocab, is_question,
                                 sentence_numbers, split_sentences, starts_sentence, tokenize)
from coach.errors import ConfigError
from coach.lexicon import HERE as LEXICON_DIR, read_data
from coach.records import Flag, Pause, PhaseSpan, Word

DEFAULT_LEXICON = LEXICON_DIR / "phrases.toml"

WEAK_CATEGORIES = ("filler", "hedge", "buzzword", "unjustified_choice", "dismissive", "stuck")
STRONG_CATEGORIES = (
    "clarifying_question", "signpost", "think_aloud", "tradeoff", "failure_mode", "scaling", "monitoring", "check_in",
)
CATEGORIES = WEAK_CATEGORIES + STRONG_CATEGORIES
QUOTE_MAX_TOKENS = 20
"""A quoted sentence reaches at most this far either side of the matched words."""
MIN_QUESTION_WORDS = 3
NAMED_AGAIN_WITHIN = 3
NAMED_AGAIN_MIN_LETTERS = 4
"""A sentence that names among its first words a word of a match or of the rest of the match's sentence (of
this many letters or more: "Kafka", not "we") takes the match up again, for :attr:`Guard.next_sentence_opens`."""


@dataclass(frozen=True, slots=True)
class Guard:
    """Patterns looked for within ``before``/``after`` tokens of a match: an ``unless`` guard drops the
    match when one occurs there, a ``when`` group's ``near`` keeps it only then.

    ``inside``: the matched words themselves count too, for words that a pattern's gap may have
    swallowed ("we don't need Kafka" is no choice of Kafka). ``next_sentence``: the window ends with
    the sentence after the match's own, however many words are left of ``after``; with
    ``next_sentence_opens``, only when that sentence refers back to the match: it opens with one of
    these patterns ("It keeps...", "Because...") or, within its first words, names again a word of
    the match or of the rest of its sentence ("We'll use Kafka. Kafka keeps...").
    """

    patterns: tuple[Pattern, ...]
    before: int
    after: int
    same_sentence: bool
    inside: bool = False
    next_sentence: bool = False
    next_sentence_opens: tuple[Pattern, ...] = ()


@dataclass(frozen=True, slots=True)
class CategoryRules:
    name: str
    label: str
    signal: str  # "weak" or "strong"
    patterns: tuple[Pattern, ...]
    guards: tuple[Guard, ...] = ()
    outside: tuple[Pattern, ...] = ()
    """Patterns that count only outside :attr:`outside_phases` ("ten times" is estimation arithmetic there)."""
    outside_phases: tuple[str, ...] = ()
    before_silence: tuple[Pattern, ...] = ()
    """Patterns that count only before a silence, or where the sentence ends ("I don't know.")."""
    conditional: tuple[tuple[Pattern, Guard], ...] = ()
    """Patterns that count only when one of their guard's patterns occurs near them: a "but" weighs a
    trade-off only in a sentence that names a cost or a benefit."""
    pause_after_s: float | None = None
    pause_within_s: float = 0.0
    yields_to: tuple[str, ...] = ()
    questions_in: str | None = None
    """A phase in which every question asked counts for this category, whatever its wording."""
    quote_sentence: bool = True
    """Quote the whole sentence (a question, a trade-off) rather than only the matched words (a filler)."""


@dataclass(frozen=True, slots=True)
class Lexicon:
    categories: dict[str, CategoryRules]
    vocab: dict[str, tuple[str, ...]]
    path: str


def load_lexicon(path: str | Path = DEFAULT_LEXICON) -> Lexicon:
    """Read and compile a phrase file; a malformed one is a :class:`ConfigError` naming the problem."""
    path = Path(path)
    data = read_data(path, "phrase lexicon")
    try:
        vocab = expand_vocab(data.pop("vocab", {}))
    except KeyError as exc:
        raise ConfigError(f"{path}: [vocab]: {exc}") from None
    categories = {}
    for name, spec in data.items():
        if name not in CATEGORIES:
            raise ConfigError(f"{path}: unknown category [{name}] (known: {', '.join(CATEGORIES)})")
        try:
            categories[name] = CategoryRules(
                name=name,
                label=spec.get("label", name.replace("_", " ")),
                signal=spec.get("signal", "weak" if name in WEAK_CATEGORIES else "strong"),
                patterns=tuple(compile_pattern(p, vocab) for p in spec.get("phrases", [])),
                guards=tuple(_guard(guard, "patterns", vocab) for guard in spec.get("unless", [])),
                outside=tuple(compile_pattern(p, vocab) for p in spec.get("phrases_outside", [])),
                outside_phases=tuple(spec.get("outside", [])),
                before_silence=tuple(compile_pattern(p, vocab) for p in spec.get("before_silence", [])),
                conditional=tuple(
                    (compile_pattern(p, vocab), _guard(group, "near", vocab))
                    for group in spec.get("when", []) for p in group["phrases"]
                ),
                pause_after_s=spec.get("pause_after"),
                pause_within_s=float(spec.get("pause_within", 0.0)),
                yields_to=tuple(spec.get("yields_to", [])),
                questions_in=spec.get("questions_in"),
                quote_sentence=spec.get("quote", "sentence") == "sentence",
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise ConfigError(f"{path}: category [{name}]: {exc}") from None
    return Lexicon(categories, vocab, str(path))


def _guard(spec: dict, key: str, vocab: dict[str, tuple[str, ...]]) -> Guard:
    """A :class:`Guard` from its lexicon table, whose patterns are listed under ``key``."""
    return Guard(
        patterns=tuple(compile_pattern(p, vocab) for p in spec[key]),
        before=int(spec.get("before", 0)),
        after=int(spec.get("after", 0)),
        same_sentence=bool(spec.get("same_sentence", False)),
        inside=bool(spec.get("inside", False)),
        next_sentence=bool(spec.get("next_sentence", False)),
        next_sentence_opens=tuple(compile_pattern(p, vocab) for p in spec.get("next_sentence_opens", [])),
    )


def find_flags(
    words: Sequence[Word], pauses: Sequence[Pause], lexicon: Lexicon, phases: Sequence[PhaseSpan] = ()
) -> list[Flag]:
    """Every flag in the transcript, ordered by time.

    Overlapping matches of one category become one flag; a category that
    yields to another (a hedge inside a *stuck* moment) is dropped in the
    sentences where both occur.
    """
    tokens = tokenize(words)
    index = TokenIndex(tokens)
    starts = [t.start for t in tokens]
    sentences = split_sentences(tokens)
    sentence_of = sentence_numbers(sentences, len(tokens))
    spans: dict[str, list[tuple[int, int]]] = {}
    for rules in lexicon.categories.values():
        found = []
        excluded = [p for p in phases if p.phase in rules.outside_phases]
        kinds = ([(p, "anywhere", None) for p in rules.patterns] + [(p, "outside", None) for p in rules.outside]
                 + [(p, "before_silence", None) for p in rules.before_silence]
                 + [(p, "when", near) for p, near in rules.conditional])
        for pattern, kind, near in kinds:
            needs_silence = kind == "before_silence"
            for first, end in pattern.find(tokens, index):
                # "I don't know." and then a long silence is being stuck, whatever approach comes after the silence
                silence = _silence_after(tokens[end - 1].end, pauses, rules) if needs_silence else None
                heard = tokens if silence is None else tokens[: bisect.bisect_left(starts, silence.start, lo=end)]
                if _occurs_near(heard, first, end, rules.guards):
                    continue
                if near is not None and not _occurs_near(tokens, first, end, (near,)):
                    continue
                if kind == "outside" and any(p.start <= tokens[first].start < p.end for p in excluded):
                    continue
                if needs_silence and not (silence or _sentence_closes(tokens, end, rules.pause_within_s)):
                    continue
                found.append((first, end))
        if rules.questions_in:
            found += _questions_in(tokens, sentences, [p for p in phases if p.phase == rules.questions_in])
        spans[rules.name] = _merge(found)
    flags: set[Flag] = set()
    for name, found in spans.items():
        # yielding is decided per sentence: "Failures aren't really a problem" is dismissive, not failure handling
        rival_sentences = {
            sentence_of[first] for other in lexicon.categories[name].yields_to for first, _ in spans.get(other, ())
        }
        quoted = set()  # sentences quoted already: a second match in a long one would quote it again, cut elsewhere
        for first, end in found:
            if sentence_of[first] in rival_sentences:
                continue
            if lexicon.categories[name].quote_sentence:
                if sentence_of[first] in quoted:
                    continue
                quoted.add(sentence_of[first])
                first, end = _sentence_bounds(tokens, first, end, max(0, first - QUOTE_MAX_TOKENS),
                                              min(len(tokens), end + QUOTE_MAX_TOKENS))
            flags.add(_flag(name, tokens, words, first, end))  # a set: two matches may quote one sentence
    return sorted(flags, key=lambda f: (f.start, f.category))


def _occurs_near(tokens: Sequence[Token], first: int, end: int, guards: Sequence[Guard]) -> bool:
    """Does a pattern of one of ``guards`` occur within its window around the match [first, end)?"""
    for guard in guards:
        lo, hi = max(0, first - guard.before), min(len(tokens), end + guard.after)
        if guard.same_sentence:
            lo, hi = _sentence_bounds(tokens, first, end, lo, hi)
        elif guard.next_sentence:
            own_start, own_end = _sentence_bounds(tokens, first, end, lo, hi)
            if own_end < hi and _refers_back(tokens, own_start, own_end, guard.next_sentence_opens):
                _, hi = _sentence_bounds(tokens, own_end, own_end + 1, own_end, hi)
            else:
                hi = min(hi, own_end)
        for pattern in guard.patterns:
            for i in range(lo, hi):
                if first <= i < end and not guard.inside:
                    continue
                stop = pattern.match_at(tokens, i)
                if stop is not None and (guard.inside or not (i < end and stop > first)):
                    return True
    return False


def _refers_back(tokens: Sequence[Token], first: int, end: int, opens: Sequence[Pattern]) -> bool:
    """Does the sentence starting at ``end`` take up tokens [first, end)? Always, when no ``opens`` are
    given; else when it opens with one of them or soon names one of those tokens' words again."""
    if not opens or any(p.match_at(tokens, end) is not None for p in opens):
        return True
    named = {t.text for t in tokens[first:end] if len(t.text) >= NAMED_AGAIN_MIN_LETTERS}
    return any(t.text in named for t in tokens[end : end + NAMED_AGAIN_WITHIN])


def _sentence_bounds(tokens: Sequence[Token], first: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    """The sentence around tokens [first, end), within [lo, hi): it ends at punctuation or at a pause."""
    start = first
    while start > lo and not starts_sentence(tokens, start, lead_ins=False):
        start -= 1
    stop = end
    while stop < hi and not starts_sentence(tokens, stop, lead_ins=False):
        stop += 1
    return start, stop


def _silence_after(t: float, pauses: Sequence[Pause], rules: CategoryRules) -> Pause | None:
    """The first silence of at least ``pause_after`` seconds that starts within ``pause_within`` of ``t``."""
    if rules.pause_after_s is None:
        return None
    return next((p for p in pauses if p.duration >= rules.pause_after_s and t - 0.5 <= p.start <= t + rules.pause_within_s),
                None)


def _questions_in(tokens: Sequence[Token], sentences: Sequence[Sentence], spans: Sequence[PhaseSpan]):
    """Token spans of the questions asked inside the given phase spans."""
    found = []
    for s in sentences:
        sentence = tokens[s.first : s.end]
        # "okay?" or "right?" is a tag at the end of a thought, not a question about the problem
        if len(sentence) >= MIN_QUESTION_WORDS and is_question(sentence) and any(
                p.start <= s.start_s < p.end for p in spans):
            found.append((s.first, s.end))
    return found


def _sentence_closes(tokens: Sequence[Token], end: int, within_s: float) -> bool:
    """Does the speaker stop soon after ``end`` (the sentence ends) rather than carry on with a thought?"""
    i = end - 1
    while i + 1 < len(tokens) and not tokens[i].sentence_end and tokens[i + 1].start - tokens[end - 1].end <= within_s:
        i += 1
    return tokens[i].sentence_end or i + 1 == len(tokens)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for first, end in sorted(spans):
        if merged and first < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([first, end])
    return [(a, b) for a, b in merged]


def _flag(category: str, tokens: Sequence[Token], words: Sequence[Word], first: int, end: int) -> Flag:
    w_first, w_last = tokens[first].word, tokens[end - 1].word
    text = " ".join(w.text for w in words[w_first : w_last + 1]).strip(" ,.;:")
    return Flag(category=category, text=text, start=words[w_first].start, end=words[w_last].end)
