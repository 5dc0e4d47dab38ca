"""Score coach's voice-activity detector against labelled recordings.

    python bench/eval_vad.py [--shared PATH]

Three references, in ``../shared/audio`` next to the repository:

* ``real/pyannote-audio``: far-field meeting speech with diarization labels
  (the union of speaker turns is speech). Speech F1 on 10 ms frames, frames
  within 0.25 s of a reference boundary not scored.
* ``real/ten-vad-testset``: 30 clips with frame-precise speech labels. Speech
  F1 on 10 ms frames, no collar.
* ``mock``: synthesized interviews with exact pauses. The pauses the coach
  reports (silences >= 2 s between detected regions) are matched to the true
  ones: found when both ends are within 0.5 s.

Prints one line per file (with precision and recall on the TEN clips), the
summaries, and the detector's speed. ``bench/vad_errors.py`` sorts the TEN
errors by where they sit (word edges, bridged gaps, whole stretches).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coach.analysis.pauses import find_pauses  # noqa: E402
from coach.audio import decode_blocks  # noqa: E402
from coach.records import SAMPLE_RATE, SpeechRegion  # noqa: E402
from coach.vad import VadOptions, VoiceActivityDetector  # noqa: E402
from metrics import match_pauses, truth_pauses  # noqa: E402

HOP_S = 0.01
PYANNOTE_COLLAR_S = 0.25
PAUSE_MIN_S = 2.0
PAUSE_TOLERANCE_S = 0.5
PYANNOTE_FILES = {
    "sample": "sample.rttm",
    "dev00": "debug.development.rttm",
    "dev01": "debug.development.rttm",
    "tst00": "debug.test.rttm",
}  # tst01 and trn01 are left out: their labels miss most of the speech (SOURCES.md)

Span = tuple[float, float]


# ---- metrics ---------------------------------------------------------------


def frame_labels(spans: Sequence[Span], n_frames: int, hop: float = HOP_S) -> np.ndarray:
    """shape=(n_frames,) bool: whether each frame's centre lies in one of ``spans`` (seconds)."""
    centres = (np.arange(n_frames) + 0.5) * hop
    labels = np.zeros(n_frames, dtype=bool)
    for start, end in spans:
        labels |= (centres >= start) & (centres < end)
    return labels


def frame_f1(reference: Sequence[Span], hypothesis: Sequence[Span], duration: float, *, collar: float = 0.0, hop: float = HOP_S) -> float:
    """Speech F1 over ``hop``-second frames of ``duration`` seconds.

    Frames whose centre is within ``collar`` seconds of a reference boundary are
    not scored (the usual allowance for where a human put the edge). 1.0 when
    neither side has any speech.
    """
    n = int(round(duration / hop))
    ref = frame_labels(reference, n, hop)
    hyp = frame_labels(hypothesis, n, hop)
    if collar > 0:
        centres = (np.arange(n) + 0.5) * hop
        scored = np.ones(n, dtype=bool)
        for start, end in reference:
            scored &= (np.abs(centres - start) > collar) & (np.abs(centres - end) > collar)
        ref, hyp = ref[scored], hyp[scored]
    tp = int(np.sum(ref & hyp))
    wrong = int(np.sum(ref ^ hyp))
    return 1.0 if tp + wrong == 0 else 2 * tp / (2 * tp + wrong)


def precision_recall(reference: Sequence[Span], hypothesis: Sequence[Span], duration: float, *, hop: float = HOP_S) -> tuple[float, float]:
    """Speech precision and recall over ``hop``-second frames (no collar); 1.0 where nothing is there to count."""
    n = int(round(duration / hop))
    ref = frame_labels(reference, n, hop)
    hyp = frame_labels(hypothesis, n, hop)
    tp = int(np.sum(ref & hyp))
    return (tp / hyp.sum() if hyp.any() else 1.0), (tp / ref.sum() if ref.any() else 1.0)


# ---- data ------------------------------------------------------------------


def load_audio(path: str | os.PathLike) -> np.ndarray:
    return np.concatenate([block.samples for block in decode_blocks(path)])


def read_rttm(path: Path, name: str) -> list[Span]:
    spans = []
    for line in path.read_text().splitlines():
        fields = line.split()
        if len(fields) >= 5 and fields[0] == "SPEAKER" and fields[1] == name:
            start = float(fields[3])
            spans.append((start, start + float(fields[4])))
    return spans


def read_tsv(path: Path) -> list[Span]:
    spans = []
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            start, end = line.split()[:2]
            spans.append((float(start), float(end)))
    return spans


def run_vad(audio: np.ndarray, options: VadOptions, block: int = SAMPLE_RATE // 2) -> list[Span]:
    """Replay ``audio`` through the streaming detector in ``block``-sample pushes."""
    detector = VoiceActivityDetector(options)
    regions: list[SpeechRegion] = []
    for i in range(0, len(audio), block):
        regions += detector.push(audio[i : i + block])
    regions += detector.flush()
    return [(r.start, r.end) for r in regions]


# ---- report ----------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    default_shared = Path(__file__).resolve().parents[2] / "shared"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=default_shared, help="folder holding audio/ (default: %(default)s)")
    args = parser.parse_args(argv)
    audio_dir = args.shared / "audio"
    options = VadOptions()
    print(f"options: {options}")
    seconds = 0.0
    compute = 0.0

    def detect(audio: np.ndarray) -> list[Span]:
        nonlocal seconds, compute
        began = time.perf_counter()
        regions = run_vad(audio, options)
        compute += time.perf_counter() - began
        seconds += len(audio) / SAMPLE_RATE
        return regions

    print("\n== pyannote-audio: speech F1, 10 ms frames, 0.25 s collar (bar >= 0.95 each)")
    folder = audio_dir / "real" / "pyannote-audio"
    for name, rttm in PYANNOTE_FILES.items():
        audio = load_audio(folder / f"{name}.wav")
        f1 = frame_f1(read_rttm(folder / rttm, name), detect(audio), len(audio) / SAMPLE_RATE, collar=PYANNOTE_COLLAR_S)
        print(f"{name:8s} {f1:.3f}")

    print("\n== ten-vad-testset: speech F1, 10 ms frames, no collar (bar: mean >= 0.92)")
    scores = []
    for wav in sorted(glob.glob(str(audio_dir / "real" / "ten-vad-testset" / "*.wav"))):
        audio = load_audio(wav)
        reference, found = read_tsv(Path(wav[:-4] + ".speech.tsv")), detect(audio)
        f1 = frame_f1(reference, found, len(audio) / SAMPLE_RATE)
        precision, recall = precision_recall(reference, found, len(audio) / SAMPLE_RATE)
        scores.append(f1)
        print(f"{Path(wav).stem:18s} {f1:.3f}  (precision {precision:.3f}, recall {recall:.3f})")
    print(f"mean {np.mean(scores):.3f}  min {np.min(scores):.3f}")

    print(f"\n== mock interviews: pauses >= {PAUSE_MIN_S} s, ends within {PAUSE_TOLERANCE_S} s (bar: recall, precision >= 0.95; median error <= 0.25 s)")
    true_n = found_n = matched_n = 0
    errors: list[float] = []
    for flac in sorted(glob.glob(str(audio_dir / "mock" / "*.flac"))):
        truth = json.loads(Path(flac[:-5] + ".json").read_text())
        regions = [SpeechRegion(start, end) for start, end in detect(load_audio(flac))]
        found = [(p.start, p.end) for p in find_pauses(regions, min_pause_s=PAUSE_MIN_S)]
        m = match_pauses(truth_pauses(truth), found, min_s=PAUSE_MIN_S, tol=PAUSE_TOLERANCE_S)
        median = m["median_boundary_error"] if m["boundary_errors"] else float("nan")
        print(f"{Path(flac).stem:24s} true {m['true']}  found {m['detected']}  matched {m['matched']}  "
              f"median error {median:.3f} s  max {max(m['boundary_errors'], default=float('nan')):.3f} s")
        true_n, found_n, matched_n = true_n + m["true"], found_n + m["detected"], matched_n + m["matched"]
        errors += m["boundary_errors"]
    median = statistics.median(errors) if errors else float("nan")
    print(f"all: recall {matched_n / true_n if true_n else 1.0:.3f}  "
          f"precision {matched_n / found_n if found_n else 1.0:.3f}  median boundary error {median:.3f} s")

    print(f"\n== speed: {seconds:.0f} s of audio in {compute:.2f} s = {seconds / compute:.0f} s of audio per second")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
