"""Human-readable views of a session: the terminal summary, and the coaching report.

The report is built once as a list of blocks (headings, paragraphs, lists,
tables) and rendered to Markdown or to a self-contained HTML page, so the
two formats always say the same thing. Everything here reads the session
document; no analysis happens in this module.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from coach.analysis.pauses import words_after, words_before
from coach.analysis.timing import PHASE_NAMES
from coach.records import INTERVIEWER, Pause, VoiceSplit, Word
from coach.session import Session
from coach.timefmt import clock

LONG_PAUSE_S = 5.0
"""Pauses at least this long are called out by name in the summary."""
QUOTES_PER_SIGNAL = 2


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[str, ...]
    ordered: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Heading | Paragraph | Bullets | Table


def summary_text(session: Session, *, max_pauses: int = 10) -> str:
    """A few lines for the terminal: talk, pace, where they went quiet, the score and what to fix first."""
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
        marker = "  <- long" if pause.duration >= LONG_PAUSE_S else ""
        lines.append(
            f"  {clock(pause.start):>7}  quiet {pause.duration:4.1f} s after \"{words_before(session.words, pause.start, 6)}\"{marker}"
        )
    if session.phases:
        lines.append("  phases: " + ", ".join(f"{clock(p.start)} {PHASE_NAMES[p.phase]}" for p in session.phases))
    score = session.feedback.get("score")
    if score:
        lines.append(
            f"  score {score['total']:g}/{score['max_total']} ({score['verdict']}), "
            f"think-out-loud {score['think_aloud']['score']}/100"
        )
    for n, fix in enumerate(session.feedback.get("top_fixes", []), 1):
        lines.append(f"  fix {n}: {fix['title']}")
    return "\n".join(lines)


def markdown_report(session: Session, notes: Sequence[tuple[float | None, str]] = ()) -> str:
    """The coaching report as Markdown; ``notes`` are the coach's (moment in seconds or None, text)."""
    return render_markdown(report_blocks(session, notes))


def html_report(session: Session, notes: Sequence[tuple[float | None, str]] = ()) -> str:
    """The coaching report as a self-contained HTML page."""
    return render_html(report_blocks(session, notes), title=f"coach: {session.source.path}")


def report_blocks(session: Session, notes: Sequence[tuple[float | None, str]] = ()) -> list[Block]:
    """What the report says, in order."""
    m = session.metrics
    fb = session.feedback
    blocks: list[Block] = [Heading(1, f"Coaching report: {session.source.path}")]
    intro = (f"Recorded {clock(m['duration_s'])}, {clock(m['speech_s'])} of it speech. Transcribed on this machine "
             f"with `{session.model.name}` ({session.model.device}, {session.model.compute_type}).")
    score = fb.get("score")
    if score:
        intro += (f" Score **{score['total']:g}/{score['max_total']}**: {score['verdict']}. Thinking out loud: "
                  f"**{score['think_aloud']['score']}/100**.")
    if session.voices is not None:
        turns = session.voices.turns(INTERVIEWER)
        intro += (f" The interviewer's voice was told apart ({turns} turns, {clock(session.voices.seconds(INTERVIEWER))}):"
                  " their words are in the transcript, marked, and everything else is about the candidate's.")
    blocks.append(Paragraph(intro))
    if not session.words:
        blocks.append(Paragraph("No speech was recognised in this recording, so there is nothing to coach yet."))
        return blocks
    if notes:
        blocks += [Heading(2, "Your coach's notes"), Bullets(tuple(
            (f"{clock(at)} " if at is not None else "") + text for at, text in notes))]
    blocks += _fixes(fb.get("top_fixes", []))
    blocks += _time(session)
    blocks += _score(score)
    blocks += _thinking_aloud(session)
    blocks += _language(session)
    blocks += _coverage(fb.get("coverage"))
    blocks += _delivery(fb.get("delivery"))
    blocks += [Heading(2, "Transcript"), Paragraph(_transcript_with_pauses(session.words, session.pauses, session.voices))]
    return blocks


def _fixes(fixes: Sequence[dict]) -> list[Block]:
    if not fixes:
        return []
    items = []
    for fix in fixes:
        moments = "; ".join(f"{clock(m['start'])} {m['text']}" for m in fix["moments"])
        items.append(f"**{fix['title']}.** {fix['why']}" + (f" When: {moments}." if moments else ""))
    return [Heading(2, f"Top {len(fixes)} things to fix"), Bullets(tuple(items), ordered=True)]


def _time(session: Session) -> list[Block]:
    allocation = session.feedback.get("time_allocation")
    if not allocation:
        return []
    rows = tuple(
        (PHASE_NAMES[r["phase"]], clock(r["planned_s"]), clock(r["actual_s"]), f"{r['ratio']:.0%}", r["status"])
        for r in allocation["phases"]
    )
    source = "your marks" if session.feedback.get("phases_from") == "marks" else "what you said"
    blocks: list[Block] = [
        Heading(2, "Time allocation"),
        Paragraph(f"Against the {allocation['plan']}-minute plan"
                  + ("" if allocation["scale"] == 1 else f", scaled to this {clock(allocation['session_s'])} session")
                  + f"; phases found from {source}."),
        Table(("phase", "planned", "actual", "of budget", "status"), rows),
    ]
    if allocation["findings"]:
        blocks.append(Bullets(tuple(allocation["findings"])))
    blocks.append(Paragraph("Order: " + " → ".join(
        f"{PHASE_NAMES[p.phase]} {clock(p.start)}–{clock(p.end)}" for p in session.phases) + "."))
    return blocks


def _score(score: dict | None) -> list[Block]:
    if not score:
        return []
    rows = tuple(
        (item["label"], f"{item['points']:g}/{item['max_points']}", item["reason"],
         "; ".join(f"{clock(e['start'])} {_quote(e['text'])}" for e in item["evidence"][:3]) or "–")
        for item in score["items"]
    )
    return [
        Heading(2, f"Score: {score['total']:g}/{score['max_total']} ({score['verdict']})"),
        Paragraph("The reference's self-evaluation: 35 or more reads as ready, 25-35 needs more practice."),
        Table(("item", "points", "why", "evidence"), rows),
    ]


def _thinking_aloud(session: Session) -> list[Block]:
    m = session.metrics
    score = session.feedback.get("score", {}).get("think_aloud")
    rows = (
        ("speech", f"{clock(m['speech_s'])} ({m['speaking_ratio']:.0%} of the talk span)"),
        ("speaking rate", f"{m['words_per_minute']:.0f} words/min overall, {m['articulation_wpm']:.0f} while speaking"),
        (f"pauses of {session.options.get('min_pause_s', 2.0):g} s or more",
         f"{m['pause_count']}, {m['total_pause_s']:.0f} s in all, longest {m['longest_pause_s']:.1f} s"),
        *((f"pauses per 10 min of {key.removeprefix('over_').removesuffix('s')} s or more", f"{n:.1f}")
          for key, n in m["pauses_per_10_min"].items()),
    )
    blocks: list[Block] = [Heading(2, "Thinking out loud"), Table(("measure", "value"), rows)]
    if score:
        blocks.append(Paragraph(f"Think-out-loud score {score['score']}/100: " + (", ".join(score["reasons"]) or "nothing to take off") + "."))
    if session.pauses:
        longest = sorted(session.pauses, key=lambda p: -p.duration)[:10]
        blocks.append(Table(
            ("at", "silence", "after", "before"),
            tuple((clock(p.start), f"{p.duration:.1f} s", words_before(session.words, p.start, 8),
                   words_after(session.words, p.end, 8)) for p in sorted(longest, key=lambda p: p.start)),
        ))
    return blocks


def _language(session: Session) -> list[Block]:
    counts = session.feedback.get("flag_counts")
    if counts is None:
        return []
    rows = []
    for category, count in counts.items():
        quotes = [f for f in session.flags if f.category == category][:QUOTES_PER_SIGNAL]
        examples = "; ".join(f"{clock(f.start)} {_quote(f.text)}" for f in quotes) or "–"
        rows.append((category.replace("_", " "), str(count), examples))
    per_100 = lambda names: 100 * sum(counts.get(n, 0) for n in names) / max(1, len(session.words))  # noqa: E731
    return [
        Heading(2, "Language"),
        Paragraph(f"Fillers and hedges: {per_100(('filler', 'hedge')):.1f} per 100 words. The first six rows are "
                  "habits to lose, the rest are signals interviewers look for."),
        Table(("signal", "count", "examples"), tuple(rows)),
    ]


def _coverage(coverage: dict | None) -> list[Block]:
    if not coverage:
        return []
    scope = coverage["fired"][0]["scope"] if coverage["fired"] else ""
    blocks: list[Block] = [
        Heading(2, "Requirements covered (FIRED)"),
        Paragraph(f"Read from the {scope}."),
        Table(("dimension", "covered", "evidence, or what to ask"), tuple(
            (i["label"], "yes" if i["covered"] else "no",
             "; ".join(f"{clock(e['start'])} {_quote(e['text'])}" for e in i["evidence"][:2]) if i["covered"]
             else i["hint"]) for i in coverage["fired"])),
    ]
    if coverage.get("problem"):
        blocks += [
            Heading(2, f"Key points of the {coverage['problem'].replace('-', ' ')} problem"),
            Table(("key point", "covered", "evidence"), tuple(
                (i["label"], "yes" if i["covered"] else "no",
                 "; ".join(f"{clock(e['start'])} {_quote(e['text'])}" for e in i["evidence"][:2]) or "–")
                for i in coverage["key_points"])),
        ]
    return blocks


def _delivery(delivery: dict | None) -> list[Block]:
    if not delivery:
        return []
    pitch, loudness = delivery["pitch"], delivery["loudness"]
    facts = []
    if delivery.get("median_wpm"):
        facts.append(f"median pace {delivery['median_wpm']:.0f} words per minute of talk")
    if pitch.get("span_st") is not None:
        facts.append(f"pitch around {pitch['median_hz']:.0f} Hz, spanning {pitch['span_st']:.1f} semitones")
    if loudness.get("median_db") is not None:
        facts.append(f"level {loudness['median_db']:.0f} dBFS")
    blocks: list[Block] = [Heading(2, "Delivery")]
    if facts:
        text = "; ".join(facts)
        blocks.append(Paragraph(text[0].upper() + text[1:] + "."))
    if delivery["notes"]:
        blocks.append(Bullets(tuple(delivery["notes"])))
    return blocks


def _transcript_with_pauses(words: Sequence[Word], pauses: Sequence[Pause], voices: VoiceSplit | None = None) -> str:
    """The words with the long silences marked, and who speaks at each change of voice (when told apart)."""
    marks = sorted(pauses, key=lambda p: p.start)
    parts: list[str] = []
    mark = 0
    speaker: str | None = None
    for word in words:
        while mark < len(marks) and marks[mark].end <= word.start:
            parts.append(f" **[{clock(marks[mark].start)} quiet {marks[mark].duration:.1f} s]**")
            mark += 1
        voice = voices.speaker_at((word.start + word.end) / 2) if voices is not None else None
        if voice != speaker:
            speaker = voice
            parts.append(f" **{voice.capitalize()}:**")
        parts.append(" " + word.text)
    return "".join(parts).strip()


def _quote(text: str, limit: int = 120) -> str:
    text = text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return f"“{text}”"


def render_markdown(blocks: Sequence[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append("#" * block.level + " " + block.text)
        elif isinstance(block, Paragraph):
            out.append(block.text)
        elif isinstance(block, Bullets):
            out.append("\n".join(f"{n}. {item}" if block.ordered else f"- {item}"
                                 for n, item in enumerate(block.items, 1)))
        else:
            cell = lambda text: text.replace("|", "\\|").replace("\n", " ")  # noqa: E731
            lines = ["| " + " | ".join(block.header) + " |", "|" + "---|" * len(block.header)]
            lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in block.rows]
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


_STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; } td, th { border: 1px solid #ddd; padding: .3rem .5rem;
vertical-align: top; text-align: left; } th { background: #f4f4f4; } code { background: #f4f4f4; padding: 0 .2rem; }
"""


def render_html(blocks: Sequence[Block], *, title: str) -> str:
    out = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
           f"<style>{_STYLE}</style></head><body>"]
    for block in blocks:
        if isinstance(block, Heading):
            out.append(f"<h{block.level}>{_inline(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            out.append(f"<p>{_inline(block.text)}</p>")
        elif isinstance(block, Bullets):
            tag = "ol" if block.ordered else "ul"
            out.append(f"<{tag}>" + "".join(f"<li>{_inline(i)}</li>" for i in block.items) + f"</{tag}>")
        else:
            head = "".join(f"<th>{_inline(h)}</th>" for h in block.header)
            body = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in block.rows)
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _inline(text: str) -> str:
    """Escape, then the two pieces of Markdown the blocks use: **bold** and `code`."""
    escaped = html.escape(text)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", escaped)
