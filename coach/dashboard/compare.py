"""Compare: how a candidate's sessions trend, from the stored figures (no documents parsed for the trends)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from coach.dashboard import common
from coach.store import SessionSummary

ALL = "all"
TRENDS = (
    # (chart title, anchor, {summary field: series label}, y axis title)
    ("Score", "trend-score", {"score_total": "score (of 50)"}, "score"),
    ("Pauses per 10 minutes", "trend-pauses",
     {"pauses_per_10_over_2s": "over 2 s", "pauses_per_10_over_5s": "over 5 s", "pauses_per_10_over_10s": "over 10 s"},
     "pauses / 10 min"),
    ("Longest pause", "trend-longest-pause", {"longest_pause_s": "longest pause"}, "seconds"),
    ("Fillers and hedges per 100 words", "trend-language",
     {"fillers_per_100": "fillers", "hedges_per_100": "hedges"}, "per 100 words"),
)


def trend_table(summaries: list[SessionSummary]) -> pd.DataFrame:
    """One row per session and figure: recorded, session, series, value (oldest first)."""
    rows = []
    for s in sorted(summaries, key=lambda s: s.recorded_at):
        for _, _, fields, _ in TRENDS:
            for field, label in fields.items():
                value = getattr(s, field)
                if value is not None:
                    rows.append((pd.Timestamp(s.recorded_at), s.title, s.id, label, float(value)))
    return pd.DataFrame(rows, columns=["recorded", "session", "id", "series", "value"])


def trend_chart(table: pd.DataFrame, fields: dict[str, str], y_title: str) -> alt.Chart:
    data = table[table["series"].isin(list(fields.values()))]
    return alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("recorded:T", title="recorded", axis=alt.Axis(format="%b %d %H:%M", labelAngle=-30)),
        y=alt.Y("value:Q", title=y_title),
        color=alt.Color("series:N", sort=list(fields.values()), legend=alt.Legend(title=None, orient="bottom")),
        tooltip=["session", alt.Tooltip("recorded:T", format="%Y-%m-%d %H:%M"), "series",
                 alt.Tooltip("value:Q", format=".1f")],
    ).properties(height=240)


def allocation_table(home: str, summaries: list[SessionSummary]) -> pd.DataFrame:
    """Minutes per phase per session, from each document's time allocation (documents cached by id)."""
    rows = []
    for s in sorted(summaries, key=lambda s: s.recorded_at):
        allocation = common.load_session(home, s.id).feedback.get("time_allocation") or {}
        label = f"{common.when(s.recorded_at)} {s.title}"
        for row in allocation.get("phases", []):
            share = row["actual_s"] / allocation["session_s"] if allocation.get("session_s") else 0.0
            rows.append((label, common.phase_label(row["phase"]), round(row["actual_s"] / 60, 2), share))
    return pd.DataFrame(rows, columns=["session", "phase", "minutes", "share"])


def allocation_chart(table: pd.DataFrame) -> alt.Chart:
    return alt.Chart(table).mark_bar().encode(
        x=alt.X("session:N", title=None, sort=None, axis=alt.Axis(labelAngle=-30, labelLimit=220)),
        y=alt.Y("minutes:Q", title="minutes", stack="zero"),
        color=alt.Color("phase:N", scale=common.phase_scale(), legend=alt.Legend(orient="bottom")),
        order=alt.Order("phase_order:Q"),
        tooltip=["session", "phase", alt.Tooltip("minutes:Q", format=".1f"), alt.Tooltip("share:Q", format=".0%")],
    ).transform_calculate(
        phase_order=f"indexof({list(common.PHASE_ORDER)!r}, datum.phase)"
    ).properties(height=320)


def render() -> None:
    st.title("Compare", anchor="compare")
    with common.open_store() as store:
        everyone = store.list()
        if not everyone:
            common.no_sessions_yet()
            return
        candidates = store.candidates()
        left, right = st.columns([1, 3])
        who = left.selectbox("Candidate", [ALL, *candidates], key="compare_candidate",
                             format_func=lambda c: "all candidates" if c == ALL else (c or "(no candidate)"))
        pool = everyone if who == ALL else [s for s in everyone if s.candidate == who]
        by_id = {s.id: s for s in pool}
        chosen = right.multiselect("Sessions", list(by_id), default=list(by_id), key=f"compare_sessions_{who}",
                                   format_func=lambda i: common.session_label(by_id[i]),
                                   help="All of the candidate's sessions unless you pick some.")
        picked = [by_id[i] for i in chosen] or pool
        st.caption(f"{len(picked)} session{'s' if len(picked) != 1 else ''}")
        table = trend_table(picked)
        for (title, anchor, fields, y_title), column in zip(TRENDS, st.columns(2) + st.columns(2)):
            with column:
                st.subheader(title, anchor=anchor)
                st.altair_chart(trend_chart(table, fields, y_title), width="stretch")
        st.subheader("Phase allocation", anchor="phase-allocation")
        st.altair_chart(allocation_chart(allocation_table(str(store.home), picked)), width="stretch")
        st.dataframe(_figures(picked), key="compare_table", hide_index=True)


def _figures(summaries: list[SessionSummary]) -> pd.DataFrame:
    return pd.DataFrame([{
        "recorded": common.when(s.recorded_at), "title": s.title, "candidate": s.candidate,
        "score": s.score_total, "think-out-loud": s.think_aloud, "words/min": s.words_per_minute,
        "longest pause (s)": s.longest_pause_s, "pauses/10 min > 5 s": s.pauses_per_10_over_5s,
        "fillers/100 words": s.fillers_per_100, "hedges/100 words": s.hedges_per_100,
    } for s in summaries])
