"""`coach analyze` end to end: the real decoder, VAD and model, on files made here."""

import json
import subprocess
import sys

import numpy as np
import pytest

from coach.cli import main
from conftest import REPO, SAMPLE, speak, write_wav


def run(capsys, *args):
    code = main(["analyze", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def sample_session(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    code = main(["analyze", str(SAMPLE), "--json", str(out / "s.json"), "--report", str(out / "s.md"),
                 "--html", str(out / "s.html"), "--problem", "News Feed"])
    assert code == 0
    return json.loads((out / "s.json").read_text()), (out / "s.md").read_text(), (out / "s.html").read_text()


def test_sample_session_document(sample_session):
    doc, _, _ = sample_session
    truth = json.loads(SAMPLE.with_suffix(".json").read_text())
    assert doc["schema"] == "coach.session/1"
    assert doc["source"]["sample_rate"] == 16000 and doc["source"]["channels"] == 1
    assert doc["source"]["duration_s"] == pytest.approx(truth["duration"], abs=0.05)
    assert doc["model"]["name"] == "tiny.en" and doc["model"]["device"] == "cpu"
    true_pauses = [p for p in truth["pauses"] if p["end"] - p["start"] >= 2.0]
    assert len(doc["pauses"]) == len(true_pauses)
    for found, true in zip(doc["pauses"], true_pauses):
        assert abs(found["start"] - true["start"]) < 0.5 and abs(found["end"] - true["end"]) < 0.5
        assert found["duration"] == pytest.approx(found["end"] - found["start"], abs=1e-3)
    text = " ".join(w["text"] for w in doc["words"]).lower()
    for phrase in ("feed", "sharding", "followers", "expensive"):
        assert phrase in text
    starts = [w["start"] for w in doc["words"]]
    assert starts == sorted(starts)
    # no word sits inside a pause: times come from the VAD's clock
    for p in doc["pauses"]:
        assert not [w for w in doc["words"] if p["start"] + 0.3 < (w["start"] + w["end"]) / 2 < p["end"] - 0.3]
    m = doc["metrics"]
    assert m["longest_pause_s"] == pytest.approx(10.0, abs=0.5)
    assert 0.5 < m["speaking_ratio"] < 1.0 and 100 < m["words_per_minute"] < 250


def test_sample_interview_feedback(sample_session):
    doc, _, _ = sample_session
    assert [p["phase"] for p in doc["phases"]][:1] == ["requirements"]
    assert doc["phases"][0]["start"] == 0.0 and doc["phases"][-1]["end"] == doc["source"]["duration_s"]
    categories = {f["category"] for f in doc["flags"]}
    assert {"filler", "clarifying_question", "check_in"} <= categories
    assert doc["score"]["max_total"] == 50 and len(doc["score"]["items"]) == 7
    assert {r["phase"] for r in doc["time_allocation"]["phases"]} == {
        "requirements", "estimation", "high_level_design", "deep_dive", "wrap_up"}
    assert doc["coverage"]["problem"] == "news-feed" and doc["coverage"]["key_points"]
    assert doc["delivery"]["pitch"]["median_hz"] and doc["top_fixes"]


def test_sample_report(sample_session):
    _, report, page = sample_session
    for section in ("## Top", "## Time allocation", "## Score", "## Thinking out loud", "## Language",
                    "## Requirements covered (FIRED)", "## Key points of the news feed problem", "## Transcript"):
        assert section in report
    assert "quiet 10." in report or "quiet 9." in report
    assert page.startswith("<!doctype html>") and page.count("<table>") >= 5 and "<strong>" in page


def test_unknown_problem_fails_before_decoding(tmp_path, capsys):
    code, _, err = run(capsys, tmp_path / "not-even-there.wav", "--problem", "space elevator")
    assert code == 1 and "unknown problem" in err and err.count("\n") == 1


def test_summary_on_stdout(capsys):
    code, out, err = run(capsys, SAMPLE, "--no-progress")
    assert code == 0
    assert "pauses >= 2 s" in out and "longest" in out
    assert err == ""


def test_silence_gives_a_valid_session_with_no_words(tmp_path, capsys):
    path = write_wav(tmp_path / "silence.wav", np.zeros(600 * 16000, dtype=np.float32))
    code, out, _ = run(capsys, path, "--json", tmp_path / "s.json")
    doc = json.loads((tmp_path / "s.json").read_text())
    assert code == 0 and doc["words"] == [] and doc["speech"] == [] and doc["pauses"] == []
    assert doc["metrics"]["duration_s"] == pytest.approx(600.0)
    assert "no speech found" in out


@pytest.mark.parametrize("level", [0.01, 0.1, 0.5])
def test_white_noise_gives_no_words(tmp_path, capsys, level):
    noise = level * np.random.default_rng(7).standard_normal(60 * 16000)
    path = write_wav(tmp_path / "noise.wav", noise.astype(np.float32))
    code, _, _ = run(capsys, path, "--json", tmp_path / "n.json")
    assert code == 0 and json.loads((tmp_path / "n.json").read_text())["words"] == []


def test_speech_after_a_long_silence_keeps_its_time(tmp_path, capsys):
    speech = speak(tmp_path / "s.wav", "Let me start with the requirements of the rate limiter.")
    audio = np.concatenate([np.zeros(16000 * 3), speech, np.zeros(16000 * 12), speech, np.zeros(16000)])
    path = write_wav(tmp_path / "gap.wav", audio.astype(np.float32))
    code, _, _ = run(capsys, path, "--json", tmp_path / "g.json")
    doc = json.loads((tmp_path / "g.json").read_text())
    second_start = 3 + len(speech) / 16000 + 12
    assert code == 0 and len(doc["pauses"]) == 1
    pause = doc["pauses"][0]
    assert pause["end"] == pytest.approx(second_start, abs=0.3)
    assert pause["duration"] == pytest.approx(12.0, abs=0.5)
    later = [w for w in doc["words"] if w["start"] > pause["end"] - 0.3]
    assert later and later[0]["start"] == pytest.approx(second_start, abs=0.5)


@pytest.mark.parametrize("name,make,message", [
    ("empty.wav", lambda p: p.write_bytes(b""), "empty"),
    ("header.wav", lambda p: p.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00"), "not a readable"),
    ("random.wav", lambda p: p.write_bytes(np.random.default_rng(3).bytes(100_000)), "not a readable"),
    ("notes.mp3", lambda p: p.write_text("my notes\n" * 100), ""),
    ("folder.wav", lambda p: p.mkdir(), "directory"),
])
def test_bad_files_get_one_line_errors(tmp_path, capsys, name, make, message):
    path = tmp_path / name
    make(path)
    code, out, err = run(capsys, path)
    assert code == 1 and out == ""
    assert err.startswith("coach: error: ") and err.count("\n") == 1 and message in err


def test_missing_path_and_unwritable_output(tmp_path, capsys):
    code, _, err = run(capsys, tmp_path / "nope.wav")
    assert code == 1 and "no such file" in err
    code, _, err = run(capsys, SAMPLE, "--json", tmp_path / "no" / "such" / "dir" / "s.json")
    assert code == 1 and "does not exist" in err and err.count("\n") == 1


def test_video_without_audio_track(tmp_path, capsys):
    video = tmp_path / "screen.webm"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=blue:s=64x64:d=1",
                    "-c:v", "libvpx", str(video)], check=True)
    code, _, err = run(capsys, video)
    assert code == 1 and "no audio track" in err


def test_no_traceback_from_the_real_command(tmp_path):
    bad = tmp_path / "random.wav"
    bad.write_bytes(np.random.default_rng(5).bytes(20_000))
    proc = subprocess.run([sys.executable, "-m", "coach", "analyze", str(bad)], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def test_the_streaming_pipeline_loses_no_chunk(tmp_path):
    """Every chunk's words reach the session, in order, however the worker threads finish."""
    from coach.audio import open_audio
    from coach.pipeline import AnalysisOptions, ChunkOptions, Chunker, run_stages
    from coach.transcribe import Transcriber
    from coach.vad import VoiceActivityDetector

    sentences = ["First we clarify the requirements.", "Then we estimate the traffic per second.",
                 "Next the high level design with a cache.", "Finally we discuss what happens when it fails."]
    pieces = []
    for n, text in enumerate(sentences):
        pieces += [speak(tmp_path / f"{n}.wav", text), np.zeros(16000 * 3, dtype=np.float32)]
    path = write_wav(tmp_path / "talk.wav", np.concatenate(pieces))
    # small chunks, so that several are in flight at once and some finish while others wait
    options = AnalysisOptions(chunk=ChunkOptions(max_speech_s=3.0))
    transcriber = Transcriber()
    streamed = [w.text for out in run_stages(open_audio(path).blocks(), transcriber, options) for w in out.words]

    vad, chunker, chunks = VoiceActivityDetector(options.vad), Chunker(options.chunk), []
    for block in open_audio(path).blocks():
        finished = vad.push(block.samples)
        chunks += chunker.push(block, finished, open_since=vad.open_region_start, settled_until=vad.settled_until)
    chunks += chunker.flush(vad.flush())
    one_by_one = [w.text for chunk in chunks for w in transcriber.transcribe(chunk)]
    assert len(chunks) >= 4 and streamed == one_by_one


def test_sessions_are_kept_and_managed_from_the_cli(tmp_path, capsys, coach_home):
    speech = speak(tmp_path / "s.wav", "Let me clarify the requirements first. How many users do we expect?")
    path = write_wav(tmp_path / "mock_one.wav", np.concatenate([speech, np.zeros(16000 * 3), speech]).astype(np.float32))
    code, out, _ = run(capsys, path, "--title", "Mock one", "--candidate", "ana", "--tag", "week1")
    assert code == 0 and "saved as " in out
    session_id = out.split("saved as ")[1].split()[0]
    assert (coach_home / "audio" / f"{session_id}.wav").read_bytes() == path.read_bytes()

    assert main(["sessions", "list"]) == 0
    listing = capsys.readouterr().out
    assert session_id in listing and "Mock one" in listing and "ana" in listing
    assert main(["sessions", "note", session_id, "Ask about latency too", "--at", "0:04"]) == 0
    assert main(["sessions", "show", session_id]) == 0
    shown = capsys.readouterr().out
    assert "tags: week1" in shown and "at 0:04: Ask about latency too" in shown
    assert main(["sessions", "export", session_id, "--format", "vtt", "-o", str(tmp_path / "s.vtt")]) == 0
    assert (tmp_path / "s.vtt").read_text().startswith("WEBVTT")
    assert main(["sessions", "export", session_id, "--format", "md", "-o", str(tmp_path / "s.md")]) == 0
    assert "## Your coach's notes\n\n- 0:04 Ask about latency too" in (tmp_path / "s.md").read_text()
    assert main(["sessions", "list", "--csv"]) == 0
    assert capsys.readouterr().out.count("\n") == 2  # header and one row
    assert main(["sessions", "delete", session_id]) == 0
    capsys.readouterr()
    assert main(["sessions", "show", session_id]) == 1
    assert "no session" in capsys.readouterr().err


def test_no_save_keeps_nothing(capsys, coach_home):
    code, out, _ = run(capsys, SAMPLE, "--no-save")
    assert code == 0 and "saved as" not in out
    assert not (coach_home / "sessions.db").exists()
