"""Every analysed session, kept: a SQLite database and the recordings beside it.

The data folder is ``$COACH_HOME`` or the user's data directory
(``~/.local/share/coach`` on Linux). It holds ``sessions.db`` (WAL mode, so
the dashboard and a CLI analysis can write at the same time) and
``audio/``, where each session's recording is copied under the session's
id. The full session document is stored as JSON; the figures a coach
compares across sessions are columns as well, so listing and comparing
never parse documents.

The schema is versioned (``PRAGMA user_version``); opening an older
database applies the migrations it lacks, in order, in one transaction.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
import uuid
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from coach.errors import CoachError
from coach.session import Session

BUSY_TIMEOUT_MS = 30_000
"""How long a writer waits for another writer's transaction, instead of failing at once."""

MIGRATIONS: tuple[str, ...] = (
    # 1: sessions with their comparable figures, and coaches' notes
    """
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        title TEXT NOT NULL,
        candidate TEXT NOT NULL DEFAULT '',
        problem TEXT,
        plan TEXT,
        tags TEXT NOT NULL DEFAULT '[]',
        source_name TEXT NOT NULL DEFAULT '',
        audio_file TEXT,
        duration_s REAL,
        speech_s REAL,
        word_count INTEGER,
        words_per_minute REAL,
        speaking_ratio REAL,
        pause_count INTEGER,
        longest_pause_s REAL,
        pauses_per_10_over_2s REAL,
        pauses_per_10_over_5s REAL,
        pauses_per_10_over_10s REAL,
        score_total REAL,
        think_aloud INTEGER,
        fillers_per_100 REAL,
        hedges_per_100 REAL,
        document TEXT NOT NULL
    );
    CREATE INDEX sessions_by_candidate ON sessions (candidate, recorded_at);
    CREATE TABLE notes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        at_s REAL,
        text TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX notes_by_session ON notes (session_id, at_s);
    """,
)

SUMMARY_COLUMNS = (
    "id", "created_at", "recorded_at", "title", "candidate", "problem", "plan", "tags", "source_name",
    "audio_file", "duration_s", "speech_s", "word_count", "words_per_minute", "speaking_ratio", "pause_count",
    "longest_pause_s", "pauses_per_10_over_2s", "pauses_per_10_over_5s", "pauses_per_10_over_10s", "score_total",
    "think_aloud", "fillers_per_100", "hedges_per_100",
)


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """One stored session's labels and comparable figures (no document)."""

    id: str
    created_at: str
    recorded_at: str
    title: str
    candidate: str
    problem: str | None
    plan: str | None
    tags: tuple[str, ...]
    source_name: str
    audio_file: str | None
    duration_s: float
    speech_s: float
    word_count: int
    words_per_minute: float
    speaking_ratio: float
    pause_count: int
    longest_pause_s: float
    pauses_per_10_over_2s: float
    pauses_per_10_over_5s: float
    pauses_per_10_over_10s: float
    score_total: float | None
    think_aloud: int | None
    fillers_per_100: float
    hedges_per_100: float


@dataclass(frozen=True, slots=True)
class Note:
    id: int
    session_id: str
    at_s: float | None
    text: str
    created_at: str


def default_home() -> Path:
    """``$COACH_HOME``, else the platform's per-user data folder."""
    if os.environ.get("COACH_HOME"):
        return Path(os.environ["COACH_HOME"]).expanduser()
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "coach"
    if os.name == "nt":
        return Path(os.environ.get("APPDATA", Path.home())) / "coach"
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "coach"


class SessionStore:
    """The sessions database of one data folder; safe to open from several processes at once."""

    def __init__(self, home: str | os.PathLike | None = None) -> None:
        self.home = Path(home) if home is not None else default_home()
        self.audio_dir = self.home / "audio"
        try:
            self.audio_dir.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.home / "sessions.db", timeout=BUSY_TIMEOUT_MS / 1000,
                                       isolation_level=None, check_same_thread=False)
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except (OSError, sqlite3.Error) as exc:
            raise CoachError(f"cannot open the session store in {self.home}: {exc}") from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def recordings_dir(self) -> Path:
        """Where live practice writes its recordings as they run; each moves into the store when it ends."""
        folder = self.home / "recordings"
        folder.mkdir(exist_ok=True)
        return folder

    @property
    def schema_version(self) -> int:
        return self._db.execute("PRAGMA user_version").fetchone()[0]

    def save(
        self,
        session: Session,
        *,
        audio: str | os.PathLike | None = None,
        title: str | None = None,
        candidate: str = "",
        problem: str | None = None,
        plan: str | None = None,
        tags: Sequence[str] = (),
        recorded_at: datetime | None = None,
    ) -> SessionSummary:
        """Store ``session`` (and a copy of its recording): all of it, or nothing if anything fails."""
        session_id = _new_id()
        source = Path(session.source.path)
        audio_file = None
        partial = None
        if audio is not None:
            audio = Path(audio)
            audio_file = f"{session_id}{audio.suffix.lower()}"
            partial = self.audio_dir / f".{audio_file}.partial"
        now = _iso(datetime.now(timezone.utc))
        recorded = _iso(recorded_at or _file_time(audio) or datetime.now(timezone.utc))
        row = {
            "id": session_id,
            "created_at": now,
            "recorded_at": recorded,
            "title": title or source.stem or session_id,
            "candidate": candidate,
            "problem": problem,
            "plan": plan,
            "tags": json.dumps(sorted(set(tags))),
            "source_name": source.name,
            "audio_file": audio_file,
            **_figures(session),
            "document": json.dumps(session.to_json()),
        }
        try:
            if partial is not None:
                shutil.copyfile(audio, partial)
            with self._transaction():
                self._db.execute(
                    f"INSERT INTO sessions ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                    tuple(row.values()),
                )
                if partial is not None:
                    partial.replace(self.audio_dir / audio_file)
        except (OSError, sqlite3.Error) as exc:
            if partial is not None:
                partial.unlink(missing_ok=True)
            raise CoachError(f"cannot save the session: {exc}") from None
        return self.summary(session_id)

    def list(self, *, candidate: str | None = None, limit: int | None = None) -> list[SessionSummary]:
        """Sessions, newest recording first."""
        sql = f"SELECT {', '.join(SUMMARY_COLUMNS)} FROM sessions"
        args: list = []
        if candidate is not None:
            sql += " WHERE candidate = ?"
            args.append(candidate)
        sql += " ORDER BY recorded_at DESC, created_at DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [_summary(r) for r in self._db.execute(sql, args)]

    def candidates(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT DISTINCT candidate FROM sessions ORDER BY candidate")]

    def summary(self, session_id: str) -> SessionSummary:
        row = self._db.execute(f"SELECT {', '.join(SUMMARY_COLUMNS)} FROM sessions WHERE id = ?",
                               (session_id,)).fetchone()
        if row is None:
            raise CoachError(f"no session '{session_id}' in {self.home}")
        return _summary(row)

    def session(self, session_id: str) -> Session:
        row = self._db.execute("SELECT document FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise CoachError(f"no session '{session_id}' in {self.home}")
        return Session.from_json(json.loads(row[0]))

    def audio_path(self, session_id: str) -> Path | None:
        name = self.summary(session_id).audio_file
        return self.audio_dir / name if name else None

    def delete(self, session_id: str) -> None:
        """Remove the session, its notes and its copy of the recording."""
        audio = self.audio_path(session_id)
        with self._transaction():
            self._db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        if audio is not None:
            audio.unlink(missing_ok=True)

    def add_note(self, session_id: str, text: str, *, at_s: float | None = None) -> Note:
        if not text.strip():
            raise CoachError("a note needs some text")
        self.summary(session_id)
        with self._transaction():
            cursor = self._db.execute(
                "INSERT INTO notes (session_id, at_s, text, created_at) VALUES (?, ?, ?, ?)",
                (session_id, at_s, text.strip(), _iso(datetime.now(timezone.utc))),
            )
        return Note(cursor.lastrowid, session_id, at_s, text.strip(), _iso(datetime.now(timezone.utc)))

    def notes(self, session_id: str) -> list[Note]:
        rows = self._db.execute(
            "SELECT id, session_id, at_s, text, created_at FROM notes WHERE session_id = ? "
            "ORDER BY at_s IS NULL, at_s, id", (session_id,))
        return [Note(*r) for r in rows]

    def delete_note(self, note_id: int) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM notes WHERE id = ?", (note_id,))

    def _migrate(self) -> None:
        version = self.schema_version
        if version > len(MIGRATIONS):
            raise CoachError(f"the session store in {self.home} was written by a newer coach "
                             f"(schema {version}, this coach knows {len(MIGRATIONS)})")
        if version == len(MIGRATIONS):
            return
        with self._transaction():
            # another process may have migrated while this one waited for the lock
            for number in range(self.schema_version, len(MIGRATIONS)):
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {number + 1}")

    @contextmanager
    def _transaction(self):
        # BEGIN IMMEDIATE takes the write lock up front, so two writers queue rather than deadlock
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")


def _figures(session: Session) -> dict:
    m = session.metrics
    score = session.feedback.get("score") or {}
    counts = session.feedback.get("flag_counts") or {}
    per_100 = (lambda n: round(100 * n / m["word_count"], 2) if m["word_count"] else 0.0)  # noqa: E731
    rates = m["pauses_per_10_min"]
    return {
        "duration_s": m["duration_s"],
        "speech_s": m["speech_s"],
        "word_count": m["word_count"],
        "words_per_minute": m["words_per_minute"],
        "speaking_ratio": m["speaking_ratio"],
        "pause_count": m["pause_count"],
        "longest_pause_s": m["longest_pause_s"],
        "pauses_per_10_over_2s": rates["over_2s"],
        "pauses_per_10_over_5s": rates["over_5s"],
        "pauses_per_10_over_10s": rates["over_10s"],
        "score_total": score.get("total"),
        "think_aloud": (score.get("think_aloud") or {}).get("score"),
        "fillers_per_100": per_100(counts.get("filler", 0)),
        "hedges_per_100": per_100(counts.get("hedge", 0)),
    }


def _summary(row: Sequence) -> SessionSummary:
    values = dict(zip(SUMMARY_COLUMNS, row))
    values["tags"] = tuple(json.loads(values["tags"]))
    return SessionSummary(**values)


def _new_id() -> str:
    """Sortable by creation time, unique across processes."""
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _file_time(path: Path | None) -> datetime | None:
    if path is None:
        return None
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    except OSError:
        return None
