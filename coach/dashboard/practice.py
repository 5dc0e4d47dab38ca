"""Practice: record an answer in the browser or upload a recording, analyse it, keep it, review it;
or practise live (:mod:`coach.dashboard.live_practice`).

:func:`analyse_upload` is the whole path from uploaded bytes to a stored
session, without Streamlit widgets, so it can be tested directly. The
uploaded file's name is only ever a label: the bytes go to a temporary file
with a generated name whose suffix comes from :data:`SUFFIXES`.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path, PurePosixPath

import streamlit as st

from coach.dashboard import common
from coach.errors import CoachError
from coach.store import SessionStore, SessionSummary
from coach.timefmt import clock

log = logging.getLogger(__name__)

UPLOAD_TYPES = ("wav", "flac", "mp3", "m4a", "aac", "ogg", "opus", "webm", "mp4", "mov", "mkv")
SUFFIXES = frozenset(f".{t}" for t in UPLOAD_TYPES)
"""Suffixes a temporary copy of an upload may have (FFmpeg guesses some formats from it); anything else is ``.bin``."""
PLANS = ("auto", "45", "60")
LIVE = "Live (microphone)"
NO_PROBLEM = "none"
DEFAULT_MAX_UPLOAD_MB = 200
LABEL_MAX = 120


def max_upload_bytes() -> int:
    """The upload limit of the server (``server.maxUploadSize`` in .streamlit/config.toml), in bytes."""
    megabytes = st.get_option("server.maxUploadSize") or DEFAULT_MAX_UPLOAD_MB
    return int(megabytes) * 1024 * 1024


def safe_label(original_name: str) -> str:
    """The last component of an uploaded file's name, printable and short: for display only, never a path."""
    name = PurePosixPath(original_name.replace("\\", "/")).name
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    if name in ("", ".", ".."):
        return "recording"
    return name[-LABEL_MAX:]


def upload_suffix(original_name: str) -> str:
    suffix = PurePosixPath(safe_label(original_name)).suffix.lower()
    return suffix if suffix in SUFFIXES else ".bin"


def analyse_upload(
    data: bytes,
    original_name: str,
    *,
    title: str = "",
    candidate: str = "",
    problem: str | None = None,
    plan: str = "auto",
    interviewer: bool = False,
    tags: Sequence[str] = (),
    store: SessionStore,
    transcriber=None,
    progress: Callable[[float, float], None] | None = None,
    max_bytes: int | None = None,
) -> SessionSummary | str:
    """Analyse an uploaded recording and keep it; the stored session's summary, or a one-line error message.

    ``progress`` is called with (seconds analysed, seconds in the recording;
    NaN when the container does not say). Nothing is stored on failure. ``interviewer``: the recording
    holds an interviewer too, whose voice is told apart and not coached.
    """
    from coach.analysis.coverage import find_problem, load_coverage
    from coach.analysis.interview import InterviewOptions
    from coach.audio import open_audio
    from coach.pipeline import AnalysisOptions, analyze
    from coach.voices import VoiceOptions

    limit = max_bytes if max_bytes is not None else max_upload_bytes()
    label = safe_label(original_name)
    if not data:
        return f"{label}: the file is empty"
    if len(data) > limit:
        return f"{label} is {len(data) / 2**20:.0f} MB; the limit is {limit / 2**20:.0f} MB"
    path: Path | None = None
    try:
        if plan not in PLANS:
            raise CoachError(f"unknown plan '{plan}': use {', '.join(PLANS)}")
        problem_id = find_problem(problem, load_coverage()) if problem and problem != NO_PROBLEM else None
        with tempfile.NamedTemporaryFile(prefix="coach-upload-", suffix=upload_suffix(original_name),
                                         delete=False) as tmp:
            path = Path(tmp.name)
            tmp.write(data)
        audio = open_audio(path)
        total = audio.info.duration_s
        options = AnalysisOptions(interview=InterviewOptions(plan=plan, problem=problem_id),
                                  voices=VoiceOptions(interviewer=interviewer))
        model = transcriber if transcriber is not None else common.transcriber()
        report = (lambda position: progress(position, total)) if progress is not None else None
        with common.analysis_lock():
            session = analyze(audio.blocks(), audio.info, model, options, progress=report)
        # the document names the upload, not our temporary copy
        session = dataclasses.replace(session, source=dataclasses.replace(session.source, path=label))
        return store.save(
            session,
            audio=path,
            title=title.strip() or PurePosixPath(label).stem or label,
            candidate=candidate.strip(),
            problem=problem_id,
            plan=session.feedback.get("time_allocation", {}).get("plan"),
            tags=[t for t in tags if t],
        )
    except CoachError as exc:
        return _one_line(str(exc).replace(str(path), label) if path is not None else str(exc))
    except Exception as exc:  # a bug: one line here, the traceback in the server's log
        log.exception("analysis of an upload failed")
        return _one_line(f"internal error: {type(exc).__name__}: {exc}")
    finally:
        if path is not None:
            path.unlink(missing_ok=True)


def parse_tags(text: str) -> list[str]:
    return sorted({t.strip() for t in re.split(r"[,;]", text) if t.strip()})


def render() -> None:
    from coach.analysis.coverage import load_coverage
    from coach.dashboard import live_practice, page

    st.title("Practice", anchor="practice")
    st.caption("Record an answer here, upload a recording, or practise live with this machine's microphone; "
               "everything is analysed on this machine and kept with your sessions.")
    # A live session took its title, problem and plan when it started: they stay as they were until it ends.
    live_running = live_practice.is_running()
    if live_running:  # another tab, or a reload, finds the session still running: show it
        st.session_state["practice_source"] = LIVE
    source = st.radio("Recording", ["Upload a file", "Record here", LIVE], horizontal=True, key="practice_source",
                      help="Live: coach listens to this machine's microphone and coaches while you talk",
                      disabled=live_running)
    if source == "Record here":
        recording = st.audio_input("Record your answer", key="practice_recording", sample_rate=16000)
        name = f"recording-{datetime.now():%Y%m%d-%H%M}.wav"
    elif source == "Upload a file":
        recording = st.file_uploader("Upload a recording", type=list(UPLOAD_TYPES), key="practice_upload")
        name = recording.name if recording is not None else ""

    problems = load_coverage().problems
    left, right = st.columns(2)
    with left:
        title = st.text_input("Title", key="practice_title", placeholder="default: the file name", disabled=live_running)
        candidate = st.text_input("Candidate", key="practice_candidate", disabled=live_running)
        tags = st.text_input("Tags", key="practice_tags", placeholder="comma-separated, e.g. mock, chat",
                             disabled=live_running)
    with right:
        problem = st.selectbox("Problem", [NO_PROBLEM, *problems], key="practice_problem",
                               format_func=lambda p: "none" if p == NO_PROBLEM else problems[p].title,
                               disabled=live_running)
        plan = st.selectbox("Plan", PLANS, key="practice_plan",
                            format_func=lambda p: {"auto": "auto (scaled to the session)"}.get(p, f"{p} minutes"),
                            disabled=live_running)
        interviewer = source == "Upload a file" and st.checkbox(
            "An interviewer speaks too", key="practice_interviewer",
            help="A recorded interview: coach tells the two voices apart and coaches the one who talks more")

    if source == LIVE:
        live_practice.render(title=title, candidate=candidate, tags=parse_tags(tags),
                             problem=None if problem == NO_PROBLEM else problem, plan=plan)
        return
    if not st.button("Analyse", key="practice_analyse", type="primary", disabled=recording is None):
        return
    data = recording.getvalue()
    bar = st.progress(0.0, text="Analysing...")
    shown = [-1]

    def report(position: float, total: float) -> None:
        if math.isfinite(total) and total > 0:
            done = min(1.0, position / total)
            if int(done * 100) != shown[0]:
                shown[0] = int(done * 100)
                bar.progress(done, text=f"Analysing... {clock(position)} of {clock(total)}")
        elif int(position) // 10 != shown[0]:
            shown[0] = int(position) // 10
            bar.progress(0.0, text=f"Analysing... {clock(position)}")

    try:
        model = common.transcriber()
    except CoachError as exc:
        bar.empty()
        st.error(_one_line(str(exc)))
        return
    with common.open_store() as store:
        result = analyse_upload(data, name, title=title, candidate=candidate, problem=problem, plan=plan,
                                interviewer=interviewer, tags=parse_tags(tags), store=store, transcriber=model,
                                progress=report)
    if isinstance(result, str):
        bar.empty()
        st.error(result)
        return
    bar.progress(1.0, text="Done")
    common.set_current_session(result.id)
    st.switch_page(page("review"), query_params={"session": result.id})


def _one_line(message: str) -> str:
    return " ".join(message.split()) or "the analysis failed"
