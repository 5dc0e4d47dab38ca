"""Export: one session as JSON, Markdown, HTML or subtitles, and every session's figures as CSV."""

from __future__ import annotations

import json

import streamlit as st

from coach.dashboard import common
from coach.export import metrics_csv, srt, vtt
from coach.report import html_report, markdown_report

FORMATS = {
    # key: (button label, file suffix, MIME type, writer(session, notes)); the reports carry the coach's notes
    "json": ("Session document (JSON)", "json", "application/json",
             lambda s, notes: json.dumps(s.to_json(), indent=1) + "\n"),
    "md": ("Coaching report (Markdown)", "md", "text/markdown", markdown_report),
    "html": ("Coaching report (HTML)", "html", "text/html", html_report),
    "srt": ("Subtitles (SRT)", "srt", "application/x-subrip", lambda s, notes: srt(s)),
    "vtt": ("Subtitles (WebVTT)", "vtt", "text/vtt", lambda s, notes: vtt(s)),
}


@st.cache_data(show_spinner=False, max_entries=64)
def exported(home: str, session_id: str, fmt: str, notes: tuple[tuple[float | None, str], ...]) -> str:
    """A session in one format, made once per session, format and set of notes."""
    return FORMATS[fmt][3](common.load_session(home, session_id), notes)


def render() -> None:
    st.title("Export", anchor="export")
    with common.open_store() as store:
        session_id = common.pick_session(store, key="export_session")
        if session_id is None:
            return
        summary = store.summary(session_id)
        stem = _file_stem(summary.title, session_id)
        notes = tuple((note.at_s, note.text) for note in store.notes(session_id))
        st.subheader("This session", anchor="export-session")
        for fmt, (label, suffix, mime, _) in FORMATS.items():
            st.download_button(label, data=exported(str(store.home), session_id, fmt, notes),
                               file_name=f"{stem}.{suffix}",
                               mime=mime, key=f"download_{fmt}", on_click="ignore")
        st.subheader("Every session", anchor="export-all")
        summaries = store.list()
        st.download_button(f"Metrics of all {len(summaries)} sessions (CSV)", data=metrics_csv(summaries),
                           file_name="coach-sessions.csv", mime="text/csv", key="download_csv", on_click="ignore")


def _file_stem(title: str, session_id: str) -> str:
    """A download name from the title: letters, digits, dashes; the id when nothing is left."""
    cleaned = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in title).strip("-_")
    return (cleaned[:60] or session_id).lower()
