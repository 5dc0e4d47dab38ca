"""Where the VAD's frame errors on the TEN VAD test set sit.

    python bench/vad_errors.py [--shared PATH]

For each clip: precision, recall, F1, and the wrong frames split by kind:

* miss-edge: speech frames of a labelled segment the hypothesis overlaps,
  before its first or after its last detected frame (onset/offset trimmed);
* miss-hole: speech frames between detected frames of one labelled segment;
* miss-whole: labelled segments with no detected frame at all;
* fa-edge: detected frames outside the labels, contiguous with a labelled
  segment (a region running past a word's edge);
* fa-bridge: a labelled gap filled entirely by detection (both sides speech);
* fa-alone: detected runs touching no labelled speech (noise, music, breath).

On the defaults before the pitch and noise gates (TEN mean F1 0.906) the
3800 wrong frames were 1760 fa-bridge, 890 fa-edge, 40 fa-alone, 905
miss-edge, 57 miss-hole and 62 miss-whole. Of the 2700 false alarms, 1600
were frames webrtcvad and the floor gate called speech; 1100 were filled in
by the joining (gaps shorter than ``min_silence_s``, flickers inside longer
ones).
"""

from __future__ import annotations

import argparse
import glob
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_vad import frame_labels, load_audio, read_tsv, run_vad  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from coach.records import SAMPLE_RATE  # noqa: E402
from coach.vad import VadOptions  # noqa: E402


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index runs where ``mask`` is True."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def classify(ref: np.ndarray, hyp: np.ndarray) -> dict[str, int]:
    out = dict.fromkeys(["miss-edge", "miss-hole", "miss-whole", "fa-edge", "fa-bridge", "fa-alone"], 0)
    for a, b in runs(ref):
        seg = hyp[a:b]
        if not seg.any():
            out["miss-whole"] += b - a
            continue
        idx = np.flatnonzero(seg)
        first, last = idx[0], idx[-1]
        out["miss-edge"] += first + (b - a - 1 - last)
        out["miss-hole"] += int((~seg[first : last + 1]).sum())
    for a, b in runs(hyp & ~ref):
        left = a > 0 and ref[a - 1]
        right = b < len(ref) and ref[b]
        if left and right:
            out["fa-bridge"] += b - a
        elif left or right:
            out["fa-edge"] += b - a
        else:
            out["fa-alone"] += b - a
    return out


def main(argv=None) -> int:
    default_shared = Path(__file__).resolve().parents[2] / "shared"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=default_shared)
    args = parser.parse_args(argv)
    options = VadOptions()
    total = None
    f1s = []
    print(f"{'clip':10s} {'P':>6s} {'R':>6s} {'F1':>6s} {'dur':>5s} {'spch':>5s} " + " ".join(f"{k:>10s}" for k in ["miss-edge", "miss-hole", "miss-whole", "fa-edge", "fa-bridge", "fa-alone"]))
    for wav in sorted(glob.glob(str(args.shared / "audio" / "real" / "ten-vad-testset" / "*.wav"))):
        audio = load_audio(wav)
        n = int(round(len(audio) / SAMPLE_RATE / 0.01))
        ref = frame_labels(read_tsv(Path(wav[:-4] + ".speech.tsv")), n)
        hyp = frame_labels(run_vad(audio, options), n)
        tp = int((ref & hyp).sum())
        p = tp / max(hyp.sum(), 1)
        r = tp / max(ref.sum(), 1)
        f1 = 2 * tp / max(ref.sum() + hyp.sum(), 1)
        f1s.append(f1)
        c = classify(ref, hyp)
        total = c if total is None else {k: total[k] + c[k] for k in c}
        print(f"{Path(wav).stem[-2:]:10s} {p:6.3f} {r:6.3f} {f1:6.3f} {n / 100:5.1f} {ref.mean():5.2f} " + " ".join(f"{c[k]:10d}" for k in c))
    print(f"mean F1 {np.mean(f1s):.3f}; wrong frames by kind: {total}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
