"""One pipeline, two sources: audio blocks in, session records out.

A file is replayed through exactly the stages the microphone feeds:

    blocks -> VoiceActivityDetector -> Chunker -> Transcriber -> words
                      |                     |
                      |                     +-> prosody (pitch, loudness); voiceprints with an interviewer
                      +---- speech regions -> pauses, metrics, interview feedback (pure analysis)

:func:`run_stages` is the stream; :func:`analyze` drains it into a
:class:`~coach.session.Session`.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from coach.analysis.interview import InterviewOptions, analyze_interview
from coach.analysis.pauses import find_pauses, think_aloud_metrics
from coach.prosody import ProsodyOptions, ProsodySample, measure_prosody
from coach.records import SAMPLE_RATE, AudioBlock, SourceInfo, SpeechRegion, Word
from coach.session import Session
from coach.transcribe import SpeechChunk, Transcriber
from coach.vad import VadOptions, VoiceActivityDetector
from coach.voices import VoiceOptions, VoicePrint, candidate_share, measure_voices, split_voices


@dataclass(frozen=True, slots=True)
class ChunkOptions:
    """How speech regions are grouped for the speech model."""

    max_speech_s: float = 28.0
    """Speech per chunk; Whisper sees 30 s windows, so stay under one with room for padding."""
    max_span_s: float = 90.0
    """Start-to-end extent of a chunk, silences included; bounds the audio held in memory."""
    context_s: float = 0.3
    """Audio kept either side of a chunk's regions, so the model hears word edges."""
    close_after_silence_s: float | None = None
    """Live mode: transcribe as soon as the speaker has been quiet this long (None: only when full)."""
    guess_after_quiet_s: float | None = None
    """Live mode: start transcribing the utterance in progress once it has been quiet this long, before
    the VAD has decided that it ended (None: never). The guess's words are used when the region closes
    where the guess assumed; otherwise they are thrown away and the region is transcribed again."""


@dataclass(frozen=True, slots=True)
class AnalysisOptions:
    vad: VadOptions = field(default_factory=VadOptions)
    chunk: ChunkOptions = field(default_factory=ChunkOptions)
    prosody: ProsodyOptions = field(default_factory=ProsodyOptions)
    voices: VoiceOptions = field(default_factory=VoiceOptions)
    interview: InterviewOptions = field(default_factory=InterviewOptions)
    min_pause_s: float = 2.0


@dataclass(frozen=True, slots=True)
class ChunkTiming:
    """How long one chunk took to come back as words: the raw material of live latency."""

    speech_end: float
    """End of the chunk's last speech, seconds on the recording clock."""
    closed_at: float
    """How far the stream had got when the chunk was closed (recording clock): the decision delay."""
    model_s: float
    """Wall seconds from handing the chunk to the workers to its words being ready."""
    ends_utterance: bool = True
    """False for a piece of an utterance sent while the speaker went on: no one waits for it yet."""
    confirmed_at: float | None = None
    """For a chunk transcribed on a guess (:attr:`ChunkOptions.guess_after_quiet_s`): how far the stream
    had got when the VAD closed the region where the guess assumed (recording clock)."""

    @property
    def latency_s(self) -> float:
        """End of speech to words available, on a real-time schedule: decision delay plus model time.

        For a guessed chunk the words are available (shown as tentative) before they are final."""
        return self.closed_at - self.speech_end + self.model_s

    @property
    def final_latency_s(self) -> float:
        """End of speech to words final: a guess's words are final once the VAD has confirmed it."""
        if self.confirmed_at is None:
            return self.latency_s
        return max(self.latency_s, self.confirmed_at - self.speech_end)


@dataclass(frozen=True, slots=True)
class StageOutput:
    """What the stages produced after one block: new regions, words and prosody, and how far they have got."""

    regions: tuple[SpeechRegion, ...]
    words: tuple[Word, ...]
    prosody: tuple[ProsodySample, ...]
    position: float
    """Seconds of audio consumed so far."""
    timings: tuple[ChunkTiming, ...] = ()
    """The chunks whose words arrived in this output (in live mode, those of ``live_words``)."""
    queued_speech_s: float = 0.0
    """Speech handed to the model and not yet transcribed: the backlog (live: of ``live_words``)."""
    live_words: tuple[Word, ...] = ()
    """Live mode: the words of the utterances that just ended, transcribed one by one for showing;
    ``words`` brings the same speech again later, transcribed in longer chunks, for the session."""
    tentative_words: tuple[Word, ...] = ()
    """Live mode: words of the utterance in progress, transcribed on a guess that it has ended and not
    yet confirmed; they arrive in ``live_words`` in a later output or are replaced."""
    voices: tuple[VoicePrint, ...] = ()
    """Voiceprints of the speech in ``words`` (only when the recording has an interviewer to tell apart)."""


class _AudioBuffer:
    """Recent audio as a list of blocks: appending is free, a slice is joined only when asked for."""

    def __init__(self) -> None:
        self._blocks: list[AudioBlock] = []

    def append(self, block: AudioBlock) -> None:
        self._blocks.append(block)

    def slice(self, start: float, end: float) -> tuple[int, np.ndarray]:
        """Samples in [start, end) seconds that are still held, and the sample index of the first."""
        lo, hi = round(start * SAMPLE_RATE), round(end * SAMPLE_RATE)
        parts = [b for b in self._blocks if b.start_sample + len(b.samples) > lo and b.start_sample < hi]
        if not parts:
            return lo, np.zeros(0, dtype=np.float32)
        first = parts[0].start_sample
        joined = np.concatenate([b.samples for b in parts])
        lo = max(lo, first)
        return lo, joined[lo - first : hi - first]

    @property
    def seconds(self) -> float:
        return sum(len(b.samples) for b in self._blocks) / SAMPLE_RATE

    def drop_before(self, seconds: float) -> None:
        """Forget whole blocks that end before ``seconds``."""
        cut = seconds * SAMPLE_RATE
        while self._blocks and self._blocks[0].start_sample + len(self._blocks[0].samples) <= cut:
            self._blocks.pop(0)


class Chunker:
    """Groups finished speech regions, with their audio, into chunks for the model.

    Holds only the audio that a pending or possible future chunk needs: the
    blocks from a little before the first pending (or open) region onwards.
    """

    def __init__(self, options: ChunkOptions = ChunkOptions()) -> None:
        self._options = options
        self._audio = _AudioBuffer()
        self._pending: list[SpeechRegion] = []
        self._sent_until: float | None = None
        """Live mode: how much of the region in progress has already gone out in pieces."""

    @property
    def held_s(self) -> float:
        """Seconds of audio held for chunks not yet closed."""
        return self._audio.seconds

    def push(
        self,
        block: AudioBlock,
        finished: Sequence[SpeechRegion],
        *,
        open_since: float | None,
        settled_until: float,
    ) -> list[SpeechChunk]:
        """Take one block and the regions the VAD finished with it; return the chunks that closed."""
        self._audio.append(block)
        chunks = self._add(finished)
        gap = self._options.close_after_silence_s
        if gap is not None and self._pending:
            # quiet for `gap` after the last region: up to now, or up to the region that has begun since
            quiet_until = settled_until if open_since is None else open_since
            if quiet_until - self._pending[-1].end >= gap:
                chunks.append(self._close())
        if open_since is None:
            self._sent_until = None
        elif gap is not None and not self._pending:
            chunks += self._send_piece(open_since, settled_until)
        if self._pending:
            keep_from = self._pending[0].start
        else:
            keep_from = self._unsent_start(open_since) if open_since is not None else settled_until
        self._audio.drop_before(keep_from - self._options.context_s)
        return chunks

    def _send_piece(self, open_since: float, settled_until: float) -> list[SpeechChunk]:
        """Live mode: a piece of a long utterance still in progress, so that its words need not wait for its end."""
        begin = self._unsent_start(open_since)
        limit = self._options.max_speech_s
        if settled_until - begin <= limit:
            return []
        cut = self._quietest_point(begin + limit * 0.75, begin + limit)
        self._sent_until = cut
        self._pending.append(SpeechRegion(begin, cut))
        return [replace(self._close(), in_progress=True)]

    def _unsent_start(self, open_since: float) -> float:
        return max(open_since, self._sent_until) if self._sent_until is not None else open_since

    def guess(self, open_since: float, likely_end: float, position: float) -> SpeechChunk | None:
        """The chunk that would close if the open region ended at ``likely_end``; None if it would not fit one."""
        region = SpeechRegion(self._unsent_start(open_since), likely_end)
        if self._pending and self._would_overflow(region) or region.duration > self._options.max_speech_s:
            return None
        regions = (*self._pending, region)
        context = self._options.context_s
        first, samples = self._audio.slice(regions[0].start - context, min(likely_end + context, position))
        return SpeechChunk(start=first / SAMPLE_RATE, audio=samples, regions=regions)

    def flush(self, finished: Sequence[SpeechRegion]) -> list[SpeechChunk]:
        """End of stream: the last regions, and whatever is pending, as chunks."""
        chunks = self._add(finished)
        if self._pending:
            chunks.append(self._close())
        return chunks

    def _add(self, finished: Sequence[SpeechRegion]) -> list[SpeechChunk]:
        chunks = []
        for whole in finished:
            if self._sent_until is not None and whole.start < self._sent_until:
                # the region whose first pieces went out while it was in progress
                whole, self._sent_until = SpeechRegion(self._sent_until, whole.end), None
            for region in self._split_long(whole):
                if self._pending and self._would_overflow(region):
                    chunks.append(self._close())
                self._pending.append(region)
        return chunks

    def _would_overflow(self, region: SpeechRegion) -> bool:
        speech = sum(r.duration for r in self._pending) + region.duration
        return speech > self._options.max_speech_s or region.end - self._pending[0].start > self._options.max_span_s

    def _split_long(self, region: SpeechRegion) -> list[SpeechRegion]:
        """Cut a region longer than one chunk at its quietest moments, so that words are rarely split."""
        limit = self._options.max_speech_s
        pieces = []
        while region.duration > limit:
            cut = self._quietest_point(region.start + limit * 0.75, region.start + limit)
            pieces.append(SpeechRegion(region.start, cut))
            region = SpeechRegion(cut, region.end)
        pieces.append(region)
        return pieces

    def _quietest_point(self, earliest: float, latest: float) -> float:
        # 150 ms: long enough that the quietest window is a breath between words, not a stop consonant
        # inside one (a cut inside a word makes Whisper invent text at the chunk's edge)
        window = int(0.15 * SAMPLE_RATE)
        first, samples = self._audio.slice(earliest, latest)
        usable = len(samples) // window * window
        if usable < 2 * window:
            return latest
        energy = np.square(samples[:usable]).reshape(-1, window).mean(axis=1)
        quietest = int(np.argmin(energy))
        return (first + quietest * window + window // 2) / SAMPLE_RATE

    def _close(self) -> SpeechChunk:
        regions, self._pending = tuple(self._pending), []
        context = self._options.context_s
        first, samples = self._audio.slice(regions[0].start - context, regions[-1].end + context)
        return SpeechChunk(start=first / SAMPLE_RATE, audio=samples, regions=regions)


def run_stages(
    blocks: Iterable[AudioBlock],
    transcriber: Transcriber,
    options: AnalysisOptions = AnalysisOptions(),
    *,
    live: ChunkOptions | None = None,
) -> Iterator[StageOutput]:
    """The streaming pipeline: one :class:`StageOutput` per block, then one for the end of the stream.

    Each chunk is transcribed and measured (pitch, loudness) on the
    transcriber's worker threads while the next blocks are read; results
    come out in chunk order, each as soon as it and every chunk before it
    are done. At most two chunks per worker wait, so memory stays bounded
    when the model is slower than the audio.

    With ``live`` chunk options (live practice), the same speech is also
    transcribed a second time, utterance by utterance as the speaker pauses
    and as a quick draft, into :attr:`StageOutput.live_words` for showing at once. The session keeps
    the words of the ``options.chunk`` chunks: long chunks give the model
    more context, and they make a live session's words those of the same
    recording analysed as a file.
    """
    vad = VoiceActivityDetector(options.vad)
    chunker = Chunker(options.chunk)
    quick = Chunker(live) if live is not None else None
    position = 0.0
    voices = options.voices if options.voices.interviewer else None
    with (_ChunkWork(transcriber, options.prosody, voices) as work,
          _ChunkWork(transcriber, None, None, draft=True) as quick_work):
        for block in blocks:
            finished = vad.push(block.samples)
            chunks = chunker.push(block, finished, open_since=vad.open_region_start, settled_until=vad.settled_until)
            position = block.end
            shown = NOTHING_DONE
            if quick is not None:  # first: someone is waiting for these words
                quick_chunks = quick.push(block, finished, open_since=vad.open_region_start,
                                          settled_until=vad.settled_until)
                quick_work.add(quick_chunks, position)
                if live.guess_after_quiet_s is not None and not quick_chunks:
                    _guess_end(vad, quick, quick_work, live.guess_after_quiet_s, position)
                shown = quick_work.ready()
            work.add(chunks, position)
            done = work.ready()
            timings = shown.timings if quick is not None else done.timings
            # Live, the backlog that matters is the speech waiting to be shown; the session's chunks
            # trail by one chunk by design.
            backlog = quick_work.queued_speech_s if quick is not None else work.queued_speech_s
            yield StageOutput(tuple(finished), done.words, done.prosody, position, timings, backlog, shown.words,
                              quick_work.tentative_words(), done.voices)
        finished = vad.flush()
        work.add(chunker.flush(finished), position)
        shown = NOTHING_DONE
        if quick is not None:
            quick_work.add(quick.flush(finished), position)
            shown = quick_work.drain()
        done = work.drain()
        yield StageOutput(tuple(finished), done.words, done.prosody, position,
                          shown.timings if quick is not None else done.timings, 0.0, shown.words, voices=done.voices)


def _guess_end(vad: VoiceActivityDetector, chunker: Chunker, work: _ChunkWork, quiet_s: float, position: float) -> None:
    """Start transcribing the open region on the guess that it has ended (live mode)."""
    open_since, likely_end = vad.open_region_start, vad.likely_end(quiet_s)
    if open_since is None or likely_end is None or work.is_guessing(likely_end):
        return  # the same guess stands for every block of the pause: build its chunk once
    chunk = chunker.guess(open_since, likely_end, position)
    if chunk is not None:
        work.guess(chunk, position)


@dataclass(slots=True)
class _Guess:
    regions: tuple[SpeechRegion, ...]
    future: Future
    submitted_at: float
    """Stream position when it was handed to the workers."""


GUESS_TOLERANCE_S = 0.03
"""A guess stands when the region closed within this of where the guess ended it (3 VAD frames): the
frames the guess judged with the floor known then were judged again once the lookahead had arrived."""


@dataclass(frozen=True, slots=True)
class ChunksDone:
    """What the chunks finished so far found, in chunk order."""

    words: tuple[Word, ...]
    prosody: tuple[ProsodySample, ...]
    voices: tuple[VoicePrint, ...]
    timings: tuple[ChunkTiming, ...]


NOTHING_DONE = ChunksDone((), (), (), ())


class _ChunkWork:
    """Chunks in; their words, prosody and voiceprints out, in order, from the transcriber's worker threads."""

    def __init__(self, transcriber: Transcriber, prosody: ProsodyOptions | None, voices: VoiceOptions | None, *,
                 draft: bool = False) -> None:
        """``prosody``, ``voices`` None: not measured; ``draft``: the quickest decoding (see
        :meth:`Transcriber.transcribe`)."""
        self._transcriber = transcriber
        self._prosody = prosody
        self._voices = voices
        self._draft = draft
        self._pool = ThreadPoolExecutor(max_workers=transcriber.workers, thread_name_prefix="coach-chunk")
        self._pending: deque[tuple[Future, ChunkTiming, float]] = deque()  # (work, timing so far, speech s)
        self._guess: _Guess | None = None

    def __enter__(self) -> _ChunkWork:
        return self

    def __exit__(self, *exc) -> None:
        for future, _, _ in self._pending:
            future.cancel()
        if self._guess is not None:
            self._guess.future.cancel()
        self._pool.shutdown(wait=True)

    @property
    def queued_speech_s(self) -> float:
        return sum(speech for _, _, speech in self._pending)

    def add(self, chunks: Sequence[SpeechChunk], position: float) -> None:
        """Queue ``chunks``, closed when the stream was at ``position`` seconds, for the workers."""
        for chunk in chunks:
            guess, self._guess = self._guess, None
            if guess is not None and _same_regions(guess.regions, chunk.regions):
                future = guess.future
                timing = ChunkTiming(chunk.regions[-1].end, guess.submitted_at, model_s=0.0, confirmed_at=position)
            else:
                if guess is not None:
                    guess.future.cancel()  # only stops it if no worker has started it
                future = self._pool.submit(self._process, chunk, time.perf_counter())
                timing = ChunkTiming(chunk.regions[-1].end, position, model_s=0.0, ends_utterance=not chunk.in_progress)
            self._pending.append((future, timing, sum(r.duration for r in chunk.regions)))

    def guess(self, chunk: SpeechChunk, position: float) -> None:
        """Transcribe ``chunk`` ahead of time: the region in progress as it would be if it had ended."""
        if self._guess is not None:
            if _same_regions(self._guess.regions, chunk.regions):
                return
            self._guess.future.cancel()
        future = self._pool.submit(self._process, chunk, time.perf_counter())
        self._guess = _Guess(chunk.regions, future, position)

    def is_guessing(self, end: float) -> bool:
        """Whether the region in progress is already being transcribed on the guess that it ends at ``end``."""
        return self._guess is not None and self._guess.regions[-1].end == end

    def tentative_words(self) -> tuple[Word, ...]:
        """The words of the current guess, once transcribed and while every chunk before it is done."""
        if self._guess is None or self._pending or not self._guess.future.done() or self._guess.future.cancelled():
            return ()
        return tuple(self._guess.future.result()[0])

    def ready(self) -> ChunksDone:
        """What the chunks finished so far found, in order; waits only while too many chunks are queued."""
        limit = 2 * self._transcriber.workers
        return self._collect(lambda: self._pending[0][0].done() or len(self._pending) > limit)

    def drain(self) -> ChunksDone:
        """Wait for every queued chunk; what they found, in order."""
        return self._collect(lambda: True)

    def _process(self, chunk: SpeechChunk, submitted: float
                 ) -> tuple[list[Word], list[ProsodySample], list[VoicePrint], float]:
        words = self._transcriber.transcribe(chunk, draft=self._draft)
        prosody = measure_prosody(chunk, self._prosody) if self._prosody is not None else []
        prints = measure_voices(chunk, self._voices) if self._voices is not None else []
        return words, prosody, prints, time.perf_counter() - submitted

    def _collect(self, ready) -> ChunksDone:
        words: list[Word] = []
        prosody: list[ProsodySample] = []
        prints: list[VoicePrint] = []
        timings: list[ChunkTiming] = []
        while self._pending and ready():
            future, queued, _ = self._pending.popleft()
            chunk_words, chunk_prosody, chunk_prints, model_s = future.result()
            words += chunk_words
            prosody += chunk_prosody
            prints += chunk_prints
            timings.append(replace(queued, model_s=model_s))
        return ChunksDone(tuple(words), tuple(prosody), tuple(prints), tuple(timings))


def _same_regions(guessed: Sequence[SpeechRegion], closed: Sequence[SpeechRegion]) -> bool:
    return (
        len(guessed) == len(closed)
        and all(g.start == c.start for g, c in zip(guessed, closed))
        and abs(guessed[-1].end - closed[-1].end) <= GUESS_TOLERANCE_S
        and all(g.end == c.end for g, c in zip(guessed[:-1], closed[:-1]))
    )


def analyze(
    blocks: Iterable[AudioBlock],
    source: SourceInfo,
    transcriber: Transcriber,
    options: AnalysisOptions = AnalysisOptions(),
    *,
    progress: Callable[[float], None] | None = None,
) -> Session:
    """Run the whole pipeline over a block stream and return the finished session.

    ``progress`` is called with the seconds of audio consumed after each block.
    """
    regions: list[SpeechRegion] = []
    words: list[Word] = []
    prosody: list[ProsodySample] = []
    prints: list[VoicePrint] = []
    position = 0.0
    for out in run_stages(blocks, transcriber, options):
        regions.extend(out.regions)
        words.extend(out.words)
        prosody.extend(out.prosody)
        prints.extend(out.voices)
        position = out.position
        if progress is not None:
            progress(position)
    return build_session(replace(source, duration_s=position), regions, words, prosody, transcriber, options, prints)


def build_session(
    source: SourceInfo,
    regions: Sequence[SpeechRegion],
    words: Sequence[Word],
    prosody: Sequence[ProsodySample],
    transcriber: Transcriber,
    options: AnalysisOptions,
    prints: Sequence[VoicePrint] = (),
) -> Session:
    """Pure analysis over the stage records: pauses, metrics, interview feedback, and the options used.

    With an interviewer to tell apart (``options.voices``), the voiceprints split the speech into the
    two voices and only the candidate's is coached; a silence is still anybody's silence.
    """
    split = split_voices(prints, regions) if options.voices.interviewer else None
    said, speaking, voiced = candidate_share(words, regions, prosody, split)
    pauses = find_pauses(regions, min_pause_s=options.min_pause_s)
    metrics = think_aloud_metrics(speaking, said, pauses, duration_s=source.duration_s)
    interview = analyze_interview(
        words=said,
        conversation=words,
        speech=speaking,
        pauses=pauses,
        duration_s=source.duration_s,
        talk_span_s=metrics["talk_span_s"],
        prosody=voiced,
        options=options.interview,
    )
    return Session(
        source=source,
        model=transcriber.info,
        speech=tuple(regions),
        pauses=tuple(pauses),
        words=tuple(words),
        voices=split,
        metrics=metrics,
        phases=interview.phases,
        flags=interview.flags,
        feedback=interview.feedback,
        options=_jsonable(asdict(options)),
    )


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
