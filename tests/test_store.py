"""The session store: a real SQLite file, migrations, the recording kept beside it, concurrent writers."""

import sqlite3
import subprocess
import sys
import textwrap

import pytest

from coach.errors import CoachError
from coach.export import metrics_csv, srt, vtt
from coach.records import ModelInfo, Pause, SourceInfo, SpeechRegion
from coach.session import Session
from coach.store import MIGRATIONS, SessionStore
from conftest import REPO
from words import words_from


def make_session(path="practice.wav", score=30.0):
    words = words_from("Let me clarify the requirements. How many users? Um, about ten million. Then a cache.")
    metrics = {
        "duration_s": 60.0, "speech_s": 40.0, "talk_span_s": 50.0, "speaking_ratio": 0.8, "word_count": len(words),
        "words_per_minute": 140.0, "articulation_wpm": 160.0, "pause_count": 1, "total_pause_s": 3.0,
        "mean_pause_s": 3.0, "longest_pause_s": 3.0, "longest_pause_start": 10.0,
        "pauses_per_10_min": {"over_2s": 12.0, "over_5s": 0.0, "over_10s": 0.0},
        "leading_silence_s": 1.0, "trailing_silence_s": 2.0,
    }
    return Session(
        source=SourceInfo(path, 60.0, 16000, 1, "pcm_s16le"),
        model=ModelInfo("tiny.en", "cpu", "int8"),
        speech=(SpeechRegion(1.0, 10.0), SpeechRegion(13.0, 41.0)),
        pauses=(Pause(10.0, 13.0),),
        words=tuple(words),
        metrics=metrics,
        feedback={"score": {"total": score, "think_aloud": {"score": 70}}, "flag_counts": {"filler": 1, "hedge": 2}},
    )


def test_save_list_show_and_delete(tmp_path):
    audio = tmp_path / "practice.wav"
    audio.write_bytes(b"RIFF....fake recording")
    with SessionStore(tmp_path / "home") as store:
        saved = store.save(make_session(str(audio)), audio=audio, candidate="ana", tags=["mock", "chat"],
                           problem="chat-system", plan="45")
        assert saved.title == "practice" and saved.candidate == "ana" and saved.tags == ("chat", "mock")
        assert saved.score_total == 30.0 and saved.think_aloud == 70 and saved.pause_count == 1
        assert saved.fillers_per_100 == pytest.approx(100 / len(make_session().words), abs=0.01)
        copy = store.audio_path(saved.id)
        assert copy.read_bytes() == audio.read_bytes() and copy.parent == store.audio_dir
        assert store.session(saved.id).words == make_session().words
        assert [s.id for s in store.list(candidate="ana")] == [saved.id] and store.list(candidate="bob") == []
        store.add_note(saved.id, "Good clarifying question here", at_s=4.0)
        store.add_note(saved.id, "Overall: slow down")
        assert [(n.at_s, n.text) for n in store.notes(saved.id)] == [
            (4.0, "Good clarifying question here"), (None, "Overall: slow down")]
        store.delete(saved.id)
        assert store.list() == [] and not copy.exists()
        assert store._db.execute("SELECT COUNT(*) FROM notes").fetchone()[0] == 0
        with pytest.raises(CoachError, match="no session"):
            store.session(saved.id)


def test_a_failed_save_leaves_nothing_behind(tmp_path):
    with SessionStore(tmp_path / "home") as store:
        with pytest.raises(CoachError, match="cannot save"):
            store.save(make_session(), audio=tmp_path / "gone.wav")
        assert store.list() == [] and list(store.audio_dir.iterdir()) == []


def test_migrations_bring_an_old_database_up_to_date_and_refuse_a_newer_one(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    sqlite3.connect(home / "sessions.db").close()  # a database from before any schema
    with SessionStore(home) as store:
        assert store.schema_version == len(MIGRATIONS)
        store.save(make_session())
    with SessionStore(home) as store:  # opening again migrates nothing and keeps the data
        assert store.schema_version == len(MIGRATIONS) and len(store.list()) == 1
    db = sqlite3.connect(home / "sessions.db")
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.commit()
    db.close()
    with pytest.raises(CoachError, match="newer coach"):
        SessionStore(home)


def test_two_processes_write_at_the_same_time(tmp_path):
    """The dashboard and a CLI analysis may save at once: WAL and a busy timeout make them queue."""
    home = tmp_path / "home"
    SessionStore(home).close()
    writer = textwrap.dedent(f"""
        import sys
        sys.path[:0] = [{str(REPO)!r}, {str(REPO / 'tests')!r}]
        from coach.store import SessionStore
        from test_store import make_session
        with SessionStore(sys.argv[1]) as store:
            for n in range(25):
                store.save(make_session(f"{{sys.argv[2]}}-{{n}}.wav"), candidate=sys.argv[2])
                store.list(limit=5)
    """)
    procs = [subprocess.Popen([sys.executable, "-c", writer, str(home), who]) for who in ("dashboard", "cli")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    with SessionStore(home) as store:
        assert len(store.list(candidate="dashboard")) == 25 and len(store.list(candidate="cli")) == 25
        assert store._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_exports():
    session = make_session()
    subtitles = srt(session)
    assert subtitles.startswith("1\n00:00:00,000 --> ") and "Let me clarify the requirements." in subtitles
    assert vtt(session).startswith("WEBVTT\n\n00:00:00.000 --> ")
    with SessionStore() as store:
        store.save(session, tags=["x", "y"])
        table = metrics_csv(store.list())
    header, row = table.strip().splitlines()
    assert "longest_pause_s" in header and "score_total" in header and ",x;y," in row
