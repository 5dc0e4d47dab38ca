"""Review: one session, everything the analysis found, and the coach's notes.

Every table and chart here is a reshaping of the stored session document
(cached per session id), never new analysis. Charts stay light for long
sessions: the timeline draws speech regions, not words.
"""

from __future__ import annotations

import html
import mimetypes
from dataclasses import dataclass

import altair as alt
import pandas as pd
import streamlit as st

from coach.analysis.phases import parse_moment
from coach.dashboard import common
from coach.errors import CoachError
from coach.session import Session
from coach.timefmt import clock

LONG_PAUSE_S = 5.0
"""Pauses at least this long are marked on the timeline."""
TRACKS = ("phase", "speech", "long pauses", "flags")


@dataclass(frozen=True, slots=True)
class Views:
    """The tables the page draws, built once per session."""

    phases: pd.DataFrame  # track, phase, start, end
    speech: pd.DataFrame  # track, phase, start, end
    long_pauses: pd.DataFrame  # track, start, end, duration, at
    flags: pd.DataFrame  # time, category, signal, text, start, end, track
    allocation: pd.DataFrame  # phase, kind (planned/actual), minutes
    pauses: pd.DataFrame  # duration
    rate: pd.DataFrame  # middle, wpm, window
    transcript_html: str


@st.cache_data(show_spinner=False, max_entries=16)
def views(home: str, session_id: str) -> Views:
    return build_views(common.load_session(home, session_id))


def build_views(session: Session) -> Views:
    phases = [(common.phase_label(p.phase), p.start, p.end) for p in session.phases]

    def phase_at(t: float) -> str:
        for name, start, end in phases:
            if start <= t < end:
                return name
        return phases[-1][0] if phases and t >= phases[-1][2] else common.UNASSIGNED

    phase_df = pd.DataFrame(phases, columns=["phase", "start", "end"]).assign(track="phase")
    speech_df = pd.DataFrame(
        [(phase_at((r.start + r.end) / 2), r.start, r.end) for r in session.speech], columns=["phase", "start", "end"]
    ).assign(track="speech")
    long_df = pd.DataFrame(
        [(p.start, p.end, round(p.duration, 1), clock(p.start)) for p in session.pauses if p.duration >= LONG_PAUSE_S],
        columns=["start", "end", "duration", "at"],
    ).assign(track="long pauses")
    flags_df = pd.DataFrame(
        [(clock(f.start), common.category_label(f.category), "strong" if common.is_strong(f.category) else "weak",
          f.text, f.start, f.end) for f in sorted(session.flags, key=lambda f: f.start)],
        columns=["time", "category", "signal", "text", "start", "end"],
    ).assign(track="flags")
    allocation = session.feedback.get("time_allocation") or {}
    alloc_rows = []
    for row in allocation.get("phases", []):
        label = common.phase_label(row["phase"])
        alloc_rows.append((label, "planned", round(row["planned_s"] / 60, 2), row["status"]))
        alloc_rows.append((label, "actual", round(row["actual_s"] / 60, 2), row["status"]))
    rate = [
        ((w["start"] + w["end"]) / 2, w["wpm"], f"{clock(w['start'])}-{clock(w['end'])}")
        for w in (session.feedback.get("delivery") or {}).get("rate", []) if w.get("wpm") is not None
    ]
    return Views(
        phases=phase_df,
        speech=speech_df,
        long_pauses=long_df,
        flags=flags_df,
        allocation=pd.DataFrame(alloc_rows, columns=["phase", "kind", "minutes", "status"]),
        pauses=pd.DataFrame({"duration": [round(p.duration, 2) for p in session.pauses]}),
        rate=pd.DataFrame(rate, columns=["middle", "wpm", "window"]),
        transcript_html=transcript_html(session),
    )


def transcript_html(session: Session) -> str:
    """The transcript as HTML: a paragraph after each pause (with its length) and, when an interviewer was
    told apart, at each change of voice (named); flagged words in ``<mark>``.

    Every piece of text is escaped; the title attribute of a mark names the flags it carries.
    """
    flags = sorted(session.flags, key=lambda f: f.start)
    pauses = sorted(session.pauses, key=lambda p: p.start)
    parts: list[str] = []
    open_mark: tuple[str, ...] | None = None
    first = 0  # flags before this one end before the current word
    p = 0
    paragraph_open = False
    speaker: str | None = None  # whose words the open paragraph holds, when voices were told apart

    def close_mark() -> None:
        nonlocal open_mark
        if open_mark is not None:
            parts.append("</mark>")
            open_mark = None

    def new_paragraph(at: float, pause: float | None, who: str | None) -> None:
        nonlocal paragraph_open
        close_mark()
        if paragraph_open:
            parts.append("</p>")
        if pause is not None:
            parts.append(f'<p class="pause" style="color:#888;margin:0.4em 0">— {pause:.1f} s of silence —</p>')
        parts.append(f'<p style="margin:0.2em 0"><span style="color:#888;font-size:0.85em">[{clock(at)}]</span> ')
        if who is not None:
            parts.append(f'<em style="color:#888">{who.capitalize()}:</em> ')
        paragraph_open = True

    for word in session.words:
        mid = (word.start + word.end) / 2
        gap = None
        while p < len(pauses) and pauses[p].end <= mid:
            gap = pauses[p].duration if gap is None else gap + pauses[p].duration
            p += 1
        voice = session.voices.speaker_at(mid) if session.voices is not None else None
        if not paragraph_open or gap is not None or voice != speaker:
            new_paragraph(word.start, gap, voice if voice != speaker else None)
            speaker = voice
        while first < len(flags) and flags[first].end < word.start:
            first += 1
        here = tuple(f for f in flags[first:first + 50] if f.start <= mid <= f.end)
        key = tuple(sorted({f.category for f in here}))
        if key != (open_mark or ()):
            close_mark()
            if key:
                strong = all(common.is_strong(c) for c in key)
                colour = "#c9f2c7" if strong else "#ffe08a"
                title = "; ".join(f"{common.category_label(f.category)} at {clock(f.start)}: {f.text}" for f in here)
                parts.append(f'<mark style="background:{colour}" title="{html.escape(title, quote=True)}">')
                open_mark = key
        parts.append(html.escape(word.text) + " ")
    close_mark()
    if paragraph_open:
        parts.append("</p>")
    if not parts:
        return '<div class="transcript"><p><em>No words: the recording is silent or noise only.</em></p></div>'
    return ('<div class="transcript" style="max-height:28em;overflow-y:auto;line-height:1.6">'
            + "".join(parts) + "</div>")


def timeline_chart(v: Views, duration: float) -> alt.Chart:
    x_scale = alt.Scale(domain=[0, max(duration, 1.0)], nice=False)
    axis = alt.Axis(title="time (m:ss)", labelExpr=common.CLOCK_LABEL)
    y = alt.Y("track:N", sort=list(TRACKS), title=None, scale=alt.Scale(domain=list(TRACKS)))
    colour = alt.Color("phase:N", scale=common.phase_scale(), legend=alt.Legend(title="phase", orient="bottom"))
    layers = [
        alt.Chart(v.phases).mark_rect(opacity=0.5).encode(
            x=alt.X("start:Q", scale=x_scale, axis=axis), x2="end:Q", y=y, color=colour,
            tooltip=["phase", alt.Tooltip("start:Q", format=".0f", title="from (s)"),
                     alt.Tooltip("end:Q", format=".0f", title="to (s)")]),
        alt.Chart(v.speech).mark_rect().encode(
            x=alt.X("start:Q", scale=x_scale, axis=axis), x2="end:Q", y=y, color=colour,
            tooltip=["phase", alt.Tooltip("start:Q", format=".1f", title="speech from (s)"),
                     alt.Tooltip("end:Q", format=".1f", title="to (s)")]),
    ]
    if len(v.long_pauses):
        layers.append(alt.Chart(v.long_pauses).mark_rect(color="#d62728").encode(
            x=alt.X("start:Q", scale=x_scale, axis=axis), x2="end:Q", y=y,
            tooltip=[alt.Tooltip("at:N", title="long pause at"), alt.Tooltip("duration:Q", title="seconds")]))
    if len(v.flags):
        layers.append(alt.Chart(v.flags).mark_point(filled=True, size=60, opacity=0.8).encode(
            x=alt.X("start:Q", scale=x_scale, axis=axis), y=y,
            shape=alt.Shape("signal:N", scale=alt.Scale(domain=["weak", "strong"], range=["triangle-down", "circle"]),
                            legend=alt.Legend(title="flag", orient="bottom")),
            color=alt.value("#333"),
            tooltip=["category", "time", "text"]))
    return alt.layer(*layers).properties(height=200)


def allocation_chart(v: Views) -> alt.Chart:
    return alt.Chart(v.allocation).mark_bar().encode(
        x=alt.X("phase:N", sort=list(common.PHASE_ORDER), title=None),
        xOffset=alt.XOffset("kind:N", sort=["planned", "actual"]),
        y=alt.Y("minutes:Q", title="minutes"),
        color=alt.Color("kind:N", scale=alt.Scale(domain=["planned", "actual"], range=["#bab0ac", "#4c78a8"]),
                        legend=alt.Legend(title=None, orient="bottom")),
        tooltip=["phase", "kind", alt.Tooltip("minutes:Q", format=".1f"), "status"],
    ).properties(height=260)


def pauses_chart(v: Views) -> alt.Chart:
    return alt.Chart(v.pauses).mark_bar().encode(
        x=alt.X("duration:Q", bin=alt.Bin(step=1), title="pause length (s)"),
        y=alt.Y("count():Q", title="pauses"),
        tooltip=[alt.Tooltip("count():Q", title="pauses")],
    ).properties(height=260)


def rate_chart(v: Views, median: float | None) -> alt.Chart:
    line = alt.Chart(v.rate).mark_line(point=True).encode(
        x=alt.X("middle:Q", title="time (m:ss)", axis=alt.Axis(labelExpr=common.CLOCK_LABEL)),
        y=alt.Y("wpm:Q", title="words per minute", scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("window:N", title="window"), alt.Tooltip("wpm:Q", format=".0f")],
    )
    if median:
        line = line + alt.Chart(pd.DataFrame({"wpm": [median]})).mark_rule(strokeDash=[4, 4], color="#888").encode(
            y="wpm:Q")
    return line.properties(height=260)


def render() -> None:
    st.title("Review", anchor="review")
    with common.open_store() as store:
        session_id = common.pick_session(store, key="review_session")
        if session_id is None:
            return
        summary = store.summary(session_id)
        home = str(store.home)
        session = common.load_session(home, session_id)
        v = views(home, session_id)
        _header(summary, session)
        _top_fixes(session)
        _charts(session, v)
        _flags_and_audio(store, session_id, v)
        st.subheader("Transcript", anchor="transcript")
        st.html(v.transcript_html)
        _score_card(session)
        _notes(store, session_id)


def _header(summary, session: Session) -> None:
    score = session.feedback.get("score") or {}
    st.header(summary.title, anchor="session-title")
    st.caption(f"{summary.candidate or 'no candidate'} · recorded {common.when(summary.recorded_at)} · "
               f"{clock(summary.duration_s or 0)} · {summary.word_count} words"
               + (f" · problem: {summary.problem}" if summary.problem else "")
               + (f" · tags: {', '.join(summary.tags)}" if summary.tags else ""))
    cols = st.columns(5)
    total = score.get("total")
    cols[0].metric("Score", f"{total:g} / {score.get('max_total', 50)}" if total is not None else "-",
                   help=score.get("verdict"))
    think = (score.get("think_aloud") or {}).get("score")
    cols[1].metric("Think-out-loud", f"{think} / 100" if think is not None else "-",
                   help="; ".join((score.get("think_aloud") or {}).get("reasons", [])) or None)
    cols[2].metric("Words / min", f"{summary.words_per_minute:.0f}")
    cols[3].metric("Longest pause", f"{summary.longest_pause_s:.1f} s")
    cols[4].metric("Pauses / 10 min over 5 s", f"{summary.pauses_per_10_over_5s:.1f}")
    if score.get("verdict"):
        st.caption(f"Verdict: {score['verdict']}")


def _top_fixes(session: Session) -> None:
    fixes = session.feedback.get("top_fixes") or []
    st.subheader("Top fixes", anchor="top-fixes")
    if not fixes:
        st.write("Nothing stands out.")
        return
    lines = []
    for n, fix in enumerate(fixes, 1):
        moments = "; ".join(f"{clock(m['start'])} {_esc(m['text'])}" for m in fix.get("moments", []))
        lines.append(f"{n}. **{_esc(fix['title'])}**: {_esc(fix['why'])}" + (f"  \n   *{moments}*" if moments else ""))
    st.markdown("\n".join(lines))


def _charts(session: Session, v: Views) -> None:
    st.subheader("Timeline", anchor="timeline")
    st.caption(f"Speech by phase; long pauses (>= {LONG_PAUSE_S:g} s) in red; flags as markers (hover for the quote).")
    st.altair_chart(timeline_chart(v, session.source.duration_s), width="stretch")
    left, middle, right = st.columns(3)
    with left:
        st.subheader("Time against the plan", anchor="time-allocation")
        allocation = session.feedback.get("time_allocation") or {}
        if len(v.allocation):
            st.altair_chart(allocation_chart(v), width="stretch")
            scale = allocation.get("scale", 1)
            st.caption(f"{allocation.get('plan')}-minute plan" + (f", scaled x{scale:.2f}" if scale != 1 else ""))
            for finding in allocation.get("findings", []):
                st.caption(f"- {finding}")
        else:
            st.write("No time allocation.")
    with middle:
        st.subheader("Pause lengths", anchor="pause-lengths")
        if len(v.pauses):
            st.altair_chart(pauses_chart(v), width="stretch")
        else:
            st.write("No pauses.")
    with right:
        st.subheader("Speaking rate", anchor="speaking-rate")
        if len(v.rate):
            st.altair_chart(rate_chart(v, (session.feedback.get("delivery") or {}).get("median_wpm")), width="stretch")
        else:
            st.write("Too little speech to measure the pace.")


def _flags_and_audio(store, session_id: str, v: Views) -> None:
    st.subheader("Flags", anchor="flags")
    st.caption("Select a row to play the recording from that moment.")
    table = v.flags[["time", "category", "signal", "text", "start"]]
    event = st.dataframe(table, key="review_flags", on_select="rerun", selection_mode="single-row", hide_index=True,
                         column_config={"start": st.column_config.NumberColumn("seconds", format="%.1f")})
    rows = list(event.selection.rows) if event is not None else []
    start = float(table.iloc[rows[0]]["start"]) if rows and rows[0] < len(table) else 0.0
    audio = store.audio_path(session_id)
    if audio is not None and audio.is_file():
        kind = mimetypes.guess_type(audio.name)[0] or "audio/wav"
        if rows:
            st.caption(f"Playing from {clock(start)}")
        st.audio(str(audio), format=kind, start_time=int(start), autoplay=bool(rows))
    else:
        st.caption("No recording kept for this session.")


def _score_card(session: Session) -> None:
    score = session.feedback.get("score") or {}
    st.subheader("Score card", anchor="score-card")
    if not score:
        st.write("No score.")
        return
    for item in score.get("items", []):
        with st.container(border=True):
            st.markdown(f"**{_esc(item['label'])}**: {item['points']:g} / {item['max_points']}")
            st.caption(item.get("reason", ""))
            evidence = item.get("evidence") or []
            if evidence:
                st.markdown("\n".join(f"- {clock(e['start'])} {_esc(e['text'])}" for e in evidence))


def _notes(store, session_id: str) -> None:
    st.subheader("Coach's notes", anchor="notes")
    notes = store.notes(session_id)
    if not notes:
        st.caption("No notes yet.")
    for note in notes:
        text_col, button_col = st.columns([9, 1])
        text_col.markdown(f"**{common.moment(note.at_s)}** {_esc(note.text)}")
        if button_col.button("Delete", key=f"delete_note_{note.id}"):
            store.delete_note(note.id)
            st.rerun()
    with st.form("add_note", clear_on_submit=True):
        text = st.text_area("Note", key="note_text")
        at = st.text_input("At (m:ss, optional)", key="note_at")
        if st.form_submit_button("Add note"):
            try:
                at_s = parse_moment(at) if at.strip() else None
                store.add_note(session_id, text, at_s=at_s)
            except CoachError as exc:
                st.error(str(exc))
            else:
                st.rerun()


def _esc(text: str) -> str:
    """User and transcript text for Markdown, shown as typed (no links, emphasis, HTML or maths)."""
    return "".join("\\" + ch if ch in MARKDOWN_SPECIALS else ch for ch in text)


MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()<>#+-.!|$~:")
