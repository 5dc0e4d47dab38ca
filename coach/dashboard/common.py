"""What every page shares: the model, the store, the session being looked at, time formats, phase colours.

Streamlit reruns a page's script on every interaction, so anything slow is
cached: the speech model once per server (``st.cache_resource``, shared by
every browser tab), a session document once per id (``st.cache_data``).
The store is opened per script run and closed at its end.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import streamlit as st

from coach.analysis.flags import STRONG_CATEGORIES
from coach.analysis.timing import PHASE_NAMES
from coach.session import Session
from coach.store import SessionStore, SessionSummary
from coach.timefmt import clock

SESSION_KEY = "session_id"
"""``st.session_state`` key of the session the Review and Export pages show (also ``?session=`` in the URL)."""
QUERY_KEY = "session"

PHASE_ORDER = tuple(PHASE_NAMES.values())
PHASE_COLOURS = ("#4c78a8", "#f58518", "#54a24b", "#b279a2", "#e45756")
UNASSIGNED = "(no phase)"


@st.cache_resource(show_spinner="Loading the speech model...")
def transcriber():
    """The speech model, loaded once per server and shared by every session (thread-safe)."""
    from coach.transcribe import Transcriber

    return Transcriber()


@st.cache_resource
def analysis_lock() -> threading.Lock:
    """One analysis at a time per server: two would share the model's workers and both run at half speed."""
    return threading.Lock()


@contextmanager
def open_store() -> Iterator[SessionStore]:
    """The session store (``$COACH_HOME``) for one script run."""
    store = SessionStore()
    try:
        yield store
    finally:
        store.close()


@st.cache_data(show_spinner=False, max_entries=32)
def load_session(home: str, session_id: str) -> Session:
    """A stored session document, parsed once per id (documents never change once saved)."""
    with SessionStore(home) as store:
        return store.session(session_id)


def session(store: SessionStore, session_id: str) -> Session:
    return load_session(str(store.home), session_id)


def current_session_id(ids: list[str]) -> str | None:
    """The session to show: the URL's ``?session=``, else the last one looked at, else the newest."""
    wanted = st.query_params.get(QUERY_KEY) or st.session_state.get(SESSION_KEY)
    chosen = wanted if wanted in ids else (ids[0] if ids else None)
    if chosen is not None:
        set_current_session(chosen)
    return chosen


def set_current_session(session_id: str) -> None:
    """Remember ``session_id`` for every page, and put it in the URL so the view can be linked."""
    st.session_state[SESSION_KEY] = session_id
    if st.query_params.get(QUERY_KEY) != session_id:
        st.query_params[QUERY_KEY] = session_id


def session_picker(summaries: list[SessionSummary], *, key: str, label: str = "Session") -> str | None:
    """A select box of sessions (newest first) bound to the current session; the chosen id."""
    ids = [s.id for s in summaries]
    current = current_session_id(ids)
    if current is None:
        return None
    by_id = {s.id: s for s in summaries}
    st.session_state[key] = current

    def chosen() -> None:
        set_current_session(st.session_state[key])

    return st.selectbox(label, ids, key=key, format_func=lambda i: session_label(by_id[i]), on_change=chosen)


def session_label(summary: SessionSummary) -> str:
    who = f" ({summary.candidate})" if summary.candidate else ""
    return f"{when(summary.recorded_at)}  {summary.title}{who}  [{clock(summary.duration_s or 0)}]"


def when(iso: str) -> str:
    """``2025-11-24 23:49`` in local time from a stored UTC timestamp."""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def moment(seconds: float | None) -> str:
    """``m:ss`` on the recording, or a dash."""
    return clock(seconds) if seconds is not None else "-"


def phase_label(phase: str) -> str:
    return PHASE_NAMES.get(phase, phase)


def category_label(category: str) -> str:
    return category.replace("_", " ")


def is_strong(category: str) -> bool:
    """A signal interviewers look for (a clarifying question), as opposed to a weak one (a filler)."""
    return category in STRONG_CATEGORIES


def phase_scale():
    """The same colour for a phase on every chart."""
    import altair as alt

    return alt.Scale(domain=[*PHASE_ORDER, UNASSIGNED], range=[*PHASE_COLOURS, "#bab0ac"])


CLOCK_LABEL = (
    "floor(datum.value / 60) + ':' + (floor(datum.value % 60) < 10 ? '0' : '') + floor(datum.value % 60)"
)
"""Vega expression: an axis of seconds labelled m:ss."""


def no_sessions_yet() -> None:
    from coach.dashboard import page

    st.info("No sessions yet: record or upload a practice answer on the Practice page, "
            "or run `coach analyze FILE`.")
    st.page_link(page("practice"), label="Go to Practice", icon=":material/mic:")


def pick_session(store: SessionStore, *, key: str) -> str | None:
    """The session a page shows, chosen in its picker; None (with a pointer to Practice) when there is none."""
    summaries = store.list()
    if not summaries:
        no_sessions_yet()
        return None
    return session_picker(summaries, key=key)
