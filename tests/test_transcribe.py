"""The transcription stage with the real bundled model on synthesized speech.

espeak-ng speaks known text into tmp files, so the answers (what was said,
where it was placed) are known exactly; times are checked within 0.3 s.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess

import numpy as np
import pytest

from coach.audio import decode_blocks
from coach.errors import ConfigError, DeviceError
from coach.records import SAMPLE_RATE, SpeechRegion, Word
from coach.transcribe import (
    PROMPT,
    RETRY_NO_REPEAT_NGRAM,
    SpeechChunk,
    Transcriber,
    TranscriberOptions,
    _drop_loops,
    _RawWord,
    _unwritten,
)

TOLERANCE_S = 0.3

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng to synthesize speech")


@pytest.fixture(scope="module")
def transcriber() -> Transcriber:
    return Transcriber(TranscriberOptions(device="cpu"))


@pytest.fixture(scope="module")
def speak(tmp_path_factory):
    """Synthesize text to 16 kHz float32 samples, trimmed to the voiced part."""
    folder = tmp_path_factory.mktemp("espeak")

    def _speak(text: str) -> np.ndarray:
        path = folder / f"{abs(hash(text))}.wav"
        subprocess.run(["espeak-ng", "-s", "160", "-w", str(path), text], check=True)
        samples = np.concatenate([b.samples for b in decode_blocks(path)])
        voiced = np.flatnonzero(np.abs(samples) > 0.01)
        return samples[voiced[0] : voiced[-1] + 1]

    return _speak


def _chunk(audio: np.ndarray, start: float = 0.0, regions: list[tuple[float, float]] | None = None) -> SpeechChunk:
    end = start + len(audio) / SAMPLE_RATE
    spans = regions if regions is not None else [(start, end)]
    return SpeechChunk(start=start, audio=audio.astype(np.float32), regions=tuple(SpeechRegion(s, e) for s, e in spans))


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)


def test_info_records_what_was_used(transcriber):
    info = transcriber.info
    assert (info.name, info.device, info.compute_type) == ("tiny.en", "cpu", "int8")
    assert info.options["cpu_threads"] == os.cpu_count()
    assert info.options["beam_size"] == 5 and info.options["model_verified"]
    assert info.options["workers"] == os.cpu_count()  # one single-thread decoder per core
    assert info.options["initial_prompt"]  # keep_fillers is on by default


def test_digital_silence_gives_no_words(transcriber):
    assert transcriber.transcribe(_chunk(_silence(60))) == []


def test_white_noise_gives_no_words(transcriber):
    noise = np.random.default_rng(0).normal(0, 0.1, 60 * SAMPLE_RATE).astype(np.float32)
    assert transcriber.transcribe(_chunk(noise)) == []


def test_speech_after_long_silence_lands_on_the_recording_clock(transcriber, speak):
    speech = speak("The load balancer sends each request to one of the application servers.")
    audio = np.concatenate([_silence(20), speech, _silence(2)])
    speech_s = len(speech) / SAMPLE_RATE
    # The chunk itself starts 100 s into the recording, so offsets add up.
    region = (120.0, 120.0 + speech_s)
    words = transcriber.transcribe(_chunk(audio, start=100.0, regions=[region]))
    text = " ".join(w.text for w in words).lower()
    assert "load" in text and "application servers" in text
    assert abs(words[0].start - region[0]) <= TOLERANCE_S
    assert abs(words[-1].end - region[1]) <= TOLERANCE_S
    assert all(a.start <= b.start for a, b in zip(words, words[1:]))
    assert all(w.text == w.text.strip() and 0.0 <= w.probability <= 1.0 and w.start <= w.end for w in words)


def test_two_regions_apart_map_through_their_own_offsets(transcriber, speak):
    first = speak("We shard the users table by user id.")
    second = speak("Then we add a cache in front of the database.")
    gap = _silence(25)
    audio = np.concatenate([_silence(1), first, gap, second, _silence(1)])
    a0 = 1.0
    a1 = a0 + len(first) / SAMPLE_RATE
    b0 = a1 + len(gap) / SAMPLE_RATE
    b1 = b0 + len(second) / SAMPLE_RATE
    words = transcriber.transcribe(_chunk(audio, regions=[(a0, a1), (b0, b1)]))
    cache = [w for w in words if "cache" in w.text.lower()]
    assert cache and b0 <= cache[0].start <= b1
    assert abs(words[0].start - a0) <= TOLERANCE_S
    assert abs(words[-1].end - b1) <= TOLERANCE_S
    assert not [w for w in words if a1 + TOLERANCE_S < w.start < b0 - TOLERANCE_S]


def test_audio_outside_the_regions_is_not_transcribed(transcriber, speak):
    said = speak("Consistent hashing spreads keys across nodes.")
    unsaid = speak("This sentence is not inside any region.")
    audio = np.concatenate([said, _silence(3), unsaid])
    region = (0.0, len(said) / SAMPLE_RATE)
    words = transcriber.transcribe(_chunk(audio, regions=[region]))
    assert words and all(w.end <= region[1] + TOLERANCE_S for w in words)
    assert "sentence" not in " ".join(w.text for w in words).lower()


def test_utterance_with_fillers_runs(transcriber, speak):
    # espeak's "um" need not sound like one, so only check the words around it survive.
    speech = speak("Um, so, uh, I think we should, um, use a message queue here.")
    words = transcriber.transcribe(_chunk(np.concatenate([_silence(0.5), speech, _silence(0.5)])))
    assert "think we should" in " ".join(w.text for w in words).lower()



def test_a_product_name_the_model_cannot_spell_unaided_is_written_right(transcriber, speak):
    # unprompted, tiny.en writes "We keep the counter in with it."
    speech = speak("We keep the counters in Redis.")
    words = transcriber.transcribe(_chunk(np.concatenate([_silence(0.5), speech, _silence(0.5)])))
    assert "redis" in " ".join(w.text for w in words).lower()


def test_speech_the_prompted_decode_skips_is_decoded_again_without_the_prompt(transcriber, speak, monkeypatch):
    first = speak("The load balancer sends each request to a server.")
    second = speak("Then we add a cache in front of the database.")
    audio = np.concatenate([_silence(0.5), first, _silence(2), second, _silence(0.5)])
    a = (0.5, 0.5 + len(first) / SAMPLE_RATE)
    b = (a[1] + 2, a[1] + 2 + len(second) / SAMPLE_RATE)
    real = transcriber._decode
    prompts = []
    cut = len(first) / SAMPLE_RATE + 0.2  # in the model input, which drops most of the gap

    def skips_the_second(model_input, draft, prompt):
        """The prompted decoder as it sometimes is: it writes the first sentence and jumps over the second."""
        prompts.append(prompt)
        segments = real(model_input, draft, prompt)
        if prompt:
            segments = [dataclasses.replace(s, words=[w for w in s.words if w.end < cut]) for s in segments]
        return segments

    monkeypatch.setattr(transcriber, "_decode", skips_the_second)
    words = transcriber.transcribe(_chunk(audio, regions=[a, b]))
    text = " ".join(w.text for w in words).lower()
    assert prompts == [PROMPT, None]
    assert "load" in text and "cache in front of the database" in text
    assert text.count("load") == 1  # the first sentence is not written twice
    assert all(x.start <= y.start for x, y in zip(words, words[1:]))
    prompts.clear()
    transcriber.transcribe(_chunk(audio, regions=[a, b]), draft=True)
    assert prompts == [PROMPT]  # someone is waiting for a draft: one decode only


def test_a_word_repeated_four_times_or_more_is_a_loop_and_dropped():
    def raw(*texts):
        return [_RawWord(f" {t}", i * 0.3, i * 0.3 + 0.25, 0.9) for i, t in enumerate(texts)]

    looped = raw("we", "shard", "No,", "no,", "no,", "no,", "no.", "then")
    assert [w.word.strip() for w in _drop_loops(looped)] == ["we", "shard", "then"]
    spoken = raw("no,", "no,", "no,", "that", "is", "wrong")  # said three times: kept
    assert _drop_loops(spoken) == spoken
    stalling = raw("so", "uh,", "uh,", "uh,", "uh,", "the", "cache")  # a hesitation, however long: kept
    assert _drop_loops(stalling) == stalling


def test_unwritten_regions_are_long_ones_with_almost_no_words():
    regions = [SpeechRegion(0.0, 3.0), SpeechRegion(4.0, 4.8), SpeechRegion(6.0, 9.0)]
    words = [Word(0.2, 0.6, "we", 0.9), Word(0.7, 1.5, "shard", 0.9), Word(6.1, 6.4, "then", 0.9)]
    # the short region (0.8 s) is too short to judge; 0.3 s of words in 3 s is under a fifth
    assert _unwritten(regions, words) == [SpeechRegion(6.0, 9.0)]
    assert _unwritten(regions, words + [Word(6.5, 7.0, "we", 0.9)]) == []

def test_chunk_of_silence_between_speech_chunks(transcriber, speak):
    a, b = speak("Read replicas."), speak("Write ahead log.")
    results = [transcriber.transcribe(c) for c in (_chunk(a, start=5.0), _chunk(_silence(5)), _chunk(b, start=50.0))]
    assert results[1] == []
    assert results[0] and results[0][0].start < 10 and results[2] and results[2][0].start >= 50 - TOLERANCE_S


def test_unknown_device_and_compute_type_are_one_line_errors():
    with pytest.raises(DeviceError, match="unknown device 'tpu'"):
        TranscriberOptions(device="tpu")
    with pytest.raises(ConfigError, match="unknown compute type 'int3'"):
        TranscriberOptions(compute_type="int3")


def test_unsupported_compute_type_on_cpu_is_a_config_error():
    import ctranslate2

    if "float16" in ctranslate2.get_supported_compute_types("cpu"):
        pytest.skip("this CPU build supports float16")
    with pytest.raises(ConfigError, match="not supported on cpu"):
        Transcriber(TranscriberOptions(device="cpu", compute_type="float16"))


def test_cuda_without_a_gpu_is_a_device_error():
    import ctranslate2

    if ctranslate2.get_cuda_device_count() > 0:
        pytest.skip("a CUDA GPU is present")
    with pytest.raises(DeviceError, match="no CUDA GPU"):
        Transcriber(TranscriberOptions(device="cuda"))


class _WindowRecorder:
    """A stand-in for faster-whisper's model: records what each window's encode and generate receive."""

    max_length = 448

    def __init__(self):
        self.encoded_frames = []
        self.max_new_tokens = []

    def encode(self, features):
        self.encoded_frames.append(features.shape[-1])

    def generate_with_fallback(self, encoder_output, prompt, tokenizer, options):
        self.max_new_tokens.append(options.max_new_tokens)


def _window(content_frames: int) -> np.ndarray:
    features = np.zeros((80, 3000), dtype=np.float32)  # faster-whisper pads with exact zeros
    features[:, :content_frames] = -0.5
    return features


@pytest.mark.parametrize(("content", "frames"), [(0, 1500), (1000, 1500), (1300, 1500), (1301, 3000), (3000, 3000)])
def test_the_encoder_gets_a_short_window_when_the_speech_leaves_room(content, frames):
    from coach.transcribe import _decode_windows_thriftily

    model = _WindowRecorder()
    _decode_windows_thriftily(model, RETRY_NO_REPEAT_NGRAM)
    model.encode(_window(content))
    assert model.encoded_frames == [frames]


def test_each_window_may_write_only_the_tokens_its_audio_could_hold():
    from faster_whisper.transcribe import TranscriptionOptions

    from coach.transcribe import _decode_windows_thriftily, token_budget

    model = _WindowRecorder()
    _decode_windows_thriftily(model, RETRY_NO_REPEAT_NGRAM)
    options = TranscriptionOptions(*[None] * len(dataclasses.fields(TranscriptionOptions)))
    # a scrap after the last word, an utterance, a full window, and one whose prompt leaves less room
    for content, prompt in ((20, 30), (850, 30), (3000, 30), (3000, 300)):
        model.encode(_window(content))
        model.generate_with_fallback(None, [0] * prompt, None, options)
    assert model.max_new_tokens == [token_budget(0.2), token_budget(8.5), token_budget(30.0), 448 - 300]
    assert token_budget(0.2) <= 10 and token_budget(8.5) >= 5 * 8.5  # a loop stops fast; a fast talker fits


class _ScriptedDecoder(_WindowRecorder):
    """A stand-in whose decodes return scripted ``(result, avg_logprob, temperature, compression_ratio)``."""

    def __init__(self, *decodes):
        super().__init__()
        self.decodes = list(decodes)
        self.no_repeat = []

    def generate_with_fallback(self, encoder_output, prompt, tokenizer, options):
        self.no_repeat.append(options.no_repeat_ngram_size)
        return self.decodes.pop(0)


def _decoded(name: str, avg_logprob: float, compression_ratio: float = 1.5, no_speech_prob: float = 0.1):
    return (dataclasses.make_dataclass(name, [("no_speech_prob", float)])(no_speech_prob), avg_logprob, 0.0,
            compression_ratio)


@pytest.mark.parametrize(
    ("first", "again", "kept"),
    [
        (_decoded("loop", -0.2, 3.1), _decoded("words", -0.4), "words"),  # a loop, then a retry that passes
        (_decoded("doubtful", -1.3), _decoded("sure", -0.6), "sure"),
        (_decoded("doubtful", -1.3), _decoded("worse", -1.6), "doubtful"),  # both fail: the likelier
        (_decoded("loop", -0.2, 3.1), _decoded("doubtful", -1.6), "doubtful"),  # ...that is not a loop
        (_decoded("words", -0.4), None, "words"),  # passed: decoded once
        (_decoded("silence", -1.5, no_speech_prob=0.9), None, "silence"),
    ],
)
def test_a_window_that_fails_whispers_checks_is_decoded_once_more_without_repeats(first, again, kept):
    from faster_whisper.transcribe import TranscriptionOptions

    from coach.transcribe import _decode_windows_thriftily

    model = _ScriptedDecoder(first, again)
    window = _decode_windows_thriftily(model, 3)
    window.retry = True
    options = TranscriptionOptions(*[None] * len(dataclasses.fields(TranscriptionOptions)))
    options = dataclasses.replace(options, compression_ratio_threshold=2.4, log_prob_threshold=-1.0,
                                  no_speech_threshold=0.6)
    model.encode(_window(3000))
    chosen = model.generate_with_fallback(None, [0], None, options)
    assert type(chosen[0]).__name__ == kept
    assert model.no_repeat == ([None, 3] if again else [None])
    model.decodes, model.no_repeat = [first, again], []
    window.retry = False  # a draft
    model.generate_with_fallback(None, [0], None, options)
    assert model.no_repeat == [None]


def test_the_same_speech_is_written_the_same_every_time(speak, monkeypatch):
    """Whisper's own retries sample, and CTranslate2's per-thread random generators made them differ."""
    import coach.transcribe

    retries = []
    # every decode counts as doubtful, so every window is decoded again, and the retry's words are kept
    monkeypatch.setattr(coach.transcribe, "_likelier", lambda first, again, options: retries.append(again) or again)
    transcriber = Transcriber(TranscriberOptions(device="cpu", log_prob_threshold=0.0))
    speech = speak("We shard the counters by user, and replicate each shard to two followers.")
    chunk = _chunk(np.concatenate([_silence(0.5), speech, _silence(0.5)]))
    runs = [[(w.text, w.start, w.end) for w in transcriber.transcribe(chunk)] for _ in range(3)]
    assert len(retries) == 3 and runs[0] and runs[0] == runs[1] == runs[2]
