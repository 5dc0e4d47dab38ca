"""The voice-activity detector on signals with known answers.

Speech is stood in for by a voiced buzz (a gliding 120-200 Hz harmonic series
with a 4 Hz syllable envelope), which webrtcvad accepts as speech, and by real
espeak-ng speech where espeak-ng is installed. Boundaries must come out within
a few frames; noise and silence must give nothing.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from coach.audio import decode_blocks
from coach.errors import ConfigError
from coach.records import SAMPLE_RATE, AudioBlock, SpeechRegion
from coach.vad import VadOptions, VoiceActivityDetector, detect_speech

SR = SAMPLE_RATE
TOLERANCE_S = 0.03  # three 10 ms frames


def voice(seconds: float, f0: float = 120.0, level: float = 0.1) -> np.ndarray:
    t = np.arange(int(round(seconds * SR))) / SR
    pitch = f0 * (1 + 0.05 * np.sin(2 * np.pi * 3 * t))
    phase = 2 * np.pi * np.cumsum(pitch) / SR
    buzz = sum(np.sin(k * phase) / k for k in range(1, 30))
    envelope = 0.6 + 0.4 * np.sin(2 * np.pi * 4 * t) ** 2
    return (level * buzz * envelope).astype(np.float32)


def place(total_s: float, bursts: list[tuple[float, np.ndarray]]) -> np.ndarray:
    out = np.zeros(int(round(total_s * SR)), dtype=np.float32)
    for start, burst in bursts:
        i = int(round(start * SR))
        out[i : i + len(burst)] += burst
    return out


def white(seconds: float, rms: float, seed: int = 0) -> np.ndarray:
    return (rms * np.random.default_rng(seed).standard_normal(int(round(seconds * SR)))).astype(np.float32)


def run(audio: np.ndarray, block: int = SR // 2, options: VadOptions = VadOptions()) -> list[SpeechRegion]:
    detector = VoiceActivityDetector(options)
    regions = []
    for i in range(0, len(audio), block):
        regions += detector.push(audio[i : i + block])
    return regions + detector.flush()


def assert_regions(found: list[SpeechRegion], expected: list[tuple[float, float]], tolerance: float = TOLERANCE_S) -> None:
    assert len(found) == len(expected), found
    for region, (start, end) in zip(found, expected):
        assert abs(region.start - start) <= tolerance, (region, start)
        assert abs(region.end - end) <= tolerance, (region, end)


SCENE = [(1.0, voice(1.5)), (5.0, voice(0.8, f0=200)), (8.2, voice(1.2, f0=150))]
SCENE_TRUTH = [(1.0, 2.5), (5.0, 5.8), (8.2, 9.4)]


def test_bursts_in_digital_silence():
    assert_regions(run(place(10.0, SCENE)), SCENE_TRUTH)


@pytest.mark.parametrize("snr_db", [30, 20])
def test_bursts_in_white_noise(snr_db):
    clean = place(10.0, SCENE)
    speech_rms = float(np.sqrt(np.mean(np.concatenate([b for _, b in SCENE]) ** 2)))
    noisy = clean + white(10.0, speech_rms / 10 ** (snr_db / 20))
    assert_regions(run(noisy), SCENE_TRUTH, tolerance=0.06)


def test_quiet_far_field_level_is_found():
    # Peaks near -35 dBFS (quieter than the far-field meeting recordings) over a
    # -80 dBFS hiss: the energy gate is relative to the floor, not absolute.
    quiet = place(10.0, [(s, b * 0.1) for s, b in SCENE]) + white(10.0, 1e-4)
    assert_regions(run(quiet), SCENE_TRUTH, tolerance=0.06)


@pytest.mark.parametrize("rms", [1e-4, 1e-2, 0.3, 2.0])
def test_white_noise_gives_no_regions(rms):
    # 2.0 clips hard beyond [-1, 1]: still noise, still nothing.
    assert run(white(20.0, rms, seed=3)) == []


def test_noise_that_starts_loud_mid_stream_gives_no_regions():
    audio = np.concatenate([white(5.0, 1e-4), white(10.0, 0.05, seed=1)])
    assert run(audio) == []


def test_digital_silence_and_empty_input_give_no_regions():
    assert run(np.zeros(SR * 10, dtype=np.float32)) == []
    detector = VoiceActivityDetector()
    assert detector.push(np.zeros(0, dtype=np.float32)) == []
    assert detector.flush() == []


def test_a_short_gap_stays_inside_the_region_and_a_long_one_splits_it():
    gap_inside = VadOptions().min_silence_s / 2
    audio = place(8.0, [(1.0, voice(1.0)), (2.0 + gap_inside, voice(1.0)), (5.0, voice(1.0))])
    assert_regions(run(audio), [(1.0, 3.0 + gap_inside), (5.0, 6.0)])


@pytest.mark.parametrize("below_db, kept", [(20, True), (40, False)])
def test_a_far_quieter_voice_after_the_talker_is_dropped(below_db, kept):
    # A voice across the room: webrtcvad and the floor gate both pass it (it is
    # found with the level test off), but it peaks far below the near talker.
    far = voice(1.0, f0=180, level=0.3 * 10 ** (-below_db / 20))
    audio = place(8.0, [(1.0, voice(1.5, level=0.3)), (5.0, far)]) + white(8.0, 1e-6)
    both = [(1.0, 2.5), (5.0, 6.0)]
    assert_regions(run(audio, options=VadOptions(max_below_peak_db=1000.0)), both)
    assert_regions(run(audio), both if kept else both[:1])


def test_a_quiet_voice_is_kept_once_the_loud_one_is_out_of_the_window():
    late = 2.5 + VadOptions().peak_window_s + 0.5
    far = voice(1.0, f0=180, level=0.003)  # 40 dB below the talker
    audio = place(late + 2.0, [(1.0, voice(1.5, level=0.3)), (5.0, far), (late, far)]) + white(late + 2.0, 1e-6)
    assert_regions(run(audio), [(1.0, 2.5), (late, late + 1.0)])


def test_a_click_is_not_speech():
    assert run(place(4.0, [(1.0, voice(0.05))])) == []


@pytest.mark.parametrize("seconds, stretches", [(0.03, False), (0.06, True)])
def test_a_flicker_after_a_word_does_not_stretch_the_region(seconds, stretches):
    # 0.2 s after the word, within min_silence_s: a burst under min_burst_s is a
    # flicker and the region keeps the word's end; a syllable-long one joins it.
    audio = place(5.0, [(1.0, voice(1.0)), (2.2, voice(seconds, f0=150))]) + white(5.0, 1e-5)
    assert_regions(run(audio, options=VadOptions(min_burst_s=0.0)), [(1.0, 2.2 + seconds)])
    assert_regions(run(audio), [(1.0, 2.2 + seconds if stretches else 2.0)])


def hiss_syllables(seconds: float, rms: float, seed: int = 0) -> np.ndarray:
    """White noise with a 4 Hz syllable envelope: varies like speech, but has no pitch."""
    t = np.arange(int(round(seconds * SR))) / SR
    envelope = np.sin(2 * np.pi * 2 * t) ** 2
    return (rms * envelope * np.random.default_rng(seed).standard_normal(len(t))).astype(np.float32)


@pytest.mark.parametrize("rms", [0.01, 0.05, 0.2])
def test_unvoiced_noise_shaped_like_syllables_is_not_speech(rms):
    # webrtcvad and the energy gates take it for speech; no frame of it has a pitch.
    audio = place(6.0, [(1.0, hiss_syllables(3.0, rms))]) + white(6.0, 1e-4)
    assert len(run(audio, options=VadOptions(min_periodicity=0.0))) == 1
    assert run(audio) == []


def test_an_unvoiced_stretch_does_not_hold_settled_until_back():
    options = VadOptions()
    audio = place(8.0, [(1.0, hiss_syllables(5.0, 0.05))]) + white(8.0, 1e-4)
    detector = VoiceActivityDetector(options)
    bound = options.lookahead_s + options.min_silence_s + options.frame_ms / 1000 + options.pad_start_s + 0.02
    for i in range(0, len(audio), 160):
        assert detector.push(audio[i : i + 160]) == []
        assert (i + 160) / SR - detector.settled_until <= bound
    assert detector.flush() == []


@pytest.mark.parametrize("snr_db, found", [(0, True), (-6, False)])
def test_a_voice_must_rise_above_the_typical_noise_not_only_its_floor(snr_db, found):
    # Dropouts put the floor 40 dB under the noise: the floor gate passes anything
    # as loud as the noise, the percentile gate wants the voice to lift it.
    noise = white(10.0, 0.02, seed=2)
    for start in np.arange(0.5, 10.0, 2.0):
        noise[int(start * SR) : int((start + 0.03) * SR)] *= 0.01
    speech = voice(1.5)
    speech *= 0.02 * 10 ** (snr_db / 20) / np.sqrt(np.mean(speech**2))
    audio = noise + place(10.0, [(4.0, speech)])
    assert_regions(run(audio, options=VadOptions(noise_gate_db=-1000.0)), [(4.0, 5.5)], tolerance=0.2)
    assert_regions(run(audio), [(4.0, 5.5)] if found else [], tolerance=0.2)


def coloured(seconds: float, rms: float, slope_db_per_octave: float, seed: int = 0) -> np.ndarray:
    """Gaussian noise whose power falls by ``slope_db_per_octave`` (0 white, 3 pink)."""
    n = int(round(seconds * SR))
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / SR)
    spectrum[1:] *= freqs[1:] ** (-slope_db_per_octave / 20 / np.log10(2))
    spectrum[0] = 0.0
    noise = np.fft.irfft(spectrum, n)
    return (rms * noise / np.sqrt(np.mean(noise**2))).astype(np.float32)


def rumble(seconds: float, rms: float, seed: int = 0) -> np.ndarray:
    """A random walk with its slow drift (under ~40 Hz) taken out: brown noise, like traffic or a fan."""
    walk = np.cumsum(np.random.default_rng(seed).standard_normal(int(round(seconds * SR))))
    noise = walk - np.convolve(walk, np.ones(400) / 400, "same")
    return (rms * noise / np.sqrt(np.mean(noise**2))).astype(np.float32)


NOISY_SCENE = [(2.0, voice(1.5)), (5.0, voice(1.2, f0=180)), (8.0, voice(1.0, f0=140))]
NOISY_TRUTH = [(2.0, 3.5), (5.0, 6.2), (8.0, 9.0)]


@pytest.mark.parametrize("noise", ["white", "pink", "rumble"])
def test_voices_as_loud_as_the_noise_are_found_per_band(noise):
    # At 0 dB SNR webrtcvad calls all three noises speech too. In white and pink
    # noise the broadband energy barely moves, but per band the voice stands out
    # where its harmonics are; a rumble must not stretch the regions (it does
    # with band_gate_db 5).
    speech_rms = float(np.sqrt(np.mean(np.concatenate([b for _, b in NOISY_SCENE]) ** 2)))
    noises = {"white": coloured(12.0, speech_rms, 0), "pink": coloured(12.0, speech_rms, 3), "rumble": rumble(12.0, speech_rms)}
    audio = place(12.0, NOISY_SCENE) + noises[noise]
    assert_regions(run(audio), NOISY_TRUTH, tolerance=0.06)
    if noise != "rumble":
        assert run(audio, options=VadOptions(noisy_voiced_fraction=2.0)) == []


def test_in_noise_the_bands_must_rise_above_their_typical_level_not_only_their_floor():
    # Dropouts put every band's floor far under white noise at 0 dB SNR: over its
    # floor alone, the noise itself would be speech from the first dropout on.
    speech_rms = float(np.sqrt(np.mean(np.concatenate([b for _, b in NOISY_SCENE]) ** 2)))
    noise = coloured(12.0, speech_rms, 0)
    for start in np.arange(0.5, 12.0, 2.0):
        noise[int(start * SR) : int((start + 0.05) * SR)] *= 0.03
    audio = place(12.0, NOISY_SCENE) + noise
    assert_regions(run(audio), NOISY_TRUTH, tolerance=0.06)
    [everything] = run(audio, options=VadOptions(band_noise_gate_db=0.0))
    assert everything.end == pytest.approx(12.0)


@pytest.mark.parametrize("block", [1, 37, 16000])
def test_block_size_does_not_change_the_result(block):
    audio = place(10.0, SCENE) + white(10.0, 0.002)
    assert run(audio, block=block) == run(audio, block=SR // 2)


def test_regions_are_ordered_disjoint_and_inside_the_audio():
    audio = place(6.0, [(0.0, voice(1.0)), (2.0, voice(1.0)), (5.5, voice(0.5))])
    regions = run(audio, options=VadOptions(pad_start_s=0.2, pad_end_s=0.2))
    assert regions
    assert regions[0].start >= 0.0 and regions[-1].end <= len(audio) / SR
    for a, b in zip(regions, regions[1:]):
        assert a.end <= b.start
    assert all(r.start < r.end for r in regions)


def test_settled_until_is_monotonic_and_lags_by_a_bounded_amount():
    options = VadOptions()
    audio = place(12.0, SCENE) + white(12.0, 0.001)
    detector = VoiceActivityDetector(options)
    bound = options.lookahead_s + options.min_silence_s + options.frame_ms / 1000 + options.pad_start_s + 0.02
    settled = []
    pushed = 0
    regions = []
    for i in range(0, len(audio), 160):
        regions += detector.push(audio[i : i + 160])
        pushed += len(audio[i : i + 160])
        settled.append(detector.settled_until)
        assert pushed / SR - detector.settled_until <= bound
        # Nothing before settled_until can become speech later.
        for region in regions:
            assert region.end <= detector.settled_until + 1e-9 or region is regions[-1]
    assert all(b >= a for a, b in zip(settled, settled[1:]))
    regions += detector.flush()
    assert detector.settled_until == pytest.approx(len(audio) / SR)


def test_open_region_start_reports_the_region_in_progress():
    audio = place(4.0, [(1.0, voice(2.0))])
    detector = VoiceActivityDetector()
    detector.push(audio[: int(1.8 * SR)])
    assert detector.open_region_start == pytest.approx(1.0, abs=TOLERANCE_S)
    detector.push(audio[int(1.8 * SR) :])
    assert detector.open_region_start is None
    assert detector.flush() == []


def test_region_is_closed_at_the_end_of_the_stream():
    audio = place(3.0, [(1.0, voice(2.0))])
    assert_regions(run(audio), [(1.0, 3.0)])


def test_detect_speech_over_blocks_matches_push():
    audio = place(10.0, SCENE)
    blocks = [AudioBlock(i, audio[i : i + 8000]) for i in range(0, len(audio), 8000)]
    assert list(detect_speech(blocks)) == run(audio)


@pytest.mark.parametrize("bad", [dict(aggressiveness=4), dict(frame_ms=25), dict(gate_db=9.0, min_silence_s=0.0), dict(band_hz=(4000.0, 300.0)), dict(max_below_peak_db=-1.0), dict(min_burst_s=-0.01), dict(noise_percentile=101.0), dict(min_periodicity=1.5), dict(noisy_voiced_fraction=-0.1), dict(band_noise_percentile=-5.0)])
def test_bad_options_are_refused(bad):
    with pytest.raises(ConfigError):
        VadOptions(**bad)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_real_speech_from_espeak(tmp_path):
    wav = tmp_path / "say.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), "Let me clarify the requirements before designing."], check=True)
    speech = np.concatenate([b.samples for b in decode_blocks(wav)])
    voiced = np.flatnonzero(np.abs(speech) > 0.01)
    first, last = voiced[0] / SR, voiced[-1] / SR
    audio = place(2.5 + len(speech) / SR + 3.0, [(2.5, speech), ])
    audio += white(len(audio) / SR, 0.001)
    regions = run(audio)
    assert len(regions) == 1
    assert abs(regions[0].start - (2.5 + first)) <= 0.1
    assert abs(regions[0].end - (2.5 + last)) <= 0.15


def test_likely_end_guesses_the_end_once_it_has_been_quiet_long_enough():
    audio = place(4.0, [(1.0, voice(1.0))])
    detector = VoiceActivityDetector()
    detector.push(audio[: int(1.8 * SR)])
    assert detector.likely_end(0.15) is None  # still talking
    detector.push(audio[int(1.8 * SR) : int(2.09 * SR)])
    assert detector.likely_end(0.15) is None  # quiet for less than 0.15 s
    detector.push(audio[int(2.09 * SR) : int(2.2 * SR)])
    guessed = detector.likely_end(0.15)
    assert guessed == pytest.approx(2.0, abs=TOLERANCE_S)
    [region] = detector.push(audio[int(2.2 * SR) :])
    assert region.end == pytest.approx(guessed, abs=TOLERANCE_S)


def test_likely_end_judges_like_the_detector_in_noise():
    # In white noise at 0 dB SNR frames are judged per band; the guess must be too.
    speech_rms = float(np.sqrt(np.mean(np.concatenate([b for _, b in NOISY_SCENE]) ** 2)))
    audio = place(12.0, NOISY_SCENE) + coloured(12.0, speech_rms, 0)
    detector = VoiceActivityDetector()
    guesses, regions = [], []
    for i in range(0, len(audio), 800):
        regions += detector.push(audio[i : i + 800])
        guess = detector.likely_end(0.15)
        if guess is not None and guess not in guesses:
            guesses.append(guess)
    regions += detector.flush()
    assert len(guesses) == len(regions) == len(NOISY_TRUTH)
    for guess, region in zip(guesses, regions):
        assert guess == pytest.approx(region.end, abs=TOLERANCE_S)
