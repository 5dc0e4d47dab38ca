"""Measure the transcription stage: filler recall, WER and speed against plain faster-whisper.

Reads the shared evaluation audio (not shipped with the repo):

    .venv/bin/python bench/eval_transcribe.py [--audio /work/shared/audio] [--skip-speed]

Prints tables; nothing is written. Timings compare runs inside this one
process only (other jobs on the machine shift absolute numbers).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coach.audio import decode_blocks  # noqa: E402
from coach.pipeline import run_stages  # noqa: E402
from coach.records import SAMPLE_RATE, AudioBlock, SpeechRegion  # noqa: E402
from coach.transcribe import SpeechChunk, Transcriber, TranscriberOptions  # noqa: E402

FILLERS = {
    "um": "um", "umm": "um", "uhm": "um", "mm": "um",
    "uh": "uh", "uhh": "uh", "er": "uh", "erm": "um",
    "hm": "hm", "hmm": "hm", "hmmm": "hm", "mhm": "hm",
}  # fmt: skip


def load(path: Path) -> np.ndarray:
    return np.concatenate([b.samples for b in decode_blocks(path)])


def norm_words(text: str) -> list[str]:
    text = text.lower().replace("-", " ")
    text = re.sub(r"<cutoff-[^>]*>|\[[^\]]*\]|<unk>", " ", text)
    text = re.sub(r"<hes-([^>]*)>", r"\1", text)
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    return [FILLERS.get(w, w) for w in text.split()]


def edits(ref: list[str], hyp: list[str]) -> int:
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


def wer(pairs: list[tuple[str, str]], drop_fillers: bool = False) -> float:
    strip = (lambda ws: [w for w in ws if w not in ("um", "uh", "hm")]) if drop_fillers else (lambda ws: ws)
    e = n = 0
    for ref, hyp in pairs:
        r, h = strip(norm_words(ref)), strip(norm_words(hyp))
        e += edits(r, h)
        n += len(r)
    return 100.0 * e / max(n, 1)


def filler_counts(text: str) -> Counter:
    words = norm_words(text)
    c = Counter(w for w in words if w in ("um", "uh", "hm"))
    c["you know"] = sum(1 for a, b in zip(words, words[1:]) if (a, b) == ("you", "know"))
    return c


def plain_whisper(model, audio: np.ndarray) -> str:
    """The baseline: faster-whisper's own VAD, word timestamps, every other option at its default."""
    segments, _ = model.transcribe(audio, vad_filter=True, word_timestamps=True)
    return " ".join(s.text.strip() for s in segments)


def ours(tr: Transcriber, audio: np.ndarray, regions: list[SpeechRegion] | None = None) -> str:
    chunks = make_chunks(audio, regions or [SpeechRegion(0.0, len(audio) / SAMPLE_RATE)])
    return " ".join(w.text for c in chunks for w in tr.transcribe(c))


def make_chunks(audio: np.ndarray, regions: list[SpeechRegion], max_speech: float = 30.0) -> list[SpeechChunk]:
    """Group regions into chunks of at most ``max_speech`` seconds, as the pipeline does."""
    groups: list[list[SpeechRegion]] = [[]]
    for r in regions:
        if groups[-1] and sum(x.duration for x in groups[-1]) + r.duration > max_speech:
            groups.append([])
        groups[-1].append(r)
    chunks = []
    for g in groups:
        s = max(0, int((g[0].start - 0.5) * SAMPLE_RATE))
        e = min(len(audio), int((g[-1].end + 0.5) * SAMPLE_RATE))
        chunks.append(SpeechChunk(start=s / SAMPLE_RATE, audio=audio[s:e], regions=tuple(g)))
    return chunks


def through_pipeline(tr: Transcriber, audio: np.ndarray) -> str:
    """What `coach analyze` would write: the real streaming stages (VAD, chunker, transcriber) over the audio."""
    blocks = (AudioBlock(i, audio[i : i + SAMPLE_RATE // 2]) for i in range(0, len(audio), SAMPLE_RATE // 2))
    return " ".join(w.text for out in run_stages(blocks, tr) for w in out.words)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--audio", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared" / "audio")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--speed-file", default="mock/d2_chat_strong")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0,
                    help="seed of plain faster-whisper's sampling at raised temperatures (coach does not sample), "
                         "so that two runs compare like with like")
    args = ap.parse_args()
    import ctranslate2
    from faster_whisper import WhisperModel

    ctranslate2.set_random_seed(args.seed)

    base = TranscriberOptions(device="cpu")
    variants = {
        "ours, no prompt": replace(base, keep_fillers=False),
        "ours, prompted": base,
        "ours, prompted, raw": replace(base, suppress_noise=False),
    }
    transcribers = {name: Transcriber(o) for name, o in variants.items()}
    model_path = transcribers["ours, prompted"].info.path
    plain = WhisperModel(model_path, device="cpu", compute_type="int8")
    systems = {"plain faster-whisper": lambda a: plain_whisper(plain, a)} | {
        name: (lambda a, t=tr: ours(t, a)) for name, tr in transcribers.items()
    } | {"coach pipeline (our VAD)": lambda a: through_pipeline(transcribers["ours, prompted"], a),
         "coach pipeline, raw": lambda a: through_pipeline(transcribers["ours, prompted, raw"], a)}

    # --- fillers + WER on MFA clips (each whole file one region, and through the whole pipeline) ---
    real = args.audio / "real"
    refs = {}
    for line in (real / "mfa/mfa_refs.tsv").read_text().splitlines():
        if line and not line.startswith("#"):
            name, text = line.split("\t", 1)
            refs[name] = text
    clips = {name: load(real / "mfa" / name) for name in refs}
    ref_fill = sum((filler_counts(t) for t in refs.values()), Counter())
    print(f"MFA clips: {len(clips)} files; reference fillers {dict(ref_fill)}")
    print(f"{'system':24} {'um/uh/hm recall':>16} {'precision':>10} {'you know':>9} {'WER mfa':>8} {'WER no-fill':>11}")
    for name, fn in systems.items():
        hyps = {f: fn(a) for f, a in clips.items()}
        hit, said = Counter(), Counter()
        for f, ref in refs.items():
            rc, hc = filler_counts(ref), filler_counts(hyps[f])
            said += hc
            for k in rc:
                hit[k] += min(rc[k], hc[k])
        n = sum(ref_fill[k] for k in ("um", "uh", "hm"))
        h = sum(hit[k] for k in ("um", "uh", "hm"))
        pairs = [(refs[f], hyps[f]) for f in refs]
        p = sum(said[k] for k in ("um", "uh", "hm"))
        print(
            f"{name:24} {h:>3}/{n} = {100 * h / n:4.0f}% {h:>3}/{p:<3} {hit['you know']:>4}/{ref_fill['you know']} "
            f"{wer(pairs):7.1f}% {wer(pairs, drop_fillers=True):10.1f}%"
        )
        for f in ("mfa_uhum.flac", "mfa_crossword.flac"):
            print(f"    {f}: {hyps[f]}")

    # --- WER on read speech ---
    sets = {"azure audio.wav": [(real / "azure-speech-sdk/audio.wav", _azure_ref(real))]}
    sets["librivox x5"] = [(p.with_suffix(".wav"), p.read_text()) for p in sorted((real / "pocketsphinx-librivox").glob("*.txt"))]
    print(f"\n{'system':24} " + " ".join(f"{k:>16}" for k in sets))
    for name, fn in systems.items():
        cells = []
        for files in sets.values():
            cells.append(wer([(ref, fn(load(p))) for p, ref in files]))
        print(f"{name:24} " + " ".join(f"{c:15.1f}%" for c in cells))

    if args.skip_speed:
        return
    # --- speed on a mock interview, regions from the ground-truth utterances ---
    stem = args.audio / args.speed_file
    meta = json.loads(stem.with_suffix(".json").read_text())
    ref = " ".join(u["text"] for u in meta["utterances"])
    audio = load(stem.with_suffix(".flac"))
    truth = [SpeechRegion(u["start"], u["end"]) for u in meta["utterances"]]
    print(f"\nspeed: {stem.name}, {len(audio) / SAMPLE_RATE:.0f} s audio, {len(truth)} utterances, best of {args.repeats}")
    runs = {"plain faster-whisper (beam 5)": lambda: plain_whisper(plain, audio)}
    for name, tr in transcribers.items():
        runs[f"{name}, beam {tr.options.beam_size}"] = lambda t=tr: ours(t, audio, truth)
    for beam in sorted({1, 2, 3, 5} - {base.beam_size}):
        tr = Transcriber(replace(base, beam_size=beam))
        runs[f"ours, prompted, beam {beam}"] = lambda t=tr: ours(t, audio, truth)
    runs["coach pipeline (our VAD)"] = lambda: through_pipeline(transcribers["ours, prompted"], audio)
    # Interleave repeats so load from other jobs hits every system alike; keep the fastest.
    best: dict[str, float] = {}
    text: dict[str, str] = {}
    for _ in range(args.repeats):
        for name, fn in runs.items():
            t0 = time.perf_counter()
            text[name] = fn()
            best[name] = min(best.get(name, float("inf")), time.perf_counter() - t0)
    plain_s = best["plain faster-whisper (beam 5)"]
    print(f"{'system':40} {'wall s':>7} {'x plain':>8} {'WER':>6}")
    for name in runs:
        print(f"{name:40} {best[name]:7.1f} {best[name] / plain_s:8.2f} {wer([(ref, text[name])]):5.1f}%")


def _azure_ref(real: Path) -> str:
    line = (real / "azure-speech-sdk/trans.txt").read_text(encoding="utf-8-sig").strip()
    return line.split("\t", 1)[1]


if __name__ == "__main__":
    main()
