"""Practice, live: talk into this machine's microphone and see the coach's view while you talk.

The dashboard listens on localhost only (.streamlit/config.toml), so the
microphone is the user's own. A :class:`~coach.live.LiveSession` runs the
live pipeline on its own thread; this page starts it, polls it once a
second (a fragment that reruns on its own), forwards the phase buttons and
Stop, and keeps the finished session like ``coach record`` does. One live
session per server: there is one microphone, and a reloaded tab finds the
session still running. "Replay a recording" plays a file through the same
path as if it were the microphone, for a demonstration.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import streamlit as st

from coach.analysis.timing import PHASE_NAMES
from coach.dashboard import common
from coach.errors import CoachError
from coach.live import LiveOptions, LiveSession, LiveState
from coach.timefmt import clock

REPLAY = -1
"""The device choice that replays an uploaded recording instead of a microphone."""
REPLAY_SPEEDS = (1.0, 2.0, 4.0)
TRANSCRIPT_WORDS = 120
"""Words of the running transcript shown: the last minute or so."""
FLAGS_SHOWN = 6


@dataclass
class _Running:
    """The live session of this server, and what its stored session should be called."""

    live: LiveSession
    title: str
    candidate: str
    problem: str | None
    tags: list[str]
    replayed: Path | None = None
    """A temporary copy of the replayed upload, removed at the end."""


@st.cache_resource
def _server_slot() -> dict:
    """Holds the server's one live session (see the module docstring)."""
    return {}


def is_running() -> bool:
    """Whether this server has a live session going (from this tab or another)."""
    return "running" in _server_slot()


def render(*, title: str, candidate: str, tags: list[str], problem: str | None, plan: str) -> None:
    slot = _server_slot()
    running: _Running | None = slot.get("running")
    if running is None:
        _setup(slot, title=title, candidate=candidate, tags=tags, problem=problem, plan=plan)
    else:
        _live_view(slot)


def _setup(slot: dict, *, title: str, candidate: str, tags: list[str], problem: str | None, plan: str) -> None:
    from coach.capture import list_devices

    _offer_recovery()
    try:
        devices = {d.index: f"{d.name}{' (default)' if d.is_default else ''}" for d in list_devices()}
    except CoachError as exc:
        devices = {}
        st.warning(str(exc))
    if not devices:
        st.info("No microphone found on this machine: plug one in and reload, or replay a recording.")
    choices = {**devices, REPLAY: "Replay a recording (demonstration)"}
    device = st.selectbox("Microphone", list(choices), format_func=choices.get, key="live_device")
    replay = None
    speed = 1.0
    if device == REPLAY:
        from coach.dashboard.practice import UPLOAD_TYPES

        replay = st.file_uploader("Recording to replay", type=list(UPLOAD_TYPES), key="live_replay")
        speed = st.selectbox("Speed", REPLAY_SPEEDS, format_func=lambda s: f"{s:g}x real time", key="live_speed")
    alarm = st.number_input("Silence alarm after (seconds)", min_value=3.0, max_value=120.0, value=15.0, step=1.0,
                            key="live_alarm")
    ready = device != REPLAY or replay is not None
    if not st.button("Start", key="live_start", type="primary", disabled=not ready):
        return
    try:
        running = _start(device, replay, speed, alarm, title=title, candidate=candidate, tags=tags,
                         problem=problem, plan=plan)
    except CoachError as exc:
        st.error(" ".join(str(exc).split()))
        return
    slot["running"] = running
    st.rerun()


def _offer_recovery() -> None:
    """Recordings that a crash (of this app, of `coach record`, of the machine) left unfinished: keep them."""
    from coach.live import recover_recordings
    from coach.recorder import unfinished_recordings

    with common.open_store() as store:
        left = unfinished_recordings(store.recordings_dir)
        if not left:
            return
        st.warning(f"{len(left)} recording(s) from a session that ended without being saved "
                   "(the app or the machine stopped). Everything up to the last second is on disk.",
                   icon=":material/restore:")
        if not st.button("Keep them as sessions", key="live_recover"):
            return
        with st.spinner("Analysing the recovered audio..."):
            kept = recover_recordings(store, common.transcriber())
    for summary in kept:
        st.success(f"Kept {clock(summary.duration_s)} as “{summary.title}”: see Review.")


def _start(device: int, replay, speed: float, alarm: float, *, title: str, candidate: str, tags: list[str],
           problem: str | None, plan: str) -> _Running:
    from coach.analysis.interview import InterviewOptions
    from coach.capture import AudioSource
    from coach.dashboard.practice import safe_label, upload_suffix
    from coach.pipeline import AnalysisOptions

    replayed = None
    if device == REPLAY:
        with tempfile.NamedTemporaryFile(prefix="coach-replay-", suffix=upload_suffix(replay.name),
                                         delete=False) as tmp:
            tmp.write(replay.getvalue())
            replayed = Path(tmp.name)
        try:
            source = AudioSource.from_file(replayed, speed=speed)
        except CoachError as exc:
            replayed.unlink(missing_ok=True)
            raise CoachError(str(exc).replace(str(replayed), safe_label(replay.name))) from None
    else:
        source = AudioSource.microphone(device)
    with common.open_store() as store:
        recording = store.recordings_dir / f"{datetime.now():%Y%m%d-%H%M%S}.wav"
    options = AnalysisOptions(interview=InterviewOptions(plan=plan, problem=problem))
    live = LiveSession(source, common.transcriber(), recording, options=options,
                       live=LiveOptions(silence_alarm_s=alarm))
    live.start()
    default_title = f"Live practice {recording.stem}"
    return _Running(live, title.strip() or default_title, candidate.strip(), problem, tags, replayed)


def _live_view(slot: dict) -> None:
    running: _Running = slot["running"]
    buttons = st.columns(6)
    for column, (phase, name) in zip(buttons, PHASE_NAMES.items()):
        if column.button(name.capitalize(), key=f"live_mark_{phase}", help="this phase starts now"):
            running.live.mark(phase)
    if buttons[5].button("Stop", key="live_stop", type="primary"):
        running.live.stop()
    _live_status(slot)


@st.fragment(run_every=1.0)
def _live_status(slot: dict) -> None:
    running: _Running | None = slot.get("running")
    if running is None:
        return
    state = running.live.state
    if not state.running:
        _finish(slot, running, state)
        return
    _show(state)


def _show(state: LiveState) -> None:
    elapsed, phase, quiet = st.columns(3)
    elapsed.metric("Elapsed", clock(state.elapsed_s))
    if state.phase is None:
        phase.metric("Phase", "-")
    else:
        left = state.phase_left_s or 0.0
        phase.metric("Phase", PHASE_NAMES[state.phase],
                     delta=f"{clock(abs(left))} {'left' if left >= 0 else 'over'}",
                     delta_color="normal" if left >= 0 else "inverse")
    quiet.metric("Quiet for", f"{state.silence_s:.0f} s")
    if state.alarm:
        st.error(f"{state.silence_s:.0f} s of silence: think out loud", icon=":material/volume_off:")
    words = " ".join(w.text for w in state.words[-TRANSCRIPT_WORDS:])
    tentative = " ".join(w.text for w in state.tentative_words)
    st.markdown(f"{words} *{tentative}*" if tentative else words or "*listening...*")
    for flag in state.flags[-FLAGS_SHOWN:][::-1]:
        st.caption(f"{clock(flag.start)} · {flag.category.replace('_', ' ')}: “{flag.text}”")
    if state.overflows:
        st.caption(f"{state.overflows} input overflows: the machine could not keep up with the microphone")


def _finish(slot: dict, running: _Running, state: LiveState) -> None:
    if running.replayed is not None:
        running.replayed.unlink(missing_ok=True)
    if state.error is not None:
        slot.pop("running", None)
        st.error(f"The session stopped: {state.error}. What was recorded is in {running.live.recording}: "
                 "`coach analyze` it to keep it as a session.")
        return
    session, path = running.live.result
    with common.open_store() as store:
        saved = store.save(session, audio=path, title=running.title, candidate=running.candidate,
                           problem=running.problem, plan=session.feedback.get("time_allocation", {}).get("plan"),
                           tags=running.tags)
    path.unlink(missing_ok=True)
    slot.pop("running", None)
    common.set_current_session(saved.id)
    from coach.dashboard import page

    st.switch_page(page("review"), query_params={"session": saved.id})
