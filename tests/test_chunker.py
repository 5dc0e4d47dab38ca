"""The chunker: regions and their audio grouped for the model, with bounded memory."""

import numpy as np
import pytest

from coach.pipeline import Chunker, ChunkOptions
from coach.records import SAMPLE_RATE, AudioBlock, SpeechRegion

BLOCK = SAMPLE_RATE // 2


def blocks_of(audio: np.ndarray):
    for start in range(0, len(audio), BLOCK):
        yield AudioBlock(start, audio[start : start + BLOCK])


def ramp(seconds: float) -> np.ndarray:
    """Audio whose every sample says where it is, so slices can be checked exactly."""
    return (np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE).astype(np.float32)


def feed(chunker: Chunker, audio: np.ndarray, regions: list[SpeechRegion], *, lag: float = 0.5):
    """Replay ``audio``, handing each region over once the stream is ``lag`` seconds past its end, like a VAD."""
    todo = list(regions)
    chunks = []
    for block in blocks_of(audio):
        done = [r for r in todo if r.end + lag <= block.end]
        todo = [r for r in todo if r not in done]
        open_since = next((r.start for r in todo if r.start <= block.end), None)
        chunks += chunker.push(block, done, open_since=open_since, settled_until=block.end - lag)
    return chunks + chunker.flush(todo)


def test_regions_are_grouped_up_to_the_speech_limit_and_audio_matches():
    audio = ramp(120)
    regions = [SpeechRegion(s, s + 8.0) for s in np.arange(2.0, 110.0, 10.0)]
    chunks = feed(Chunker(ChunkOptions(max_speech_s=28.0, context_s=0.3)), audio, regions)
    assert [len(c.regions) for c in chunks] == [3, 3, 3, 2]
    assert [r for c in chunks for r in c.regions] == regions
    for chunk in chunks:
        assert sum(r.duration for r in chunk.regions) <= 28.0
        assert chunk.start == pytest.approx(chunk.regions[0].start - 0.3, abs=1 / SAMPLE_RATE)
        assert len(chunk.audio) / SAMPLE_RATE == pytest.approx(chunk.regions[-1].end + 0.3 - chunk.start, abs=1e-3)
        # the samples are the recording's own, at the right place
        assert chunk.audio[0] == pytest.approx(chunk.start, abs=1e-4)


def test_a_monologue_longer_than_a_chunk_is_cut_at_a_quiet_moment():
    rng = np.random.default_rng(1)
    audio = (0.3 * rng.standard_normal(60 * SAMPLE_RATE)).astype(np.float32)
    dip = int(25.0 * SAMPLE_RATE)
    audio[dip : dip + SAMPLE_RATE // 5] *= 0.01  # a breath at 25.0-25.2 s
    chunks = feed(Chunker(ChunkOptions(max_speech_s=28.0)), audio, [SpeechRegion(1.0, 50.0)])
    assert len(chunks) == 2
    cut = chunks[0].regions[-1].end
    assert 25.0 <= cut <= 25.2
    assert chunks[1].regions[0] == SpeechRegion(cut, 50.0)


def test_span_limit_closes_chunks_across_long_silences():
    audio = ramp(400)
    regions = [SpeechRegion(s, s + 1.0) for s in (10.0, 100.0, 200.0, 390.0)]
    chunks = feed(Chunker(ChunkOptions(max_span_s=90.0)), audio, regions)
    assert [c.regions for c in chunks] == [(r,) for r in regions]


def test_live_mode_closes_a_chunk_when_the_speaker_pauses():
    audio = ramp(20)
    regions = [SpeechRegion(1.0, 3.0), SpeechRegion(3.2, 5.0), SpeechRegion(12.0, 14.0)]
    chunker = Chunker(ChunkOptions(close_after_silence_s=0.5))
    chunks = feed(chunker, audio, regions, lag=0.3)
    assert [c.regions for c in chunks] == [tuple(regions[:2]), (regions[2],)]


def test_live_mode_does_not_hold_an_utterance_back_while_the_next_one_runs():
    audio = ramp(20)
    regions = [SpeechRegion(1.0, 3.0), SpeechRegion(3.4, 9.0)]
    # the VAD closes the first region at 3.5 s, when the second one is already open
    chunks = feed(Chunker(ChunkOptions(close_after_silence_s=0.0)), audio, regions, lag=0.5)
    assert [c.regions for c in chunks] == [(regions[0],), (regions[1],)]
    first = Chunker(ChunkOptions(close_after_silence_s=0.0))
    early = []
    for block in blocks_of(audio[: 4 * SAMPLE_RATE]):
        done = [regions[0]] if block.end == 3.5 else []
        early += first.push(block, done, open_since=3.4 if block.end >= 3.5 else None, settled_until=block.end - 0.5)
    assert [c.regions for c in early] == [(regions[0],)]


def test_live_mode_sends_a_long_utterance_in_pieces_while_it_runs():
    audio = ramp(40)
    talk = SpeechRegion(1.0, 30.0)
    chunker = Chunker(ChunkOptions(max_speech_s=12.0, close_after_silence_s=0.0))
    sent = []  # (stream position, chunk)
    for block in blocks_of(audio):
        done = [talk] if block.end == 30.5 else []
        open_since = talk.start if talk.start <= block.end < 30.5 else None
        for chunk in chunker.push(block, done, open_since=open_since, settled_until=min(block.end - 0.5, talk.end)):
            sent.append((block.end, chunk))
        if block.end == 27.0:
            guessed = chunker.guess(talk.start, 26.0, 26.2)  # as if it ended at 26 s
    pieces = [r for _, c in sent for r in c.regions]
    assert pieces[0].start == talk.start and pieces[-1].end == talk.end
    assert all(a.end == b.start for a, b in zip(pieces, pieces[1:]))  # nothing twice, nothing left out
    assert all(p.duration <= 12.0 for p in pieces) and len(pieces) == 3
    assert [position < talk.end for position, _ in sent] == [True, True, False]
    assert [chunk.in_progress for _, chunk in sent] == [True, True, False]
    assert guessed.regions == (SpeechRegion(pieces[-1].start, 26.0),)  # only what has not gone out


def test_silence_is_not_kept_in_memory():
    chunker = Chunker()
    audio = np.zeros(600 * SAMPLE_RATE, dtype=np.float32)
    feed(chunker, audio, [])
    assert chunker.held_s <= 1.5


class _SlowModel:
    """Stands in for the transcriber in an ordering test: chunk n finishes when the test says so."""

    workers = 2

    def __init__(self):
        import threading

        self.release = {}
        self._lock = threading.Lock()

    def transcribe(self, chunk, *, draft=False):
        from coach.records import Word

        n = int(chunk.start)
        with self._lock:
            event = self.release.setdefault(n, __import__("threading").Event())
        event.wait(5)
        return [Word(chunk.start, chunk.start + 0.5, f"w{n}", 1.0)]


def test_chunk_work_keeps_order_and_loses_nothing():
    import threading

    from coach.pipeline import _ChunkWork
    from coach.prosody import ProsodyOptions
    from coach.transcribe import SpeechChunk

    model = _SlowModel()
    chunks = [SpeechChunk(float(n), np.zeros(800, dtype=np.float32), (SpeechRegion(n, n + 0.05),)) for n in range(5)]
    for n in range(5):
        model.release[n] = threading.Event()
    with _ChunkWork(model, ProsodyOptions(), None) as work:
        work.add(chunks[:2], 2.0)
        model.release[1].set()  # the second finishes first: nothing may come out before the first
        nothing = work.ready()
        assert nothing.words == () and nothing.timings == ()
        model.release[0].set()
        work.add(chunks[2:], 5.0)
        for n in range(2, 5):
            model.release[n].set()
        first, second = work.ready(), work.drain()
        collected = list(first.words) + list(second.words)
        timings = list(first.timings) + list(second.timings)
    assert [w.text for w in collected] == ["w0", "w1", "w2", "w3", "w4"]
    assert [t.closed_at for t in timings] == [2.0, 2.0, 5.0, 5.0, 5.0]
    assert [t.speech_end for t in timings] == [0.05, 1.05, 2.05, 3.05, 4.05]
    assert all(0 <= t.model_s < 5 for t in timings)


class _CountingModel:
    """Transcribes at once and counts the calls."""

    workers = 2

    def __init__(self):
        self.calls = []

    def transcribe(self, chunk, *, draft=False):
        from coach.records import Word

        self.calls.append(chunk.regions)
        return [Word(chunk.regions[-1].start, chunk.regions[-1].end, f"end{chunk.regions[-1].end:g}", 1.0)]


def _wait_done(work):
    import time

    deadline = time.monotonic() + 5
    while not work.tentative_words() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_guess_the_vad_confirms_is_not_transcribed_again():
    from coach.pipeline import _ChunkWork
    from coach.transcribe import SpeechChunk

    model = _CountingModel()
    audio = np.zeros(800, dtype=np.float32)
    with _ChunkWork(model, None, None) as work:
        work.guess(SpeechChunk(1.0, audio, (SpeechRegion(1.0, 2.0),)), 2.15)
        work.guess(SpeechChunk(1.0, audio, (SpeechRegion(1.0, 2.0),)), 2.2)  # the same guess: no new call
        _wait_done(work)
        assert [w.text for w in work.tentative_words()] == ["end2"]
        work.add([SpeechChunk(1.0, audio, (SpeechRegion(1.0, 2.01),))], 2.5)  # closed within the tolerance
        done = work.drain()
    words, [timing] = done.words, done.timings
    assert len(model.calls) == 1 and [w.text for w in words] == ["end2"]
    assert timing.closed_at == 2.15 and timing.confirmed_at == 2.5
    assert timing.latency_s < timing.final_latency_s == pytest.approx(0.49)


def test_a_guess_the_speaker_proves_wrong_is_replaced():
    from coach.pipeline import _ChunkWork
    from coach.transcribe import SpeechChunk

    model = _CountingModel()
    audio = np.zeros(800, dtype=np.float32)
    with _ChunkWork(model, None, None) as work:
        work.guess(SpeechChunk(1.0, audio, (SpeechRegion(1.0, 2.0),)), 2.15)
        _wait_done(work)
        work.add([SpeechChunk(1.0, audio, (SpeechRegion(1.0, 3.0),))], 3.5)  # the speaker went on
        done = work.drain()
    words, [timing] = done.words, done.timings
    assert [w.text for w in words] == ["end3"] and len(model.calls) == 2
    assert timing.confirmed_at is None and timing.closed_at == 3.5
