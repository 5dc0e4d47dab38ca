"""Speed, memory and accuracy of `coach analyze` against plain faster-whisper, same run.

On the long synthesized interview (bench/out/long_*.flac, built by bench/synth.py) runs, each
as its own subprocess and one after the other:
  coach: python -m coach analyze FILE --json OUT.json
  plain: python bench/plain_faster_whisper.py FILE OUT.json (tiny.en, int8, vad_filter=True,
         word_timestamps=True, other options default)
and measures each child's wall time and peak RSS (os.wait4 on the child's pid; Linux reports
ru_maxrss in KiB, including reaped grandchildren), then the WER of each against the script
text and pause recall/precision against the ground truth (plain faster-whisper's pauses are
gaps >= 2 s between consecutive words). With --repeat N the runs alternate coach, plain, ...
and the table shows medians of wall time and the largest peak RSS.

Usage (from the repository root):
    .venv/bin/python bench/speed.py [--repeat N] [--file AUDIO.flac] [--only coach|plain]
Not part of the test suite.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

from metrics import fmt, gaps_between_words, match_pauses, truth_pauses, truth_text, wer

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def measure(cmd: list[str]) -> tuple[float, float, int]:
    """Run cmd; return (wall seconds, peak RSS in MB, exit status)."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # read stderr in full before reaping, so a chatty child can't block on a full pipe
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.stderr.write(err.decode(errors="replace")[-3000:])
    return wall, usage.ru_maxrss / 1024, proc.returncode


def commands(audio: Path, out_dir: Path, run: int, coach_args: list[str]) -> dict[str, tuple[list[str], Path]]:
    coach_out = out_dir / f"coach_{run}.json"
    plain_out = out_dir / f"plain_{run}.json"
    return {
        "coach": ([sys.executable, "-m", "coach", "analyze", str(audio), "--json", str(coach_out), *coach_args],
                  coach_out),
        "plain": ([sys.executable, str(BENCH / "plain_faster_whisper.py"), str(audio), str(plain_out)], plain_out),
    }


def accuracy(name: str, out_json: Path, truth: dict) -> dict:
    result = json.loads(out_json.read_text())
    words = result["words"]
    if name == "coach":
        detected = [(p["start"], p["end"]) for p in result["pauses"]]
    else:
        detected = gaps_between_words(words)
    pauses = match_pauses(truth_pauses(truth), detected)
    rate, _, _ = wer(truth_text(truth), " ".join(w["text"] for w in words))
    return {"wer": rate, "recall": pauses["recall"], "precision": pauses["precision"],
            "boundary": pauses["median_boundary_error"], "words": len(words)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs of each (default 1)")
    parser.add_argument("--file", type=Path, help="audio with ground truth JSON beside it "
                        "(default: bench/out/long_*.flac)")
    parser.add_argument("--only", choices=["coach", "plain"], help="run just one of the two")
    parser.add_argument("--keep", type=Path, help="keep the output JSONs in this folder")
    parser.add_argument("--coach-args", default="", help="extra arguments for coach analyze, e.g. '--beam-size 2'")
    args = parser.parse_args(argv)

    audio = args.file
    if audio is None:
        found = sorted((BENCH / "out").glob("long_*.flac"))
        if not found:
            raise SystemExit("no bench/out/long_*.flac: run bench/synth.py first")
        audio = found[0]
    audio = audio.resolve()
    truth = json.loads(audio.with_suffix(".json").read_text())
    names = [args.only] if args.only else ["coach", "plain"]
    print(f"{audio.name}: {truth['duration'] / 60:.1f} min, {os.cpu_count()} CPUs, "
          f"{args.repeat} run(s) each", flush=True)

    runs: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
    acc: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = args.keep or Path(tmp)
        out_dir.mkdir(parents=True, exist_ok=True)
        for run in range(args.repeat):
            cmds = commands(audio, out_dir, run, args.coach_args.split())
            for name in names:
                cmd, out_json = cmds[name]
                wall, rss, code = measure(cmd)
                if code != 0:
                    raise SystemExit(f"{name} failed with exit status {code}")
                print(f"  run {run + 1} {name}: {wall:.1f} s, peak RSS {rss:.0f} MB", flush=True)
                runs[name].append((wall, rss))
                if run == 0:
                    acc[name] = accuracy(name, out_json, truth)

    row = "{:<7} {:>9} {:>10} {:>7} {:>7} {:>7} {:>9} {:>7}"
    print(row.format("", "wall s", "peak MB", "xRT", "WER", "recall", "precision", "med|d|s"))
    summary = {}
    for name in names:
        wall = median(w for w, _ in runs[name])
        rss = max(r for _, r in runs[name])
        summary[name] = (wall, rss)
        a = acc[name]
        print(row.format(name, f"{wall:.1f}", f"{rss:.0f}", f"{truth['duration'] / wall:.1f}",
                         f"{a['wer']:.3f}", fmt(a["recall"]), fmt(a["precision"]), fmt(a["boundary"], ".3f")))
    if len(names) == 2:
        (cw, cr), (pw, pr) = summary["coach"], summary["plain"]
        print(f"coach/plain: wall x{cw / pw:.2f}, peak RSS x{cr / pr:.2f}, "
              f"WER difference {acc['coach']['wer'] - acc['plain']['wer']:+.3f} (coach - plain)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
