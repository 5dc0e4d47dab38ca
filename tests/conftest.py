import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "practice_interview.flac"


def write_wav(path: Path, samples: np.ndarray, rate: int = 16000) -> Path:
    frames = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames.tobytes())
    return path


def speak(path: Path, text: str, voice: str = "en-us") -> np.ndarray:
    """Real synthesized speech (espeak-ng) as 16 kHz float samples."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (scripts/setup.sh installs it)")
    raw = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", "160", "-w", str(raw), text], check=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(path)], check=True)
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768


@pytest.fixture(autouse=True)
def coach_home(tmp_path_factory, monkeypatch):
    """Every test keeps its sessions in a folder of its own, never in the user's data folder."""
    home = tmp_path_factory.mktemp("coach_home")
    monkeypatch.setenv("COACH_HOME", str(home))
    return home
