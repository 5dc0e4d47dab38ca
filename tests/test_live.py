"""Live practice through a file-backed input stream: same findings as a file, nothing lost on kill -9."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from coach.cli import main
from coach.store import SessionStore
from conftest import REPO, SAMPLE


def test_a_live_replay_matches_the_analysis_of_the_same_file(tmp_path, capsys, coach_home):
    assert main(["record", "--from-file", str(SAMPLE), "--speed", "20", "--json", str(tmp_path / "live.json")]) == 0
    assert main(["analyze", str(SAMPLE), "--json", str(tmp_path / "file.json"), "--no-save"]) == 0
    live, file = (json.loads((tmp_path / f"{n}.json").read_text()) for n in ("live", "file"))
    out = capsys.readouterr().out
    assert "live: words" in out and "saved as" in out
    assert [(p["start"], p["end"]) for p in live["pauses"]] == [(p["start"], p["end"]) for p in file["pauses"]]
    assert [p["phase"] for p in live["phases"]] == [p["phase"] for p in file["phases"]]
    assert live["words"] == file["words"] and live["score"] == file["score"]  # no decode samples: same words
    measured = live["live"]
    assert measured["overflows"] == 0 and measured["utterances"] >= 5
    assert 0 < measured["latency_s"]["p50"] <= measured["latency_s"]["p95"] <= measured["latency_s"]["max"]
    with SessionStore() as store:
        [kept] = store.list()
        assert store.audio_path(kept.id).exists() and kept.duration_s == pytest.approx(live["source"]["duration_s"])
    assert not list((coach_home / "recordings").glob("*.wav"))  # moved into the store


def test_kill_9_keeps_all_but_the_last_second(tmp_path, capsys, coach_home):
    proc = subprocess.Popen([sys.executable, "-m", "coach", "record", "--from-file", str(SAMPLE), "--speed", "1"],
                            cwd=REPO, env={**os.environ, "COACH_HOME": str(coach_home)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    recordings = coach_home / "recordings"
    deadline = time.monotonic() + 60
    while not list(recordings.glob("*.partial.wav")):
        assert proc.poll() is None and time.monotonic() < deadline, "the recording never started"
        time.sleep(0.05)
    began = time.monotonic()
    time.sleep(4.0)
    played = time.monotonic() - began
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    assert main(["record", "--recover"]) == 0
    assert "recovered" in capsys.readouterr().out
    assert not list(recordings.glob("*.wav"))
    with SessionStore() as store:
        [kept] = store.list()
    assert played - 1.2 <= kept.duration_s <= played + 0.2, (played, kept.duration_s)


def test_devices_answers_without_a_traceback(capsys):
    code = main(["devices"])
    out, err = capsys.readouterr()
    assert code in (0, 1) and "Traceback" not in err
    assert ("no input device found" in out) if code == 1 else out.strip()


def test_marked_phases_start_with_requirements_and_replace_the_detected_ones(tmp_path):
    from coach.capture import AudioSource
    from coach.live import marked_phases, record
    from coach.transcribe import Transcriber

    assert marked_phases([(30.0, "high_level_design"), (12.0, "estimation")]) == (
        (0.0, "requirements"), (12.0, "estimation"), (30.0, "high_level_design"))
    assert marked_phases([(0.0, "estimation")]) == ((0.0, "estimation"),)
    marks = [(20.0, "estimation"), (40.0, "deep_dive")]  # as a hotkey would have appended them
    session, _ = record(AudioSource.from_file(SAMPLE, speed=20), Transcriber(), tmp_path / "take.wav", marks=marks)
    assert [(p.phase, p.start) for p in session.phases] == [
        ("requirements", 0.0), ("estimation", 20.0), ("deep_dive", 40.0)]
    assert session.feedback["phases_from"] == "marks"


def test_a_live_session_on_its_own_thread_reports_while_it_runs_and_takes_a_button_mark(tmp_path):
    from coach.capture import AudioSource
    from coach.live import LiveSession
    from coach.transcribe import Transcriber

    live = LiveSession(AudioSource.from_file(SAMPLE, speed=10), Transcriber(), tmp_path / "take.wav")
    assert live.state.running and live.state.words == ()
    live.start()
    deadline = time.monotonic() + 60
    while live.state.elapsed_s < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    live.mark("estimation")
    seen = live.state
    assert seen.running and seen.words and seen.phase_left_s is not None
    assert live.wait(60)
    done = live.state
    assert not done.running and done.error is None and len(done.words) > len(seen.words)
    session, path = live.result
    assert path.exists() and session.feedback["phases_from"] == "marks"
    assert [p.phase for p in session.phases][:2] == ["requirements", "estimation"]
    assert session.phases[1].start == pytest.approx(seen.elapsed_s, abs=1.0)


class _UnpluggedMicrophone:
    """A sounddevice-like stream whose device is gone when it starts."""

    samplerate = 16000

    def start(self):
        from coach.errors import DeviceError

        raise DeviceError("the input device disappeared: plug the microphone back in")

    def stop(self):
        pass

    def close(self):
        pass


def test_a_live_session_whose_microphone_fails_says_why_in_one_line(tmp_path):
    from coach.capture import AudioSource
    from coach.live import LiveSession
    from coach.transcribe import Transcriber

    live = LiveSession(AudioSource(lambda callback: _UnpluggedMicrophone()), Transcriber(), tmp_path / "take.wav")
    live.start()
    assert live.wait(30)
    state = live.state
    assert not state.running and live.result is None
    assert state.error == "the input device disappeared: plug the microphone back in"
