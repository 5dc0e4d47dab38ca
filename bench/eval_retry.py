"""How a window that fails Whisper's checks is best decoded again: WER of each remedy on those windows.

Runs each mock through the streaming stages with no retry, keeps the chunks in which a window failed
(a repetition loop, or an average log-probability under the threshold on speech), then decodes those
chunks again with each remedy and scores the words against the script's utterances in the chunk:

    none      the first decode stands
    ngram     coach's retry: once more, no run of RETRY_NO_REPEAT_NGRAM tokens allowed twice
    noprompt  once more without the initial prompt
    ladder    faster-whisper's own: sampling at temperatures 0.2 to 1.0, best of 5 (not repeatable)

    .venv/bin/python bench/eval_retry.py [FILE.flac ...] [--remedies none,ngram,noprompt,ladder]

With no files: every mock in bench/out (bench/synth.py) and the shared ones where ../shared exists.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from metrics import wer  # noqa: E402

import coach.transcribe  # noqa: E402
from coach.audio import decode_blocks  # noqa: E402
from coach.pipeline import run_stages  # noqa: E402
from coach.transcribe import SpeechChunk, Transcriber, TranscriberOptions  # noqa: E402

BENCH = Path(__file__).resolve().parent
SHARED_MOCKS = BENCH.parent.parent / "shared" / "audio" / "mock"
LADDER = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


def failed_chunks(path: Path, transcriber: Transcriber) -> list[tuple[SpeechChunk, str]]:
    """The chunks of ``path`` in which a window's first decode failed Whisper's checks, each with the
    words that decode wrote (the remedy "none": no need to decode them again)."""
    seen, found = threading.local(), []
    decode, transcribe = transcriber._decode, transcriber.transcribe

    def checking_decode(model_input, draft, prompt):
        segments = decode(model_input, draft, prompt)
        seen.failed = getattr(seen, "failed", False) or any(
            coach.transcribe._failed((s, s.avg_logprob, 0.0, s.compression_ratio), transcriber.options)
            for s in segments)
        return segments

    def keeping_transcribe(chunk, *, draft=False):
        seen.failed = False
        words = transcribe(chunk, draft=draft)
        if seen.failed:
            found.append((chunk, " ".join(w.text for w in words)))
        return words

    transcriber._decode, transcriber.transcribe = checking_decode, keeping_transcribe
    try:
        for _ in run_stages(decode_blocks(path), transcriber):
            pass
    finally:
        del transcriber._decode, transcriber.transcribe
    return found


def remedy(name: str) -> Transcriber:
    """A transcriber that decodes a failed window again the way ``name`` says (not "none")."""
    if name == "ngram":
        return Transcriber(TranscriberOptions())
    transcriber = Transcriber(TranscriberOptions(retry_no_repeat_ngram=0))
    model = transcriber._model
    thrifty = model.generate_with_fallback
    if name == "ladder":
        def generate(encoder_output, prompt, tokenizer, options):
            return thrifty(encoder_output, prompt, tokenizer,
                           dataclasses.replace(options, temperatures=list(LADDER), best_of=5))
        model.generate_with_fallback = generate
    elif name == "noprompt":
        def generate(encoder_output, prompt, tokenizer, options):
            first = thrifty(encoder_output, prompt, tokenizer, options)
            if not coach.transcribe._failed(first, options):
                return first
            again = thrifty(encoder_output, prompt[prompt.index(tokenizer.sot_sequence[0]):], tokenizer, options)
            return coach.transcribe._kept(first, again, options)
        model.generate_with_fallback = generate
    else:
        raise SystemExit(f"unknown remedy {name!r}")
    return transcriber


def script_words(truth: dict, chunk: SpeechChunk) -> str:
    """What the script says in the chunk: the utterances centred in its regions (give or take 0.3 s)."""
    return " ".join(u["text"] for u in truth["utterances"]
                    if any(r.start - 0.3 <= (u["start"] + u["end"]) / 2 <= r.end + 0.3 for r in chunk.regions))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--remedies", default="none,ngram,noprompt,ladder")
    args = ap.parse_args()
    files = args.files or sorted(BENCH.glob("out/*.flac")) + sorted(SHARED_MOCKS.glob("*.flac"))
    finder = Transcriber(TranscriberOptions(retry_no_repeat_ngram=0))
    cases = []
    for path in files:
        truth = json.loads(path.with_suffix(".json").read_text())
        chunks = failed_chunks(path, finder)
        cases += [(chunk, script_words(truth, chunk), first) for chunk, first in chunks]
        print(f"{path.stem}: {len(chunks)} chunk(s) with a failed window", flush=True)
    if not cases:
        print("no window failed")
        return 0
    print(f"\n{'remedy':10} {'WER':>6}  errors / script words, on {len(cases)} chunks")
    for name in args.remedies.split(","):
        transcriber = remedy(name) if name != "none" else None
        errors = words = 0
        for chunk, said, first in cases:
            written = " ".join(w.text for w in transcriber.transcribe(chunk)) if transcriber else first
            _, e, n = wer(said, written)
            errors, words = errors + e, words + n
        print(f"{name:10} {errors / words:6.3f}  {errors} / {words}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
