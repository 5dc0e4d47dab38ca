"""Evaluate the interview analysis against synthesized ground truth.

For each mock interview (../shared/audio/mock and, with --ours, bench/out):
- phase accuracy per second: a second belongs to the phase whose span, up to
  the next phase's start, holds it; seconds before the first phase are not scored;
- flag recall and precision per category: a flag matches a tagged phrase of
  the same category whose utterance it overlaps, give or take 1 s;
- the score, and how it splits the candidates a mock's name calls weak, mixed or
  strong: how many read as ready (35 or more), and how often a strong candidate
  outscores a weak one (ties count half).

The analysis runs from audio through the whole pipeline (`coach analyze`),
unless --sessions DIR points at session documents already made, in which
case only the analysis of the words is re-run (fast, for tuning the lexicon),
or --script-text runs it on each script's own words, spread evenly over its
utterances: no recogniser errors, so what is missed there the analysis
itself misses.

    python bench/eval_analysis.py [--ours] [--sessions DIR | --script-text] [--save DIR] [-v] [FILE.flac ...]

Extra FLAC files (with their truth JSON beside them) are scored too. The
per-category table pools all files of the mock sets, then the shared mocks, our
own mocks (bench/out) and each blind file on its own: a mock written by someone
who had not seen the lexicon or the phase cues (BLIND). Each blind file was
scored once before anything was tuned on it; those first figures, the held-out
ones, are in bench/scripts/README.md. An extra file counts only in its own column.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from coach.analysis.flags import CATEGORIES  # noqa: E402
from coach.analysis.interview import InterviewAnalysis, analyze_interview  # noqa: E402
from coach.analysis.score import READY_SCORE  # noqa: E402
from coach.analysis.pauses import find_pauses  # noqa: E402
from coach.records import SpeechRegion, Word  # noqa: E402
from coach.session import Session  # noqa: E402
from coach.voices import candidate_share  # noqa: E402

SHARED_MOCK = REPO.parent / "shared" / "audio" / "mock"
OURS = REPO / "bench" / "out"
SCRIPTS = REPO / "bench" / "scripts"
TOLERANCE_S = 1.0
BLIND = ("s6_game_leaderboard_weak", "s7_web_crawler_mixed", "s8_ride_dispatch_mixed", "s9_video_transcoding_weak",
         "s10_job_scheduler_strong", "s11_parking_reservation_mixed", "s12_online_chess_weak",
         "s13_live_sports_scores_strong", "s14_iot_sensor_ingestion_mixed",
         "s15_online_auction_mixed", "s16_password_manager_sync_strong",
         "s17_food_delivery_tracking_weak", "s18_collaborative_whiteboard_strong",
         "s19_hotel_booking_mixed", "s20_metrics_monitoring_strong", "s21_news_feed_mixed",
         "s22_online_code_judge_strong", "s23_flash_sale_inventory_weak", "s24_stock_exchange_matching_strong",
         "s25_ad_click_aggregation_mixed", "s26_nearby_places_search_strong", "s27_tv_show_voting_weak",
         "s28_calendar_scheduling_mixed", "s29_music_streaming_weak", "s30_distributed_message_queue_strong",
         "s31_group_chat_mixed", "s32_photo_sharing_weak", "s33_pastebin_mixed", "s34_key_value_store_strong",
         "s35_qa_forum_mixed", "s36_video_conferencing_strong",
         "s37_log_search_weak", "s38_webmail_inbox_strong", "s39_shopping_cart_mixed", "s40_trending_hashtags_strong",
         "s41_feature_flags_weak", "s42_digital_wallet_strong", "s43_surge_pricing_strong",
         "s44_newsletter_platform_weak", "s45_game_matchmaking_strong", "s46_stock_price_alerts_weak")
"""Mock interviews written without sight of the lexicon they test: reported on their own too."""


def truth_phase_at(phases: list[dict], t: float) -> str | None:
    current = None
    for p in phases:
        if p["start"] <= t:
            current = p["phase"]
    return current


def phase_accuracy(session: Session, truth: dict) -> float:
    first = truth["phases"][0]["start"]
    seconds = np.arange(np.ceil(first), truth["duration"])
    spans = session.phases
    hits = 0
    for t in seconds:
        mine = next((s.phase for s in spans if s.start <= t < s.end), spans[-1].phase if spans else None)
        hits += mine == truth_phase_at(truth["phases"], t)
    return hits / len(seconds) if len(seconds) else 1.0


def flag_matches(session: Session, truth: dict) -> dict[str, list[int]]:
    """Per category: [tagged, tagged found, flags, flags matched]."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])

    def overlaps(flag, phrase) -> bool:
        return flag.start <= phrase["end"] + TOLERANCE_S and flag.end >= phrase["start"] - TOLERANCE_S

    for phrase in truth["phrases"]:
        c = counts[phrase["category"]]
        c[0] += 1
        c[1] += any(f.category == phrase["category"] and overlaps(f, phrase) for f in session.flags)
    for flag in session.flags:
        c = counts[flag.category]
        c[2] += 1
        c[3] += any(p["category"] == flag.category and overlaps(flag, p) for p in truth["phrases"])
    return counts


def utterance_words(utterance: dict) -> list[Word]:
    """A ground-truth utterance's script words, spread evenly over its time (the truth has no word times)."""
    texts = utterance["text"].split()
    step = (utterance["end"] - utterance["start"]) / max(len(texts), 1)
    return [Word(utterance["start"] + i * step, utterance["start"] + (i + 1) * step, text, 1.0) for i, text in enumerate(texts)]


def script_text_analysis(truth: dict, interviewer: str | None = None) -> InterviewAnalysis:
    """The analysis of the script's own words, as if the recogniser had heard every one.

    The utterances in the ``interviewer``'s voice place the phases but are not flagged, as the interviewer's
    words are when coach is told there is one (--interviewer) and its voice split is perfect.
    """
    conversation = [w for utterance in truth["utterances"] for w in utterance_words(utterance)]
    said = [u for u in truth["utterances"] if u["voice"] != interviewer]
    words = [w for utterance in said for w in utterance_words(utterance)]
    speech = [SpeechRegion(u["start"], u["end"]) for u in said]
    return analyze_interview(words=words, conversation=conversation if interviewer else None, speech=speech,
                             pauses=find_pauses(speech), duration_s=truth["duration"],
                             talk_span_s=speech[-1].end - speech[0].start)


def interviewer_voice(audio: Path) -> str | None:
    """The interviewer's voice when the mock's script names one ("# interviewer: flite kal16; candidate: ..."),
    spelt as the truth's utterances spell it ("flite:kal16"); a user who uploads an interview knows there is
    one and tells coach (--interviewer). A self-practice script may say so ("# interviewer: none")."""
    for script in (audio.with_suffix(".txt"), SCRIPTS / f"{audio.stem}.txt"):
        if script.exists():
            for line in script.read_text().splitlines():
                if line.startswith("# interviewer:"):
                    voice = line.removeprefix("# interviewer:").split(";")[0].strip()
                    return None if voice == "none" else voice.replace(" ", ":", 1)
            return None
    return None


def load_session(audio: Path, sessions: Path | None, save: Path | None) -> Session:
    if sessions is not None:
        session = Session.from_json(json.loads((sessions / f"{audio.stem}.json").read_text()))
        said, speaking, _ = candidate_share(session.words, session.speech, (), session.voices)
        analysis = analyze_interview(
            words=said,
            conversation=session.words,
            speech=speaking,
            pauses=session.pauses,
            duration_s=session.source.duration_s,
            talk_span_s=session.metrics["talk_span_s"],
        )
        return Session(**{**{f: getattr(session, f) for f in session.__dataclass_fields__},
                          "phases": analysis.phases, "flags": analysis.flags, "feedback": analysis.feedback})
    out = (save or Path("/tmp")) / f"{audio.stem}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    told = ["--interviewer"] if interviewer_voice(audio) else []
    subprocess.run([sys.executable, "-m", "coach", "analyze", str(audio), "--json", str(out), "--no-progress", "--no-save",
                    *told], check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    return Session.from_json(json.loads(out.read_text()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ours", action="store_true", help="also our own scripts' audio in bench/out")
    parser.add_argument("--only-ours", action="store_true", help="only our own scripts' audio")
    parser.add_argument("--sessions", type=Path, help="re-analyse session JSONs (NAME.json) from this folder")
    parser.add_argument("--script-text", action="store_true", help="analyse each script's own words, not its audio")
    parser.add_argument("--save", type=Path, help="keep the session JSONs made from audio here")
    parser.add_argument("-v", "--verbose", action="store_true", help="list missed and spurious flags")
    parser.add_argument("files", nargs="*", type=Path, help="more FLAC files, with truth JSON beside them")
    args = parser.parse_args()

    files = [] if args.only_ours else sorted(SHARED_MOCK.glob("*.flac"))
    if args.ours or args.only_ours:
        files += sorted(OURS.glob("*.flac"))
    files += args.files
    groups: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0, 0]))
    scores: dict[str, list[float]] = defaultdict(list)
    print(f"{'file':34s} {'phase acc':>9s} {'flag R':>7s} {'flag P':>7s} {'score':>6s}")
    for audio in files:
        truth = json.loads(audio.with_suffix(".json").read_text())
        if args.script_text:
            session = script_text_analysis(truth, interviewer_voice(audio))
        else:
            session = load_session(audio, args.sessions, args.save)
        accuracy = phase_accuracy(session, truth)
        counts = flag_matches(session, truth)
        tagged, found, flagged, matched = (sum(c[i] for c in counts.values()) for i in range(4))
        for group in _groups(audio):
            for category, c in counts.items():
                groups[group][category] = [a + b for a, b in zip(groups[group][category], c)]
        score = session.feedback["score"]["total"]
        scores[audio.stem.rsplit("_", 1)[-1]].append(score)
        print(f"{audio.stem:34s} {accuracy:9.3f} {found / max(tagged, 1):7.3f} {matched / max(flagged, 1):7.3f} "
              f"{score:6.1f}")
        if args.verbose:
            for phrase in truth["phrases"]:
                if not any(f.category == phrase["category"] and f.start <= phrase["end"] + TOLERANCE_S
                           and f.end >= phrase["start"] - TOLERANCE_S for f in session.flags):
                    print(f"    missed  {phrase['category']:20s} {phrase['start']:7.1f} {phrase['text']}")
            for f in session.flags:
                if not any(p["category"] == f.category and f.start <= p["end"] + TOLERANCE_S
                           and f.end >= p["start"] - TOLERANCE_S for p in truth["phrases"]):
                    print(f"    extra   {f.category:20s} {f.start:7.1f} {f.text}")
    print_table(groups)
    print_scores(scores)
    return 0


def _groups(audio: Path) -> list[str]:
    """The pools a file counts in: all and shared or ours for the mock sets, and its own when written blind.

    A file from elsewhere (given on the command line) counts only on its own, so that "all" stays the
    set the bars are stated for.
    """
    folder = audio.parent.resolve()
    found = ["all", "shared"] if folder == SHARED_MOCK.resolve() else ["all", "ours"] if folder == OURS.resolve() else []
    if audio.stem in BLIND or not found:
        found.append(audio.stem.split("_")[0])
    return found


def print_table(groups: dict[str, dict[str, list[int]]]) -> None:
    """Recall and precision per category, one column pair per pool, with the tagged/flag counts of "all"."""
    names = [g for g in ("all", "shared", "ours") if g in groups] + sorted(set(groups) - {"all", "shared", "ours"})
    head = f"{'category':20s} {'tagged':>6s} {'flags':>5s} " + " ".join(f"{g[:12] + ' R/P':>15s}" for g in names)
    print("\n" + head)

    def cell(c: list[int]) -> str:
        tagged, found, flagged, matched = c
        recall = f"{found / tagged:.2f}" if tagged else "-"
        precision = f"{matched / flagged:.2f}" if flagged else "-"
        return f"{recall + '/' + precision:>15s}"

    for category in CATEGORIES:
        c = groups["all"].get(category, [0, 0, 0, 0])
        print(f"{category:20s} {c[0]:6d} {c[2]:5d} " + " ".join(cell(groups[g].get(category, [0, 0, 0, 0]))
                                                            for g in names))
    pooled = {g: [sum(c[i] for c in groups[g].values()) for i in range(4)] for g in names}
    print(f"{'all':20s} {pooled['all'][0]:6d} {pooled['all'][2]:5d} " + " ".join(cell(pooled[g]) for g in names))
    print(" ".join(f"{g}: R {p[1] / max(p[0], 1):.3f} ({p[1]}/{p[0]}) P {p[3] / max(p[2], 1):.3f} ({p[3]}/{p[2]})"
                   for g, p in pooled.items()))



def print_scores(scores: dict[str, list[float]]) -> None:
    """The score's spread per kind of candidate, and how well it tells the weak from the strong."""
    print()
    for kind in ("weak", "mixed", "strong"):
        got = sorted(scores.get(kind, []))
        if got:
            print(f"{kind:6s} {len(got):3d} files: {sum(s >= READY_SCORE for s in got):2d} ready ({READY_SCORE}+), "
                  f"scores {got[0]:.1f} to {got[-1]:.1f}, median {np.median(got):.1f}")
    weak, strong = scores.get("weak", []), scores.get("strong", [])
    if weak and strong:
        wins = sum((s > w) + 0.5 * (s == w) for s in strong for w in weak)
        print(f"a strong candidate outscores a weak one {wins / (len(weak) * len(strong)):.3f} of the time")


if __name__ == "__main__":
    raise SystemExit(main())
