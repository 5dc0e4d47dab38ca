"""Human-readable views of a session: the terminal summary and the Markdown report."""

from __future__ import annotations

from collections.abc import Sequence

from coach.records import Pause, Word
from coach.session import Session
from coach.timefmt import clock

LONG_PAUSE_S = 5.0
"""Pauses at least this long are called out by name in the summary."""


def summary_text(session: Session, *, max_pauses: int = 10) -> str:
    """A few lines for the terminal: how much they talked, how fast, and where they went quiet."""
    m = session.metrics
    lines = [
        f"{session.source.path}: {clock(m['duration_s'])} recorded, "
        f"{clock(m['speech_s'])} of speech, {m['word_count']} words",
        f"  speaking ratio {m['speaking_ratio']:.0%} of the talk span, "
        f"{m['words_per_minute']:.0f} words/min overall ({m['articulation_wpm']:.0f} while speaking)",
    ]
    if not session.words and not session.speech:
        lines.append("  no speech found: the recording is silent or noise only")
        return "\n".join(lines)
    rates = m["pauses_per_10_min"]
    lines.append(
        f"  {m['pause_count']} pauses >= {session.options.get('min_pause_s', 2.0):g} s, "
        f"longest {m['longest_pause_s']:.1f} s; per 10 min: "
        + ", ".join(f"{n:.1f} over {key.removeprefix('over_')}" for key, n in rates.items())
    )
    longest = sorted(session.pauses, key=lambda p: p.duration, reverse=True)[:max_pauses]
    for pause in sorted(longest, key=lambda p: p.start):
        before = _words_before(session.words, pause.start, 6)
        marker = "  <- long" if pause.duration >= LONG_PAUSE_S else ""
        lines.append(f"  {clock(pause.start):>7}  quiet {pause.duration:4.1f} s after \"{before}\"{marker}")
    return "\n".join(lines)


def markdown_report(session: Session) -> str:
    """The session as a Markdown document a candidate can read on their own."""
    m = session.metrics
    out = [
        f"# Practice session: {session.source.path}",
        "",
        f"Recorded {clock(m['duration_s'])}; transcribed locally with `{session.model.name}` "
        f"on {session.model.device} ({session.model.compute_type}).",
        "",
        "## Thinking out loud",
        "",
        "| measure | value |",
        "|---|---|",
        f"| speech | {clock(m['speech_s'])} ({m['speaking_ratio']:.0%} of the talk span) |",
        f"| words | {m['word_count']} |",
        f"| speaking rate | {m['words_per_minute']:.0f} words/min overall, {m['articulation_wpm']:.0f} while speaking |",
        f"| pauses | {m['pause_count']}, {m['total_pause_s']:.1f} s in all |",
        f"| longest pause | {m['longest_pause_s']:.1f} s |",
    ]
    out += [
        f"| pauses per 10 min {key.replace('_', ' ')} | {n:g} |" for key, n in m["pauses_per_10_min"].items()
    ]
    out += ["", "## Where you went quiet", ""]
    if session.pauses:
        out += ["| at | length | after | before |", "|---|---|---|---|"]
        for pause in session.pauses:
            out.append(
                f"| {clock(pause.start)} | {pause.duration:.1f} s | "
                f"{_md(_words_before(session.words, pause.start, 8))} | "
                f"{_md(_words_after(session.words, pause.end, 8))} |"
            )
    else:
        out.append("No silence reached the pause threshold.")
    out += ["", "## Transcript", "", _transcript_with_pauses(session.words, session.pauses), ""]
    return "\n".join(out)


def _transcript_with_pauses(words: Sequence[Word], pauses: Sequence[Pause]) -> str:
    if not words:
        return "_No words were recognised._"
    marks = sorted(pauses, key=lambda p: p.start)
    parts: list[str] = []
    mark = 0
    for word in words:
        while mark < len(marks) and marks[mark].end <= word.start:
            parts.append(f"\n\n**[{clock(marks[mark].start)} quiet {marks[mark].duration:.1f} s]**\n\n")
            mark += 1
        parts.append(word.text if not parts or parts[-1].endswith("\n") else " " + word.text)
    return "".join(parts).strip()


def _words_before(words: Sequence[Word], t: float, n: int) -> str:
    # by midpoint: Whisper's word ends overrun the VAD's pause boundary by a little
    picked = [w.text for w in words if (w.start + w.end) / 2 <= t][-n:]
    return " ".join(picked) or "(start)"


def _words_after(words: Sequence[Word], t: float, n: int) -> str:
    picked = [w.text for w in words if (w.start + w.end) / 2 >= t][:n]
    return " ".join(picked) or "(end)"


def _md(text: str) -> str:
    return text.replace("|", "\\|")
