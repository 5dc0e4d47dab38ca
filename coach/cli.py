"""`coach ...`: the command line. Thin: parse, call the library, print."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
from pathlib import Path

from coach import __version__
from coach.errors import CoachError

log = logging.getLogger("coach")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coach", description="A local voice coach for system-design interview practice.")
    parser.add_argument("--version", action="version", version=f"coach {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    analyze = commands.add_parser("analyze", help="analyse a recording: pauses, pace, transcript")
    analyze.add_argument("file", type=Path, help="audio or video file (wav, flac, mp3, m4a, ogg, opus, webm, mp4, ...)")
    analyze.add_argument("--json", type=Path, metavar="OUT", help="write the session document (coach.session/1) here")
    analyze.add_argument("--report", type=Path, metavar="OUT.md", help="write the coaching report (Markdown) here")
    analyze.add_argument("--html", type=Path, metavar="OUT.html", help="write the coaching report as an HTML page here")
    analyze.add_argument("--min-pause", type=float, default=2.0, metavar="S", help="shortest silence reported as a pause (default 2.0 s)")
    interview = analyze.add_argument_group("interview")
    interview.add_argument("--plan", default="auto", choices=["auto", "45", "60"], help="time plan to compare against (default: the nearer plan, scaled to the session)")
    interview.add_argument("--marks", metavar="MARKS", help="your own phase marks, e.g. 0:00=requirements,5:10=estimation, or a file of them")
    interview.add_argument("--problem", metavar="NAME", help="the problem you practised (e.g. rate-limiter), to check its key points")
    interview.add_argument("--interviewer", action="store_true", help="the recording has an interviewer too: tell the two voices apart and coach only the candidate (the one who talks more)")
    model = analyze.add_argument_group("speech model")
    model.add_argument("--model", default="tiny.en", help="catalogue name, local CTranslate2 folder, or (with --allow-download) a model name to fetch (default: the bundled tiny.en)")
    model.add_argument("--allow-download", action="store_true", help="allow fetching a model that is not on this machine")
    model.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="compute device (default: CUDA if available, else CPU)")
    model.add_argument("--compute-type", default="auto", help="CTranslate2 compute type, e.g. int8, float16 (default: int8 on CPU, float16 on CUDA)")
    model.add_argument("--threads", type=int, default=0, help="CPU threads for the model (default: one per core)")
    model.add_argument("--beam-size", type=int, default=None, metavar="N", help="beam width: larger is slower and a little more accurate (default 5)")
    progress = analyze.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None, help="always show the progress bar")
    progress.add_argument("--no-progress", dest="progress", action="store_false", help="never show the progress bar")
    keep = analyze.add_argument_group("keeping the session (in $COACH_HOME, see `coach sessions`)")
    keep.add_argument("--no-save", dest="save", action="store_false", help="do not keep this session")
    keep.add_argument("--title", help="a title for the session (default: the file name)")
    keep.add_argument("--candidate", default="", help="whose practice this is, to compare their sessions")
    keep.add_argument("--tag", dest="tags", action="append", default=[], help="a tag (repeat for more)")
    analyze.set_defaults(run=_analyze)

    record = commands.add_parser("record", help="practise live: listen, coach while you talk, keep the session")
    record.add_argument("--device", help="input device (index or name; see `coach devices`)")
    record.add_argument("--from-file", type=Path, metavar="FILE", help="play a recording through the live pipeline instead of the microphone")
    record.add_argument("--speed", type=float, default=1.0, help="with --from-file: play N times faster than real time")
    record.add_argument("--silence-alarm", type=float, default=15.0, metavar="S", help="warn after this many seconds of silence (default 15)")
    record.add_argument("--plan", default="auto", choices=["auto", "45", "60"], help="time plan; while you talk each phase's budget comes from the 45- or 60-minute plan (auto: 45 until the end, then scaled to the session)")
    record.add_argument("--problem", metavar="NAME", help="the problem you are practising (e.g. rate-limiter), to check its key points")
    record.add_argument("--recover", action="store_true", help="keep unfinished recordings a crash left behind as sessions, then stop")
    record.add_argument("--json", type=Path, metavar="OUT", help="write the session document here")
    record.add_argument("--report", type=Path, metavar="OUT.md", help="write the coaching report here")
    record.add_argument("--no-save", dest="save", action="store_false", help="do not keep the session (the recording stays in the data folder)")
    record.add_argument("--title", help="a title for the session")
    record.add_argument("--candidate", default="", help="whose practice this is")
    record.add_argument("--tag", dest="tags", action="append", default=[], help="a tag (repeat for more)")
    record.set_defaults(run=_record)

    devices = commands.add_parser("devices", help="list the microphones coach can listen to")
    devices.set_defaults(run=_devices)

    sessions = commands.add_parser("sessions", help="the sessions kept so far: list, show, notes, export, delete")
    sessions.add_argument("--home", type=Path, help="data folder (default: $COACH_HOME or the user data folder)")
    what = sessions.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = what.add_parser("list", help="sessions, newest first")
    listing.add_argument("--candidate", help="only this candidate's sessions")
    listing.add_argument("--csv", action="store_true", help="every comparable figure, as CSV")
    listing.set_defaults(run=_sessions_list)
    show = what.add_parser("show", help="one session's summary and notes")
    show.add_argument("id")
    show.set_defaults(run=_sessions_show)
    export = what.add_parser("export", help="write a session as json, md, html, srt or vtt")
    export.add_argument("id")
    export.add_argument("--format", choices=["json", "md", "html", "srt", "vtt"], default="json")
    export.add_argument("-o", "--out", type=Path, help="file to write (default: stdout)")
    export.set_defaults(run=_sessions_export)
    note = what.add_parser("note", help="add a coach's note, optionally at a moment of the recording")
    note.add_argument("id")
    note.add_argument("text")
    note.add_argument("--at", help="the moment it is about, m:ss or seconds")
    note.set_defaults(run=_sessions_note)
    delete = what.add_parser("delete", help="remove a session, its notes and its recording")
    delete.add_argument("id")
    delete.set_defaults(run=_sessions_delete)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="coach: %(message)s")
    try:
        return args.run(args)
    except CoachError as exc:
        print(f"coach: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("coach: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`coach ... | head`): not an error, and nothing more to say
        sys.stdout = open(os.devnull, "w")
        return 0
    except Exception as exc:  # a bug: say so in one line, keep the traceback for --debug
        if args.debug:
            raise
        print(f"coach: internal error: {type(exc).__name__}: {exc} (run with --debug for details)", file=sys.stderr)
        return 3


def _analyze(args: argparse.Namespace) -> int:
    from coach.analysis.interview import InterviewOptions
    from coach.audio import open_audio
    from coach.pipeline import AnalysisOptions, analyze
    from coach.report import html_report, markdown_report, summary_text
    from coach.transcribe import Transcriber, TranscriberOptions
    from coach.voices import VoiceOptions

    if args.min_pause <= 0:
        raise CoachError("--min-pause must be a positive number of seconds")
    for out in (args.json, args.report, args.html):
        if out is not None and not out.parent.is_dir():
            raise CoachError(f"{out}: the folder {out.parent} does not exist")
    problem = _problem(args.problem)
    audio = open_audio(args.file)
    transcriber = Transcriber(
        TranscriberOptions(
            model=args.model,
            allow_download=args.allow_download,
            device=args.device,
            compute_type=args.compute_type,
            cpu_threads=args.threads,
            **({"beam_size": args.beam_size} if args.beam_size is not None else {}),
        )
    )
    options = AnalysisOptions(
        min_pause_s=args.min_pause,
        voices=VoiceOptions(interviewer=args.interviewer),
        interview=InterviewOptions(plan=args.plan, marks=tuple(_marks(args.marks)), problem=problem),
    )
    with _progress_bar(args.progress, audio.info.duration_s) as progress:
        session = analyze(audio.blocks(), audio.info, transcriber, options, progress=progress)
    try:
        if args.json:
            session.write_json(args.json)
        if args.report:
            args.report.write_text(markdown_report(session), encoding="utf-8")
        if args.html:
            args.html.write_text(html_report(session), encoding="utf-8")
    except OSError as exc:
        raise CoachError(f"cannot write the output: {exc.strerror}: {exc.filename}") from None
    print(summary_text(session))
    if args.save:
        from coach.store import SessionStore

        with SessionStore() as store:
            saved = store.save(session, audio=args.file, title=args.title, candidate=args.candidate,
                               problem=problem, plan=session.feedback.get("time_allocation", {}).get("plan"),
                               tags=args.tags)
        print(f"  saved as {saved.id} in {store.home}")
    return 0


def _devices(args: argparse.Namespace) -> int:
    from coach.capture import list_devices

    found = list_devices()
    if not found:
        print("no input device found: plug in a microphone (or use `coach record --from-file FILE`)")
        return 1
    for d in found:
        print(f"{d.index:3d}{' *' if d.is_default else '  '} {d.name}  ({d.channels} ch, {d.default_rate:.0f} Hz)")
    return 0


def _record(args: argparse.Namespace) -> int:
    import signal
    from datetime import datetime

    from coach.analysis.interview import InterviewOptions
    from coach.capture import AudioSource
    from coach.live import LiveOptions, record
    from coach.pipeline import AnalysisOptions
    from coach.recorder import unfinished_recordings
    from coach.report import markdown_report, summary_text
    from coach.store import SessionStore
    from coach.transcribe import Transcriber

    problem = _problem(args.problem)
    with SessionStore() as store:
        recordings = store.recordings_dir
        left = unfinished_recordings(recordings)
        if args.recover or (left and _ask(f"{len(left)} unfinished recording(s) from an earlier run: "
                                          "keep them as sessions now? [Y/n] ")):
            _recover(store)
            if args.recover:
                return 0
        elif left:
            print(f"coach: {len(left)} unfinished recording(s) from an earlier run in {recordings}: "
                  "`coach record --recover` keeps them as sessions", file=sys.stderr)
        if args.from_file is not None:
            source = AudioSource.from_file(args.from_file, speed=args.speed)
        else:
            source = AudioSource.microphone(_device(args.device))
        transcriber = Transcriber()
        path = recordings / f"{datetime.now().strftime('%Y%m%d-%H%M%S')}.wav"
        view = _LiveView(sys.stdout.isatty(), args.silence_alarm)
        marks: list[tuple[float, str]] = []
        previous = signal.signal(signal.SIGINT, lambda *_: source.stop())  # Ctrl+C ends the session cleanly
        keys = _PhaseKeys(view, marks)
        try:
            options = AnalysisOptions(interview=InterviewOptions(plan=args.plan, problem=problem))
            session, path = record(source, transcriber, path, options=options,
                                   live=LiveOptions(silence_alarm_s=args.silence_alarm), on_update=view.update, marks=marks)
        finally:
            keys.close()
            signal.signal(signal.SIGINT, previous)
            view.close()
        if args.json:
            session.write_json(args.json)
        if args.report:
            args.report.write_text(markdown_report(session), encoding="utf-8")
        print(summary_text(session))
        latency = session.feedback["live"]["latency_s"]
        if latency["p50"] is not None:
            print(f"  live: words {latency['p50']:.2f} s after you stopped (p95 {latency['p95']:.2f} s), "
                  f"{session.feedback['live']['overflows']} input overflows")
        if args.save:
            saved = store.save(session, audio=path, title=args.title or f"Live practice {path.stem}",
                               candidate=args.candidate, problem=problem,
                               plan=session.feedback.get("time_allocation", {}).get("plan"), tags=args.tags)
            path.unlink()
            print(f"  saved as {saved.id} in {store.home}")
        else:
            print(f"  the recording is in {path}")
    return 0


def _ask(question: str) -> bool:
    """Yes unless the person says no; never asks when nobody is at the terminal."""
    if not sys.stdin.isatty():
        return False
    try:
        return input(question).strip().lower() not in ("n", "no")
    except EOFError:
        return False


def _recover(store) -> None:
    from coach.live import recover_recordings
    from coach.transcribe import Transcriber

    kept = recover_recordings(store, Transcriber())
    for summary in kept:
        print(f"recovered {summary.duration_s:.1f} s as {summary.id} ({summary.title})")
    if not kept:
        print("nothing to recover")


def _device(value: str | None) -> int | str | None:
    return int(value) if value is not None and value.isdigit() else value


class _PhaseKeys:
    """Keys 1-5 mark the start of a phase, read from the terminal without waiting for Enter."""

    def __init__(self, view: _LiveView, marks: list[tuple[float, str]]) -> None:
        import threading

        self._view, self._marks = view, marks
        self._saved = None
        if not sys.stdin.isatty():
            return
        import termios
        import tty

        self._saved = termios.tcgetattr(sys.stdin)
        tty.setcbreak(sys.stdin)
        view.line("  keys: 1 requirements, 2 estimation, 3 high-level design, 4 deep dive, 5 wrap-up; Ctrl+C ends")
        threading.Thread(target=self._read, name="coach-keys", daemon=True).start()

    def _read(self) -> None:
        from coach.analysis.timing import PHASE_NAMES
        from coach.live import PHASE_KEYS
        from coach.timefmt import clock

        while self._saved is not None:
            phase = PHASE_KEYS.get(sys.stdin.read(1))
            if phase:
                at = self._view.elapsed_s
                self._marks.append((at, phase))
                self._view.line(f"  -> {PHASE_NAMES[phase]} from {clock(at)}")

    def close(self) -> None:
        if self._saved is not None:
            import termios

            termios.tcsetattr(sys.stdin, termios.TCSADRAIN, self._saved)
            self._saved = None


class _LiveView:
    """The terminal while a session runs: the words as they come, a status line, the silence alarm."""

    def __init__(self, tty: bool, alarm_s: float) -> None:
        self._tty = tty
        self._alarm_s = alarm_s
        self._alarmed = False
        self._last_status = -1.0
        self._tentative = ""
        self.elapsed_s = 0.0

    def update(self, u) -> None:
        self.elapsed_s = u.elapsed_s
        from coach.analysis.timing import PHASE_NAMES
        from coach.timefmt import clock

        if u.new_words:
            self.line(" ".join(w.text for w in u.new_words))
        for flag in u.new_flags:
            self.line(f"  [{flag.category.replace('_', ' ')}] {flag.text}")
        if u.alarm and not self._alarmed:
            self.line(f"  !! {u.silence_s:.0f} s of silence: think out loud")
        self._alarmed = u.alarm
        tentative = " ".join(w.text for w in u.tentative_words)
        if self._tty and (u.elapsed_s - self._last_status >= 0.5 or tentative != self._tentative):
            self._last_status = u.elapsed_s
            self._tentative = tentative
            phase = PHASE_NAMES.get(u.phase, "-") if u.phase else "-"
            if u.phase_left_s is not None:
                phase += f" ({clock(abs(u.phase_left_s))} {'left' if u.phase_left_s >= 0 else 'over'})"
            # The words of an utterance whose end is not yet confirmed stand on the status line, so they
            # are on screen as soon as they are transcribed and never have to be taken back from the log.
            status = f"{clock(u.elapsed_s)}  phase: {phase}  quiet {u.silence_s:4.1f} s  backlog {u.backlog_s:.1f} s" \
                     f"  overflows {u.overflows}"
            width = shutil.get_terminal_size().columns - 1
            sys.stdout.write("\r\x1b[K" + (f"{tentative} ..." if tentative else status)[-width:])
            sys.stdout.flush()

    def close(self) -> None:
        if self._tty:
            sys.stdout.write("\r\x1b[K")
            sys.stdout.flush()

    def line(self, text: str) -> None:
        sys.stdout.write(("\r\x1b[K" if self._tty else "") + text + "\n")
        sys.stdout.flush()


def _store(args: argparse.Namespace):
    from coach.store import SessionStore

    return SessionStore(args.home)


def _sessions_list(args: argparse.Namespace) -> int:
    from coach.export import metrics_csv
    from coach.timefmt import clock

    with _store(args) as store:
        found = store.list(candidate=args.candidate)
    if args.csv:
        sys.stdout.write(metrics_csv(found))
        return 0
    if not found:
        print("no sessions yet: `coach analyze FILE` keeps one")
        return 0
    for s in found:
        score = f"{s.score_total:g}/50" if s.score_total is not None else "-"
        print(f"{s.id}  {s.recorded_at[:16].replace('T', ' ')}  {clock(s.duration_s):>7}  score {score:>7}  "
              f"longest pause {s.longest_pause_s:4.1f} s  {s.candidate or '-':12}  {s.title}")
    return 0


def _sessions_show(args: argparse.Namespace) -> int:
    from coach.report import summary_text
    from coach.timefmt import clock

    with _store(args) as store:
        summary, session, notes = store.summary(args.id), store.session(args.id), store.notes(args.id)
    print(f"{summary.title}  ({summary.id}, {summary.candidate or 'no candidate'}, recorded {summary.recorded_at})")
    if summary.tags:
        print("  tags: " + ", ".join(summary.tags))
    print(summary_text(session))
    for note in notes:
        at = clock(note.at_s) if note.at_s is not None else "-"
        print(f"  note {note.id} at {at}: {note.text}")
    return 0


def _sessions_export(args: argparse.Namespace) -> int:
    import json

    from coach.export import srt, vtt
    from coach.report import html_report, markdown_report

    with _store(args) as store:
        session = store.session(args.id)
        notes = [(note.at_s, note.text) for note in store.notes(args.id)]
    writers = {"json": lambda: json.dumps(session.to_json(), indent=1) + "\n",
               "md": lambda: markdown_report(session, notes), "html": lambda: html_report(session, notes),
               "srt": lambda: srt(session), "vtt": lambda: vtt(session)}
    text = writers[args.format]()
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CoachError(f"cannot write {args.out}: {exc.strerror}") from None
    return 0


def _sessions_note(args: argparse.Namespace) -> int:
    from coach.analysis.phases import parse_moment

    with _store(args) as store:
        note = store.add_note(args.id, args.text, at_s=parse_moment(args.at) if args.at else None)
    print(f"note {note.id} added to {args.id}")
    return 0


def _sessions_delete(args: argparse.Namespace) -> int:
    with _store(args) as store:
        store.delete(args.id)
    print(f"deleted {args.id}")
    return 0


def _problem(name: str | None) -> str | None:
    """The problem's id, checked before any audio is decoded so that a typo fails at once."""
    from coach.analysis.coverage import find_problem, load_coverage

    return find_problem(name, load_coverage()) if name else None


def _marks(value: str | None) -> list[tuple[float, str]]:
    """Marks given inline or as a file of them."""
    from coach.analysis.phases import parse_marks

    if not value:
        return []
    path = Path(value)
    if path.is_file():
        try:
            value = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CoachError(f"cannot read the marks file {path}: {exc}") from None
    return parse_marks(value)


class _progress_bar:
    """A progress bar on stderr for long files (or when asked); a no-op otherwise."""

    LONG_FILE_S = 60.0

    def __init__(self, wanted: bool | None, total_s: float) -> None:
        known = total_s == total_s and total_s > 0  # NaN when the container does not say
        show = wanted if wanted is not None else sys.stderr.isatty() and (not known or total_s >= self.LONG_FILE_S)
        self._bar = None
        if show:
            from tqdm import tqdm

            self._bar = tqdm(total=round(total_s, 1) if known else None, unit="s audio", file=sys.stderr,
                             bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} s [{elapsed}<{remaining}]" if known else None)

    def __enter__(self):
        return self._update if self._bar is not None else None

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.close()

    def _update(self, position: float) -> None:
        self._bar.update(round(position, 1) - self._bar.n)
