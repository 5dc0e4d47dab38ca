"""Evaluate telling the interviewer from the candidate (coach.voices), from audio.

For each recording with two known voices, the speech is found by coach's VAD, printed and split as
`coach analyze --interviewer` does, and scored per 10 ms frame where the truth has exactly one
person speaking: the share of that speech given to the right person (the candidate is whoever talks
more, in the truth and in the split alike).

- our mocks whose script has an interviewer's lines ("# interviewer:" in bench/scripts/NAME.txt);
- ../shared/audio/real/pyannote-audio/sample.wav: a real two-person telephone chat (RTTM);
- ../shared/audio/real/gcp-speech/commercial_mono.wav: a real two-person sales call, no truth
  (separation only);
- single-speaker real clips, for the separation a split of one voice reaches (it should stay low).

    python bench/eval_voices.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from eval_analysis import OURS, interviewer_voice  # noqa: E402
from eval_vad import load_audio, run_vad  # noqa: E402

from coach.records import CANDIDATE, SpeechRegion  # noqa: E402
from coach.transcribe import SpeechChunk  # noqa: E402
from coach.vad import VadOptions  # noqa: E402
from coach.voices import measure_voices, split_voices  # noqa: E402

REAL = REPO.parent / "shared" / "audio" / "real"
HOP_S = 0.01
ONE_VOICE = ("azure-speech-sdk/audio.wav", "azure-speech-sdk/speechService.wav", "silero-vad/test.wav",
             "mfa/acoustic_corpus.wav", "mfa/cold_corpus.wav")
TWO_VOICES_NO_TRUTH = ("gcp-speech/commercial_mono.wav",)


def split_audio(audio: np.ndarray):
    regions = [SpeechRegion(s, e) for s, e in run_vad(audio, VadOptions())]
    prints = measure_voices(SpeechChunk(0.0, audio, tuple(regions)))
    return split_voices(prints, regions)


def frames(spans, n: int) -> np.ndarray:
    """Per frame: 0 nobody, 1 the candidate, 2 the other voice, 3 both."""
    out = np.zeros(n, dtype=int)
    for start, end, is_candidate in spans:
        out[int(start / HOP_S):int(end / HOP_S)] |= 1 if is_candidate else 2
    return out


def accuracy(truth: np.ndarray, found: np.ndarray) -> float:
    scored = np.isin(truth, (1, 2)) & np.isin(found, (1, 2))
    return float((truth[scored] == found[scored]).mean()) if scored.any() else float("nan")


def truth_of_mock(truth: dict) -> list[tuple[float, float, bool]]:
    talk: dict[str, float] = {}
    for u in truth["utterances"]:
        talk[u["voice"]] = talk.get(u["voice"], 0.0) + u["end"] - u["start"]
    candidate = max(talk, key=talk.get)
    return [(u["start"], u["end"], u["voice"] == candidate) for u in truth["utterances"]]


def truth_of_rttm(path: Path) -> list[tuple[float, float, bool]]:
    turns = [(float(f[3]), float(f[3]) + float(f[4]), f[7]) for f in (line.split() for line in path.read_text().splitlines())]
    talk: dict[str, float] = {}
    for start, end, who in turns:
        talk[who] = talk.get(who, 0.0) + end - start
    candidate = max(talk, key=talk.get)
    return [(start, end, who == candidate) for start, end, who in turns]


def main() -> int:
    print(f"{'recording':44s} {'accuracy':>8s} {'separation':>10s} {'other voice: truth / found':>27s}")
    scored = []
    cases = [(audio, truth_of_mock(json.loads(audio.with_suffix(".json").read_text())))
             for audio in sorted(OURS.glob("*.flac")) if interviewer_voice(audio)]
    cases.append((REAL / "pyannote-audio" / "sample.wav", truth_of_rttm(REAL / "pyannote-audio" / "sample.rttm")))
    cases += [(REAL / name, None) for name in TWO_VOICES_NO_TRUTH + ONE_VOICE]
    for path, truth in cases:
        if not path.exists():
            continue
        audio = load_audio(path)
        split = split_audio(audio)
        n = int(len(audio) / 16000 / HOP_S) + 1
        found = frames([(s.start, s.end, s.speaker == CANDIDATE) for s in split.spans], n)
        found_other = float((found == 2).sum() / max(np.isin(found, (1, 2)).sum(), 1))
        if truth is None:
            print(f"{path.stem:44s} {'-':>8s} {split.separation:10.2f} {'- / ' + f'{found_other:.2f}':>27s}")
            continue
        expected = frames(truth, n)
        score = accuracy(expected, found)
        scored.append(score)
        true_other = float((expected == 2).sum() / max(np.isin(expected, (1, 2)).sum(), 1))
        print(f"{path.stem:44s} {score:8.3f} {split.separation:10.2f} {f'{true_other:.2f} / {found_other:.2f}':>27s}")
    print(f"mean accuracy over the recordings with truth: {np.mean(scored):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
