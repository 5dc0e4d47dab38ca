"""How long the dashboard's review page takes to become interactive, measured in a real browser.

Stores two sessions in a fresh data folder, a 45-minute interview and the 71-second sample (the
baseline, measured in the same run), serves the dashboard on localhost and opens each session's
review page in headless Chromium N times. "Interactive" is: Streamlit has finished running the page
(no running indicator), every chart is drawn and the flags table is on screen. Prints the median
time of each and their ratio, against the 2 s bar.

    .venv/bin/python bench/dashboard_review.py [--long SESSION.json | --long-audio FILE] [--repeat N]

The 45-minute session comes from --long (a session document, e.g. one bench/speed.py --keep wrote),
else from analysing --long-audio (default bench/out/long_*.flac; about a minute on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser import chromium, served_dashboard  # noqa: E402

from coach.session import Session  # noqa: E402
from coach.store import SessionStore  # noqa: E402

BAR_S = 2.0
RUNNING = '[data-testid="stStatusWidget"]'
CHART = '[data-testid="stVegaLiteChart"]'
TABLE = '[data-testid="stDataFrame"]'


def interactive(driver, charts: int) -> bool:
    from selenium.webdriver.common.by import By

    if driver.find_elements(By.CSS_SELECTOR, RUNNING):
        return False
    drawn = driver.find_elements(By.CSS_SELECTOR, f"{CHART} svg, {CHART} canvas")
    return len(drawn) >= charts and bool(driver.find_elements(By.CSS_SELECTOR, TABLE))


def time_to_interactive(driver, url: str, *, charts: int, timeout_s: float = 60.0) -> float:
    started = time.perf_counter()
    driver.get(url)
    while not interactive(driver, charts):
        if time.perf_counter() - started > timeout_s:
            raise RuntimeError(f"{url} was not interactive after {timeout_s:.0f} s")
        time.sleep(0.02)
    return time.perf_counter() - started


def analysed(audio: Path, out: Path) -> Session:
    subprocess.run([sys.executable, "-m", "coach", "analyze", str(audio), "--json", str(out), "--no-save",
                    "--no-progress"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return Session.from_json(json.loads(out.read_text()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long", type=Path, help="a 45-minute session document (JSON)")
    parser.add_argument("--long-audio", type=Path, help="audio to analyse for it (default bench/out/long_*.flac)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--charts", type=int, default=4, help="charts the review page draws")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        if args.long:
            long = Session.from_json(json.loads(args.long.read_text()))
        else:
            audio = args.long_audio or next(iter(sorted((BENCH / "out").glob("long_*.flac"))), None)
            if audio is None:
                raise SystemExit("no 45-minute session: pass --long SESSION.json or run bench/synth.py first")
            print(f"analysing {audio.name} for the 45-minute session...", flush=True)
            long = analysed(audio, home / "long.json")
        short = analysed(ROOT / "samples" / "practice_interview.flac", home / "short.json")
        with SessionStore(home) as store:
            ids = {"short": store.save(short, title="sample").id, "45-minute": store.save(long, title="long").id}
        print(f"sessions: 45-minute has {len(long.words)} words, {len(long.flags)} flags; "
              f"sample has {len(short.words)} words", flush=True)

        with served_dashboard(home) as url, chromium() as driver:
            # one warm-up load, so the first measured load does not pay for the server's first import
            # (Review is the default page, served at the root URL)
            time_to_interactive(driver, f"{url}/?session={ids['short']}", charts=args.charts)
            times: dict[str, list[float]] = {name: [] for name in ids}
            for _ in range(args.repeat):
                for name, session_id in ids.items():
                    times[name].append(time_to_interactive(driver, f"{url}/?session={session_id}",
                                                           charts=args.charts))
    print(f"{'session':12} {'median s':>9} {'max s':>7}   runs")
    for name, values in times.items():
        print(f"{name:12} {statistics.median(values):9.2f} {max(values):7.2f}   "
              + " ".join(f"{v:.2f}" for v in values))
    long_s, short_s = statistics.median(times["45-minute"]), statistics.median(times["short"])
    print(f"45-minute / sample: x{long_s / short_s:.2f}; 45-minute review interactive in {long_s:.2f} s "
          f"(bar {BAR_S:.0f} s: {'met' if long_s <= BAR_S else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
