"""The live pipeline on a long interview: latency from the end of each utterance to its words, backlog, CPU.

Plays a recording (default: the 44.6-minute bench/out/long_*.flac) through `coach record`'s pipeline
at --speed N times real time. Latency is reported on the real-time schedule: the delay before the
pipeline decides the utterance is over (audio seconds, the same at any speed) plus the model's wall
time for it, which holds at real time as long as the model keeps up (the backlog column shows
whether it does). Prints latency percentiles against the bars (p50 <= 0.5 s, p95 <= 1.0 s), the
backlog per 5 minutes of audio, and CPU use.

    .venv/bin/python bench/live.py [--file AUDIO] [--speed N]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from coach.capture import AudioSource  # noqa: E402
from coach.live import LiveUpdate, record  # noqa: E402
from coach.transcribe import Transcriber  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path)
    parser.add_argument("--speed", type=float, default=8.0)
    args = parser.parse_args()
    audio = args.file or next(iter(sorted((BENCH / "out").glob("long_*.flac"))), None)
    if audio is None:
        raise SystemExit("no bench/out/long_*.flac: run bench/synth.py first")
    transcriber = Transcriber()
    backlog: dict[int, float] = {}

    def on_update(u: LiveUpdate) -> None:
        bucket = int(u.elapsed_s // 300)
        backlog[bucket] = max(backlog.get(bucket, 0.0), u.backlog_s)

    started, cpu_start = time.perf_counter(), _cpu()
    with tempfile.TemporaryDirectory() as tmp:
        session, _ = record(AudioSource.from_file(audio, speed=args.speed), transcriber, Path(tmp) / "live.wav",
                            on_update=on_update)
    wall, cpu = time.perf_counter() - started, _cpu() - cpu_start
    live = session.feedback["live"]
    lat = live["latency_s"]
    print(f"{audio.name}: {session.source.duration_s / 60:.1f} min at x{args.speed:g}, {live['utterances']} utterances, "
          f"{len(session.words)} words")
    final = live["final_latency_s"]
    print(f"latency to words on screen (real-time schedule): p50 {lat['p50']:.2f} s (bar 0.5), "
          f"p95 {lat['p95']:.2f} s (bar 1.0), max {lat['max']:.2f} s")
    print(f"latency to words final (end confirmed by the VAD): p50 {final['p50']:.2f} s, p95 {final['p95']:.2f} s, "
          f"max {final['max']:.2f} s")
    print("backlog max per 5 min of audio (s of speech waiting for the model): "
          + " ".join(f"{backlog[k]:.1f}" for k in sorted(backlog)))
    print(f"overflows {live['overflows']}, dropped {live['dropped_s']} s")
    print(f"wall {wall:.0f} s, CPU {cpu:.0f} s = {cpu / wall:.2f} cores busy; at real time that is "
          f"{cpu / session.source.duration_s:.2f} cores")
    return 0


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    raise SystemExit(main())
