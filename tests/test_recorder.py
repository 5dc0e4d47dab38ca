"""Nothing recorded is lost: audio reaches the disk within a second, and a killed recording is repaired."""

import os
import signal
import subprocess
import sys
import textwrap
import time
import wave

import numpy as np
import pytest

from coach.audio import open_audio
from coach.errors import AudioError
from coach.recorder import PARTIAL_SUFFIX, Recorder, repair_recording, unfinished_recordings
from conftest import REPO


def read_wav(path):
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16000)
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


def test_a_closed_recording_is_a_normal_wav(tmp_path):
    tone = 0.5 * np.sin(2 * np.pi * 220 * np.arange(32000) / 16000)
    with Recorder(tmp_path / "take.wav") as rec:
        for block in np.array_split(tone, 7):
            rec.write(block.astype(np.float32))
    assert rec.seconds == 2.0 and not (tmp_path / f"take{PARTIAL_SUFFIX}").exists()
    samples = read_wav(tmp_path / "take.wav")
    assert len(samples) == 32000 and abs(samples.max() / 32767 - 0.5) < 0.01
    assert open_audio(tmp_path / "take.wav").info.duration_s == pytest.approx(2.0)


def test_kill_9_loses_at_most_the_last_second(tmp_path):
    """A recording process is killed with SIGKILL while it writes; the repaired file holds all but the last second."""
    target = tmp_path / "live.wav"
    writer = textwrap.dedent(f"""
        import sys, time
        import numpy as np
        sys.path.insert(0, {str(REPO)!r})
        from coach.recorder import Recorder
        rec = Recorder(sys.argv[1], flush_s=1.0)
        n = 0
        while True:  # 100 ms blocks at real time, each block's samples counting up from the last
            rec.write((np.arange(n, n + 1600) % 30000 / 32767).astype(np.float32))
            n += 1600
            print(n, flush=True)
            time.sleep(0.1)
    """)
    proc = subprocess.Popen([sys.executable, "-c", writer, str(target)], stdout=subprocess.PIPE, text=True)
    written = 0
    started = time.monotonic()
    while time.monotonic() - started < 3.5:
        written = int(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not target.exists()
    [partial] = unfinished_recordings(tmp_path)
    repaired = repair_recording(partial)
    assert repaired == target and not partial.exists()
    samples = read_wav(target)
    lost_s = (written - len(samples)) / 16000
    assert 0 <= lost_s <= 1.1, lost_s
    # what survived is exactly what was written, in order
    assert np.array_equal(samples, (np.arange(len(samples)) % 30000).astype("<i2"))


def test_repair_refuses_a_file_too_short_to_be_a_recording(tmp_path):
    stub = tmp_path / f"x{PARTIAL_SUFFIX}"
    stub.write_bytes(b"RIFF")
    with pytest.raises(AudioError, match="too short"):
        repair_recording(stub)


def test_a_recording_still_being_written_is_not_offered_for_recovery(tmp_path):
    recorder = Recorder(tmp_path / "now.wav")
    recorder.write(np.zeros(1600, dtype=np.float32))
    assert unfinished_recordings(tmp_path) == []  # the dashboard or another terminal is recording it
    recorder.close()
    assert unfinished_recordings(tmp_path) == [] and (tmp_path / "now.wav").exists()
