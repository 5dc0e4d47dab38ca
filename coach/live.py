"""Live practice: the microphone (or a file played as one) through the same stages as a file.

The capture source yields 16 kHz blocks; each is written to disk at once
(:class:`~coach.recorder.Recorder`, flushed every second) and pushed
through :func:`~coach.pipeline.run_stages`, which transcribes every
utterance as soon as the speaker pauses (for the live view) and the same
speech again in the long chunks a file gets (for the session). After every
block a :class:`LiveUpdate` says what changed; the caller's view decides
what to show. When the stream ends the session is built by the same
analysis as an uploaded file, from the same words, with what the live run
measured added.
"""

from __future__ import annotations

import logging
import queue
import statistics
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from coach.analysis.flags import find_flags, load_lexicon
from coach.analysis.phases import find_phases, load_phase_cues
from coach.analysis.timing import phase_budgets_s
from coach.capture import AudioSource
from coach.pipeline import AnalysisOptions, ChunkOptions, ChunkTiming, build_session, run_stages
from coach.prosody import ProsodySample
from coach.recorder import Recorder, repair_recording, unfinished_recordings
from coach.records import SAMPLE_RATE, Flag, SourceInfo, SpeechRegion, Word
from coach.session import Session
from coach.store import SessionStore, SessionSummary
from coach.transcribe import Transcriber

log = logging.getLogger(__name__)

LIVE_CHUNKS = ChunkOptions(max_speech_s=12.0, close_after_silence_s=0.0, guess_after_quiet_s=0.15)
"""For the live view: transcribe an utterance as soon as the VAD closes it (0.3 s of silence, decided
~0.4 s after the speech ended), and never let one chunk hold more than 12 s of speech, so a long
answer arrives in pieces (and fits the encoder's short window). To have the words sooner still,
transcription starts on a guess after 0.15 s of quiet; a guess that the speaker proves wrong by
going on costs only wasted model time."""


@dataclass(frozen=True, slots=True)
class LiveOptions:
    silence_alarm_s: float = 15.0
    """A silence this long raises the alarm: think out loud."""
    reanalyse_every_s: float = 5.0
    """How often the phase and the flags are worked out again from the words so far."""


@dataclass(frozen=True, slots=True)
class LiveUpdate:
    """What changed since the last update, and where the session stands."""

    elapsed_s: float
    silence_s: float
    """How long it has been quiet (0 while speaking)."""
    alarm: bool
    new_words: tuple[Word, ...]
    tentative_words: tuple[Word, ...]
    """The utterance just finished, transcribed before the VAD has confirmed its end: show it
    provisionally; it arrives in ``new_words`` once confirmed, or is replaced."""
    phase: str | None
    phase_left_s: float | None
    """What is left of the current phase's budget (45- or 60-minute plan); negative when over it."""
    new_flags: tuple[Flag, ...]
    backlog_s: float
    overflows: int


@dataclass
class _Progress:
    regions: list[SpeechRegion] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    """The session's words (long chunks), which trail the live ones by up to a chunk."""
    live_words: list[Word] = field(default_factory=list)
    """The words as shown, utterance by utterance: what the live phase and flags are worked out from."""
    prosody: list[ProsodySample] = field(default_factory=list)
    timings: list[ChunkTiming] = field(default_factory=list)
    backlog_max_s: float = 0.0
    phase: str | None = None
    phase_since: float = 0.0


PHASE_KEYS = {"1": "requirements", "2": "estimation", "3": "high_level_design", "4": "deep_dive", "5": "wrap_up"}
"""Keys that mark the start of a phase while recording."""


def marked_phases(marks: list[tuple[float, str]]) -> tuple[tuple[float, str], ...]:
    """The speaker's marks as complete phase marks: the time before the first mark is requirements."""
    ordered = sorted(marks)
    if ordered and ordered[0][0] > 0:
        ordered.insert(0, (0.0, "requirements"))
    return tuple(ordered)


def record(
    source: AudioSource,
    transcriber: Transcriber,
    recording: str | Path,
    *,
    options: AnalysisOptions = AnalysisOptions(),
    live: LiveOptions = LiveOptions(),
    on_update: Callable[[LiveUpdate], None] | None = None,
    marks: list[tuple[float, str]] | None = None,
) -> tuple[Session, Path]:
    """Run a live session until ``source`` stops; returns the session and the finished recording.

    The recording is on disk as it arrives (a crash leaves an unfinished
    recording that :func:`coach.recorder.repair_recording` restores).
    ``marks`` is a list the caller may append (seconds, phase) to while the
    session runs (a hotkey, a button); when it holds any, the phases are
    the marked ones rather than those found from the words.
    """
    marks = marks if marks is not None else []
    lexicon, cues = load_lexicon(), load_phase_cues()
    budgets = phase_budgets_s(options.interview.plan)
    progress = _Progress()
    analyst = _Analyst(live.reanalyse_every_s, lexicon, cues)
    recorder = Recorder(recording)
    position = 0.0
    # The disk comes first and never waits for the model: a writer thread takes each block from the
    # capture to the recording, then hands it to the analysis, however far behind that is.
    handed: queue.Queue = queue.Queue()
    writer = threading.Thread(target=_write, args=(source, recorder, handed), name="coach-recorder", daemon=True)
    writer.start()

    def blocks():
        while (block := handed.get()) is not None:
            if isinstance(block, BaseException):
                raise block
            yield block

    try:
        for out in run_stages(blocks(), transcriber, options, live=LIVE_CHUNKS):
            position = out.position
            progress.regions += out.regions
            progress.words += out.words
            progress.live_words += out.live_words
            progress.prosody += out.prosody
            progress.timings += out.timings
            progress.backlog_max_s = max(progress.backlog_max_s, out.queued_speech_s)
            new_flags = analyst.update(progress.live_words, progress.regions, position)
            if analyst.phase is not None:
                progress.phase, progress.phase_since = analyst.phase, analyst.phase_since
            if marks:
                progress.phase_since, progress.phase = max(marks)
            if on_update is not None:
                silence = position - progress.regions[-1].end if progress.regions else position
                left = budgets[progress.phase] - (position - progress.phase_since) if progress.phase else None
                on_update(LiveUpdate(position, silence, silence >= live.silence_alarm_s, out.live_words,
                                     out.tentative_words, progress.phase, left, new_flags, out.queued_speech_s,
                                     source.overflows))
    finally:
        analyst.close()
        source.stop()
        writer.join()
        path = recorder.close()
    info = SourceInfo(str(path), position, SAMPLE_RATE, 1, "pcm_s16le")
    if marks:
        options = replace(options, interview=replace(options.interview, marks=marked_phases(marks)))
    session = build_session(info, progress.regions, progress.words, progress.prosody, transcriber, options)
    utterance_ends = [t for t in progress.timings if t.ends_utterance]
    latencies = [t.latency_s for t in utterance_ends]
    measured = {
        "latency_s": _percentiles(latencies),
        "final_latency_s": _percentiles([t.final_latency_s for t in utterance_ends]),
        "backlog_max_s": round(progress.backlog_max_s, 2),
        "overflows": source.overflows,
        "dropped_s": round(source.dropped_s, 2),
        "utterances": len(latencies),
    }
    return replace(session, feedback={**session.feedback, "live": measured}), path


def _write(source: AudioSource, recorder: Recorder, handed: queue.Queue) -> None:
    try:
        for block in source.blocks():
            recorder.write(block.samples)
            handed.put(block)
    except BaseException as exc:  # the analysis thread re-raises it: a capture error must not be silent
        handed.put(exc)
    finally:
        handed.put(None)


class _Analyst:
    """The phase and the flags of the words so far, worked out again every ``every_s`` on a thread of
    its own: 40 minutes into a session one pass takes half a second, and the stage loop must not
    wait for it (every word behind it would)."""

    def __init__(self, every_s: float, lexicon, cues) -> None:
        self._every_s = every_s
        self._lexicon, self._cues = lexicon, cues
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="coach-live-analysis")
        self._running: Future | None = None
        self._asked_at = -every_s
        self._words_seen = 0
        self._known: set[Flag] = set()
        self.phase: str | None = None
        self.phase_since = 0.0

    def update(self, words: list[Word], regions: list[SpeechRegion], position: float) -> tuple[Flag, ...]:
        """Start a pass when one is due and there are new words; the flags new since the last finished pass."""
        new: tuple[Flag, ...] = ()
        if self._running is not None and self._running.done():
            phases, flags = self._running.result()
            self._running = None
            new = tuple(f for f in flags if f not in self._known)
            self._known = set(flags)
            if phases:
                self.phase, self.phase_since = phases[-1].phase, phases[-1].start
        due = position - self._asked_at >= self._every_s and len(words) > self._words_seen
        if self._running is None and due:
            self._asked_at, self._words_seen = position, len(words)
            self._running = self._pool.submit(self._analyse, tuple(words), tuple(regions), position)
        return new

    def _analyse(self, words, regions, position):
        phases = find_phases(words, regions, duration_s=position, cues=self._cues,
                             flags=find_flags(words, [], self._lexicon), ongoing=True)
        return phases, find_flags(words, [], self._lexicon, phases)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _percentiles(values: list[float]) -> dict:
    if not values:
        return {"p50": None, "p95": None, "max": None}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 3), "p95": round(p95, 3), "max": round(ordered[-1], 3)}


@dataclass(frozen=True, slots=True)
class LiveState:
    """Where a :class:`LiveSession` stands: what a view that polls (the dashboard) shows."""

    elapsed_s: float
    silence_s: float
    alarm: bool
    phase: str | None
    phase_left_s: float | None
    words: tuple[Word, ...]
    """Every word shown so far."""
    tentative_words: tuple[Word, ...]
    flags: tuple[Flag, ...]
    """Every flag raised so far, oldest first."""
    backlog_s: float
    overflows: int
    running: bool
    error: str | None
    """Why the session stopped early, in one line (the recording so far stays on disk)."""


class LiveSession:
    """:func:`record` on a thread of its own, for a view that cannot block: start, poll, mark, stop.

    The words and flags pile up as :func:`record` reports them; :attr:`state`
    hands out a consistent snapshot. When the source ends or :meth:`stop` is
    called, :attr:`result` holds the finished session and its recording.
    """

    def __init__(self, source: AudioSource, transcriber: Transcriber, recording: str | Path, *,
                 options: AnalysisOptions = AnalysisOptions(), live: LiveOptions = LiveOptions()) -> None:
        self.recording = Path(recording)
        self._source = source
        self._args = (source, transcriber, recording)
        self._kwargs = {"options": options, "live": live}
        self._lock = threading.Lock()
        self._marks: list[tuple[float, str]] = []
        self._words: list[Word] = []
        self._flags: list[Flag] = []
        self._last: LiveUpdate | None = None
        self._error: str | None = None
        self.result: tuple[Session, Path] | None = None
        self._thread = threading.Thread(target=self._run, name="coach-live-session", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """End the session; the analysis of what was said finishes on the session's thread."""
        self._source.stop()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the session to finish; whether it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def mark(self, phase: str) -> None:
        """The speaker says a phase starts now (a button)."""
        with self._lock:
            elapsed = self._last.elapsed_s if self._last is not None else 0.0
        self._marks.append((elapsed, phase))

    @property
    def state(self) -> LiveState:
        with self._lock:
            u = self._last
            running = self._thread.is_alive() or (self.result is None and self._error is None)
            return LiveState(
                elapsed_s=u.elapsed_s if u else 0.0,
                silence_s=u.silence_s if u else 0.0,
                alarm=u.alarm if u else False,
                phase=u.phase if u else None,
                phase_left_s=u.phase_left_s if u else None,
                words=tuple(self._words),
                tentative_words=u.tentative_words if u else (),
                flags=tuple(self._flags),
                backlog_s=u.backlog_s if u else 0.0,
                overflows=u.overflows if u else 0,
                running=running,
                error=self._error,
            )

    def _on_update(self, update: LiveUpdate) -> None:
        with self._lock:
            self._last = update
            self._words += update.new_words
            self._flags += update.new_flags

    def _run(self) -> None:
        from coach.errors import CoachError

        try:
            result = record(*self._args, on_update=self._on_update, marks=self._marks, **self._kwargs)
        except CoachError as exc:
            error = " ".join(str(exc).split())
        except Exception as exc:  # a bug: one line for the view, the traceback in the log
            log.exception("live session failed")
            error = f"internal error: {type(exc).__name__}: {exc}"
        else:
            with self._lock:
                self.result = result
            return
        with self._lock:
            self._error = error


def recover_recordings(store: SessionStore, transcriber: Transcriber,
                       options: AnalysisOptions = AnalysisOptions()) -> list[SessionSummary]:
    """Keep every recording a crash left in ``store``'s recordings folder as a session, oldest first.

    Each is repaired (:func:`~coach.recorder.repair_recording`), analysed
    like an uploaded file, and saved with its audio; the file then leaves
    the recordings folder. Recordings still being written are left alone.
    """
    from coach.audio import open_audio
    from coach.pipeline import analyze

    kept = []
    for partial in unfinished_recordings(store.recordings_dir):
        path = repair_recording(partial)
        audio = open_audio(path)
        session = analyze(audio.blocks(), audio.info, transcriber, options)
        kept.append(store.save(session, audio=path, title=f"Recovered {path.stem}"))
        path.unlink()
    return kept
