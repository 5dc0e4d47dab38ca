"""Score `coach analyze` on synthesized mock interviews with exact ground truth.

For each FILE.flac with FILE.json beside it (../shared/audio/mock, and bench/out with --ours),
runs `python -m coach analyze FILE --json OUT.json` and prints pause recall and precision
(pauses >= 2.0 s, both ends within 0.5 s), the median boundary error of matched pauses, and
the word error rate against the script's utterance texts; then totals (pooled counts).

Usage (from the repository root):
    .venv/bin/python bench/eval_mock.py [--ours] [--only-ours] [--keep DIR] [FILE.flac ...]
    .venv/bin/python bench/eval_mock.py --result OUT.json TRUTH.json   # score an existing output
Not part of the test suite; reads ../shared.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from statistics import median
from pathlib import Path

from metrics import fmt, match_pauses, truth_pauses, truth_text, wer

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
MOCK = ROOT.parent / "shared" / "audio" / "mock"
OURS = BENCH / "out"


def run_coach(audio: Path, out_json: Path) -> float:
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "coach", "analyze", str(audio), "--json", str(out_json), "--no-save"],
                          cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"coach analyze {audio.name} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return time.monotonic() - started


def score(result: dict, truth: dict) -> dict:
    detected = [(p["start"], p["end"]) for p in result["pauses"]]
    pauses = match_pauses(truth_pauses(truth), detected)
    hyp = " ".join(w["text"] for w in result["words"])
    rate, errors, ref_words = wer(truth_text(truth), hyp)
    return {"pauses": pauses, "wer": rate, "errors": errors, "ref_words": ref_words}


ROW = "{:<32} {:>7} {:>7} {:>7} {:>8} {:>7} {:>7}"


def print_row(name: str, s: dict, seconds: float | None) -> None:
    p = s["pauses"]
    print(ROW.format(name[:32], f"{p['matched']}/{p['true']}", fmt(p["recall"]), fmt(p["precision"]),
                     fmt(p["median_boundary_error"], ".3f"), fmt(s["wer"], ".3f"),
                     fmt(seconds, ".1f")))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="FLAC files with ground truth beside them")
    parser.add_argument("--ours", action="store_true", help="also bench/out/*.flac (bench/synth.py)")
    parser.add_argument("--only-ours", action="store_true", help="only bench/out/*.flac")
    parser.add_argument("--keep", type=Path, help="keep coach's JSON outputs in this folder")
    parser.add_argument("--result", type=Path, help="score this existing coach JSON against TRUTH")
    args = parser.parse_args(argv)

    if args.result:
        if len(args.files) != 1:
            parser.error("--result needs exactly one TRUTH.json")
        cases = [(args.result.stem, json.loads(args.result.read_text()),
                  json.loads(args.files[0].read_text()), None)]
    else:
        files = list(args.files)
        if not files:
            if not args.only_ours:
                files += sorted(MOCK.glob("*.flac"))
            if args.ours or args.only_ours:
                files += sorted(OURS.glob("*.flac"))
        files = [f for f in files if f.with_suffix(".json").exists()]
        if not files:
            raise SystemExit("no FLAC files with ground truth found")
        cases = None

    print(ROW.format("file", "found", "recall", "prec", "med|d|s", "WER", "secs"))
    totals = {"true": 0, "detected": 0, "matched": 0, "matched_det": 0, "errors": 0, "ref_words": 0}
    bounds: list[float] = []

    def add(s: dict) -> None:
        p = s["pauses"]
        totals["true"] += p["true"]
        totals["detected"] += p["detected"]
        totals["matched"] += p["matched"]
        totals["matched_det"] += round(p["precision"] * p["detected"]) if p["detected"] else 0
        totals["errors"] += s["errors"]
        totals["ref_words"] += s["ref_words"]
        bounds.extend(p["boundary_errors"])

    if cases is not None:
        for name, result, truth, secs in cases:
            s = score(result, truth)
            print_row(name, s, secs)
            add(s)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            outdir = args.keep or Path(tmp)
            outdir.mkdir(parents=True, exist_ok=True)
            for audio in files:
                out_json = outdir / f"{audio.stem}.coach.json"
                try:
                    secs = run_coach(audio.resolve(), out_json.resolve())
                except RuntimeError as exc:
                    print(f"{audio.stem}: {exc}", file=sys.stderr)
                    continue
                s = score(json.loads(out_json.read_text()), json.loads(audio.with_suffix(".json").read_text()))
                print_row(audio.stem, s, secs)
                add(s)

    print(ROW.format(
        "TOTAL", f"{totals['matched']}/{totals['true']}",
        fmt(totals["matched"] / totals["true"] if totals["true"] else None),
        fmt(totals["matched_det"] / totals["detected"] if totals["detected"] else None),
        fmt(median(bounds) if bounds else None, ".3f"),
        fmt(totals["errors"] / totals["ref_words"] if totals["ref_words"] else None, ".3f"), ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
