"""Synthesize every bench/scripts/*.txt into bench/out/NAME.flac + NAME.json.

Uses the shared synthesizer (../shared/tools/synth_interview.py, relative to the
repository root) for the speech and the ground truth, then sox for 16 kHz mono
FLAC. A script whose FLAC and JSON both exist and are newer than the script is
skipped. The shared tool is fast enough (about 30 s for the 44-minute script on
one core), so nothing of it is reimplemented here.

Usage (from the repository root):
    .venv/bin/python bench/synth.py [--force] [NAME ...]
NAME filters scripts by stem (e.g. long_notification_system).
Needs espeak-ng, flite and sox on the PATH.
"""
import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TOOL = ROOT.parent / "shared" / "tools" / "synth_interview.py"
SCRIPTS = BENCH / "scripts"
OUT = BENCH / "out"


def is_fresh(script: Path) -> bool:
    flac, truth = OUT / f"{script.stem}.flac", OUT / f"{script.stem}.json"
    mtime = script.stat().st_mtime
    return all(p.exists() and p.stat().st_mtime > mtime for p in (flac, truth))


NESTED_TAG = re.compile(r"\{[a-z_]+:[^{}]*\{")


def check(script: Path) -> None:
    """The shared synthesizer reads a tag inside another tag as text: its braces end up in the truth."""
    for number, line in enumerate(script.read_text().splitlines(), 1):
        if NESTED_TAG.search(line):
            raise SystemExit(f"{script.name}:{number}: a tag inside another tag; close the first before opening the next")


def synthesize(script: Path) -> float:
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / f"{script.stem}.wav"
        subprocess.run([sys.executable, str(TOOL), str(script), str(wav)], check=True,
                       stderr=subprocess.DEVNULL)  # sox clipping warnings
        subprocess.run(["sox", str(wav), "-r", "16000", "-c", "1", "-b", "16", "-C", "8",
                        str(OUT / f"{script.stem}.flac")], check=True)
        # JSON last: its presence (and mtime) marks a complete build
        shutil.copyfile(wav.with_suffix(".json"), OUT / f"{script.stem}.json")
    return time.monotonic() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="only scripts with these stems")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    if not TOOL.exists():
        raise SystemExit(f"shared synthesizer not found: {TOOL}")
    OUT.mkdir(exist_ok=True)
    scripts = sorted(SCRIPTS.glob("*.txt"))
    if args.names:
        scripts = [s for s in scripts if s.stem in args.names]
    for script in scripts:
        check(script)
        if not args.force and is_fresh(script):
            print(f"{script.stem}: up to date")
            continue
        seconds = synthesize(script)
        print(f"{script.stem}: built in {seconds:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
