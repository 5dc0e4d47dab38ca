"""Would a small learned sentence classifier, beside the phrase lexicon, find more of the tagged phrases?

Every mock interview's script (bench/out and ../shared/audio/mock) becomes labelled sentences: each
utterance's text split at . ? !, a sentence labelled with the categories of the tagged phrases whose
text overlaps it (none: a negative). Scored at the sentence level, with leave-one-file-out
cross-validation (train on every file but one, predict that one):

(a) the lexicon alone, run on the clean script text (words spread evenly over each utterance's
    time, the way tests/words.py builds them) through the whole word analysis, phases included.
    The lexicon was tuned on these very scripts, the blind ones too once they had been scored, so
    (a) is what it does on text it has seen: for a new author's wording it is an upper bound;
(b) the classifier alone: per category, a logistic regression with L2 over lower-cased word
    unigrams and bigrams (and, with --char-ngrams, character 4-grams of words, which survive
    a recogniser's misspellings better);
(c) lexicon OR classifier.

The probability threshold of (b) and of (c) is chosen per category inside the training files only
(out-of-fold predictions of an inner cross-validation over them), never on the held-out file: the
lowest threshold at which what the classifier flags, beyond what the lexicon flags already for (c),
is right at --min-precision there; the classifier stays silent in a category where no threshold is.

A second table sweeps fixed thresholds over the held-out probabilities, to show what the
classifier could add at best whatever rule picked its threshold.

    python bench/eval_classifier.py [--char-ngrams] [--min-precision 0.8] [-v]
    python bench/eval_classifier.py --lexicon OLD.toml --phase-cues OLD.toml --score-only s13 s14

The second form asks the question for new authors: the lexicon as it was before a blind pair of
scripts was scored (``git show COMMIT:coach/lexicon/phrases.toml``), scored on that pair only; the
classifier still learns from every other file.

Only the semantic categories are learned; the lexical ones (filler, hedge ...) stay lexicon-only.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from coach.analysis.flags import STRONG_CATEGORIES  # noqa: E402
from coach.analysis.interview import InterviewOptions, analyze_interview  # noqa: E402
from coach.records import Pause, SpeechRegion, Word  # noqa: E402
from eval_analysis import utterance_words  # noqa: E402

SHARED_MOCK = REPO.parent / "shared" / "audio" / "mock"
OURS = REPO / "bench" / "out"
LEARNED = STRONG_CATEGORIES
"""Categories the classifier learns: the ones said in a personal style, which a phrase list misses."""
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
_WORD = re.compile(r"[^\w']+")
MIN_FILES = 2
"""A feature is kept only when it occurs in this many training files: one author's pet phrase teaches nothing."""
INNER_FOLDS = 3
"""Groups of training files for the inner cross-validation that picks the thresholds (few, to stay fast)."""
L2 = 1e-4
ITERATIONS = 300
THRESHOLDS = np.round(np.arange(0.05, 0.96, 0.05), 2)
SWEEP = (0.2, 0.3, 0.5, 0.7)


@dataclass(frozen=True, slots=True)
class LabelledSentence:
    file: str
    text: str
    labels: frozenset[str]
    """Categories of the tagged phrases that overlap the sentence."""
    lexicon: frozenset[str]
    """Categories the lexicon flags in the sentence, on the clean script text."""


def labelled_sentences(truth_path: Path, options: InterviewOptions) -> list[LabelledSentence]:
    """The script's sentences, with the truth's categories and the lexicon's flags for each."""
    truth = json.loads(truth_path.read_text())
    words: list[Word] = []
    spans = []  # per sentence: (utterance, text, start of first word, end of last word, character range in utterance)
    for utterance in truth["utterances"]:
        said = utterance_words(utterance)
        offset, n_word = 0, 0
        for text in _SENTENCE_END.split(utterance["text"].strip()):
            first = utterance["text"].index(text, offset)
            offset = first + len(text)
            n = len(text.split())
            spans.append((utterance, text, said[n_word].start, said[n_word + n - 1].end,
                          first, offset))
            n_word += n
        words += said
    speech = [SpeechRegion(u["start"], u["end"]) for u in truth["utterances"]]
    pauses = [Pause(a.end, b.start) for a, b in itertools.pairwise(speech)]
    flags = analyze_interview(words=words, speech=speech, pauses=pauses, duration_s=truth["duration"],
                              talk_span_s=speech[-1].end - speech[0].start, options=options).flags
    sentences = []
    for utterance, text, start, end, char_first, char_end in spans:
        labels = set()
        for phrase in truth["phrases"]:
            # a phrase's span is its utterance's; where in the utterance it was said is where its text is
            if phrase["start"] == utterance["start"]:
                at = utterance["text"].index(phrase["text"])
                if at < char_end and at + len(phrase["text"]) > char_first:
                    labels.add(phrase["category"])
        flagged = {f.category for f in flags if f.start < end and f.end > start}
        sentences.append(LabelledSentence(truth_path.stem, text, frozenset(labels), frozenset(flagged)))
    return sentences


def sentence_features(text: str, *, char_ngrams: bool) -> set[str]:
    """Lower-cased word unigrams and bigrams (numbers as one token), optionally character 4-grams of words."""
    words = ["0" if w.replace(".", "").isdigit() else w for w in (p.strip("'") for p in _WORD.split(text.lower()))
             if w]
    features = {f"w:{w}" for w in words} | {f"b:{a} {b}" for a, b in itertools.pairwise(words)}
    if char_ngrams:
        for padded in (f"<{w}>" for w in words):
            features |= {f"c:{padded[i:i + 4]}" for i in range(len(padded) - 3)}
    return features


def vocabulary(feature_sets: Sequence[set[str]], files: Sequence[str]) -> dict[str, int]:
    """Column of each feature that occurs in at least ``MIN_FILES`` distinct files."""
    seen_in: dict[str, set[str]] = {}
    for features, file in zip(feature_sets, files):
        for f in features:
            seen_in.setdefault(f, set()).add(file)
    kept = sorted(f for f, where in seen_in.items() if len(where) >= MIN_FILES)
    return {f: n for n, f in enumerate(kept)}


def design_matrix(feature_sets: Sequence[set[str]], vocab: dict[str, int]) -> scipy.sparse.csr_matrix:
    """Binary features, each row scaled to unit length (so a long sentence does not outvote a short one).

    Shape (sentences, len(vocab)), sparse (a sentence has a few dozen of the thousands of features, and a
    dense matrix makes the cross-validation over every file take an hour); a row with no known feature stays zero.
    """
    rows, columns, values = [], [], []
    for row, features in enumerate(feature_sets):
        known = [vocab[f] for f in features if f in vocab]
        rows += [row] * len(known)
        columns += known
        values += [1.0 / np.sqrt(len(known))] * len(known)
    return scipy.sparse.csr_matrix((np.array(values, np.float32), (rows, columns)),
                                   shape=(len(feature_sets), len(vocab)))


def fit_logistic(x: scipy.sparse.csr_matrix, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One L2-regularised logistic regression per column of ``y`` (shape (n, k), 0/1), fitted together.

    Nesterov-accelerated gradient descent on the mean log-loss + L2/2 |w|^2 (the bias is not
    penalised). Rows of ``x`` have unit length, so the loss's curvature is at most 1/4 + L2, which
    gives a step that always descends. Returns weights (features, k) and biases (k,).
    """
    n, k = x.shape[0], y.shape[1]
    step = 1.0 / (0.25 + L2)
    momentum = (np.sqrt((0.25 + L2) / L2) - 1) / (np.sqrt((0.25 + L2) / L2) + 1)
    weights, bias = np.zeros((x.shape[1], k), np.float32), np.log((y.mean(0) + 1e-3) / (1 - y.mean(0) + 1e-3))
    weights_ahead, bias_ahead = weights.copy(), bias.copy()
    for _ in range(ITERATIONS):
        error = _sigmoid(x @ weights_ahead + bias_ahead) - y
        new_weights = weights_ahead - step * (x.T @ error / n + L2 * weights_ahead)
        new_bias = bias_ahead - step * error.mean(0)
        weights_ahead = new_weights + momentum * (new_weights - weights)
        bias_ahead = new_bias + momentum * (new_bias - bias)
        weights, bias = new_weights, new_bias
    return weights, bias


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def probabilities(train: Sequence[int], test: Sequence[int], feature_sets, files, y) -> np.ndarray:
    """Fit on the ``train`` rows, return the probabilities of the ``test`` rows, shape (len(test), k)."""
    vocab = vocabulary([feature_sets[i] for i in train], [files[i] for i in train])
    weights, bias = fit_logistic(design_matrix([feature_sets[i] for i in train], vocab), y[train])
    return _sigmoid(design_matrix([feature_sets[i] for i in test], vocab) @ weights + bias)


def choose_threshold(prob: np.ndarray, already: np.ndarray, truth: np.ndarray, min_precision: float) -> float:
    """The lowest threshold at which the sentences ``prob >= t`` adds to ``already`` are right at ``min_precision``.

    Judged on the additions alone: a lexicon category that is imprecise on its own must not silence
    a classifier that is right where it adds, nor let one that is wrong hide behind it. inf when no
    threshold does.
    """
    for t in THRESHOLDS:
        added = ~already & (prob >= t)
        if added.sum() and (added & truth).sum() / added.sum() >= min_precision:
            return float(t)
    return float("inf")


@dataclass(frozen=True, slots=True)
class HeldOut:
    """Leave-one-file-out results, each of shape (sentences, len(LEARNED))."""

    probabilities: np.ndarray
    alone: np.ndarray
    """(b): the classifier at the threshold its training files chose for it alone."""
    combined: np.ndarray
    """(c): the lexicon OR the classifier at the threshold its training files chose for additions."""


def cross_validate(sentences: Sequence[LabelledSentence], *, char_ngrams: bool, min_precision: float) -> HeldOut:
    feature_sets = [sentence_features(s.text, char_ngrams=char_ngrams) for s in sentences]
    files = [s.file for s in sentences]
    y = np.array([[c in s.labels for c in LEARNED] for s in sentences], dtype=np.float32)
    truth = y.astype(bool)
    lexicon = np.array([[c in s.lexicon for c in LEARNED] for s in sentences])
    alone, combined = np.zeros_like(truth), np.zeros_like(truth)
    held_out_prob = np.zeros(truth.shape)
    names = sorted(set(files))
    for held_out in names:
        test = [i for i, f in enumerate(files) if f == held_out]
        train = [i for i, f in enumerate(files) if f != held_out]
        # thresholds from out-of-fold predictions over the training files alone
        inner_names = [n for n in names if n != held_out]
        inner_prob = np.zeros((len(train), len(LEARNED)))
        for fold in range(INNER_FOLDS):
            fold_files = set(inner_names[fold::INNER_FOLDS])
            inner_test = [j for j, i in enumerate(train) if files[i] in fold_files]
            inner_train = [j for j, i in enumerate(train) if files[i] not in fold_files]
            inner_prob[inner_test] = probabilities([train[j] for j in inner_train], [train[j] for j in inner_test],
                                                   feature_sets, files, y)
        prob = probabilities(train, test, feature_sets, files, y)
        held_out_prob[test] = prob
        for k in range(len(LEARNED)):
            nothing = np.zeros(len(train), dtype=bool)
            t_alone = choose_threshold(inner_prob[:, k], nothing, truth[train, k], min_precision)
            t_combined = choose_threshold(inner_prob[:, k], lexicon[train, k], truth[train, k], min_precision)
            alone[test, k] = prob[:, k] >= t_alone
            combined[test, k] = lexicon[test, k] | (prob[:, k] >= t_combined)
        print(f"  fold {held_out}: {len(test)} sentences", file=sys.stderr)
    return HeldOut(held_out_prob, alone, combined)


def recall_precision(predicted: np.ndarray, actual: np.ndarray) -> str:
    """Recall/precision ("0.80/0.75") of boolean predictions against a boolean truth of the same shape."""
    hits = int((predicted & actual).sum())
    recall = f"{hits / actual.sum():.2f}" if actual.sum() else "-"
    precision = f"{hits / predicted.sum():.2f}" if predicted.sum() else "-"
    return f"{recall}/{precision}"


def print_table(truth: np.ndarray, predictions: dict[str, np.ndarray]) -> None:
    """Sentence-level recall/precision per learned category and pooled over them."""
    print(f"\n{'category':20s} {'tagged':>6s} " + " ".join(f"{name + ' R/P':>13s}" for name in predictions))
    for k, category in enumerate(LEARNED):
        print(f"{category:20s} {int(truth[:, k].sum()):6d} "
              + " ".join(f"{recall_precision(p[:, k], truth[:, k]):>13s}" for p in predictions.values()))
    print(f"{'pooled':20s} {int(truth.sum()):6d} "
          + " ".join(f"{recall_precision(p, truth):>13s}" for p in predictions.values()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--char-ngrams", action="store_true", help="add character 4-grams of words")
    parser.add_argument("--min-precision", type=float, default=0.8,
                        help="precision the thresholds keep on the training files (default 0.8)")
    parser.add_argument("--lexicon", default=InterviewOptions().lexicon, help="phrase lexicon (default: the current)")
    parser.add_argument("--phase-cues", default=InterviewOptions().phase_cues, help="phase cues (default: the current)")
    parser.add_argument("--score-only", nargs="+", metavar="PREFIX",
                        help="score only these files (s13 for s13_...); every file still trains")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="list the sentences (c) adds to the lexicon's, right or spurious")
    args = parser.parse_args()

    truth_files = sorted(OURS.glob("*.json")) + sorted(SHARED_MOCK.glob("*.json"))
    options = InterviewOptions(lexicon=args.lexicon, phase_cues=args.phase_cues)
    sentences = [s for path in truth_files for s in labelled_sentences(path, options)]
    print(f"{len(truth_files)} files, {len(sentences)} sentences", file=sys.stderr)
    held_out = cross_validate(sentences, char_ngrams=args.char_ngrams, min_precision=args.min_precision)
    scored = np.array([not args.score_only or s.file.split("_")[0] in args.score_only for s in sentences])
    truth = np.array([[c in s.labels for c in LEARNED] for s in sentences])[scored]
    lexicon = np.array([[c in s.lexicon for c in LEARNED] for s in sentences])[scored]
    prob, combined = held_out.probabilities[scored], held_out.combined[scored]
    print_table(truth, {"(a) lexicon": lexicon, "(b) learned": held_out.alone[scored], "(c) both": combined})
    print(f"\n{'(c) at a fixed threshold':26s} " + " ".join(f"{f'p >= {t}':>11s}" for t in SWEEP))
    for name, picked in (("pooled R/P", slice(None)), ("think_aloud R/P", LEARNED.index("think_aloud"))):
        print(f"{name:26s} " + " ".join(
            f"{recall_precision((lexicon | (prob >= t))[:, picked], truth[:, picked]):>11s}" for t in SWEEP))
    if args.verbose:
        for n, s in enumerate(s for s, keep in zip(sentences, scored) if keep):
            for k, category in enumerate(LEARNED):
                if combined[n, k] and not lexicon[n, k]:
                    mark = "gained" if truth[n, k] else "spurious"
                    print(f"  {mark:8s} {category:20s} {s.file[:12]:12s} {s.text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
