"""Delivery findings from hand-made records with known rates, pitch and loudness."""

import json

import pytest

from coach.analysis.delivery import DeliveryOptions, delivery_report, pitch_summary, rate_windows
from coach.prosody import ProsodySample
from coach.records import Pause, Word


def words_at(start: float, end: float, wpm: float) -> list[Word]:
    """Evenly spaced 0.25-s words at ``wpm`` words per minute from ``start`` to ``end``."""
    step = 60.0 / wpm
    count = round((end - start) / step)
    return [Word(start + i * step, start + i * step + 0.25, "word", 0.9) for i in range(count)]


def sample(start: float, end: float, *, hz: float | None = 120.0, spread: float | None = 6.0, db: float = -20.0) -> ProsodySample:
    voiced = hz is not None
    return ProsodySample(start, end, hz, spread if voiced else None, 0.6 if voiced else 0.0, db)


def steady_samples(duration_s: float, **kwargs) -> list[ProsodySample]:
    return [sample(t, t + 4.0, **kwargs) for t in range(0, int(duration_s), 5)]


def test_rate_per_window_counts_words_over_talking_time():
    words = words_at(0, 60, 150) + words_at(60, 120, 90)
    rate = rate_windows(words, [], [(0, 60), (60, 120)])
    assert [w.words for w in rate] == [150, 90]
    assert rate[0].wpm == pytest.approx(150, rel=0.01)
    assert rate[1].wpm == pytest.approx(90, rel=0.02)  # the last word ends 0.4 s before 120


def test_pauses_are_not_counted_as_slow_speech():
    # 150 wpm for 40 s, then a 20-s pause: still 150 wpm of talking, not 100.
    words = words_at(0, 40, 150) + words_at(60, 120, 150)
    (first, _) = rate_windows(words, [Pause(40, 60)], [(0, 60), (60, 120)])
    assert first.talk_s == pytest.approx(40, abs=0.5)
    assert first.wpm == pytest.approx(150, rel=0.02)


def test_a_window_with_too_little_talk_has_no_rate():
    words = words_at(0, 10, 150)
    (window,) = rate_windows(words, [], [(0, 60)], min_talk_s=15)
    assert window.wpm is None and window.words == 25


def test_rushed_and_slow_windows_are_found_at_their_times():
    rates = [150, 150, 210, 150, 90, 150]
    words = [w for i, wpm in enumerate(rates) for w in words_at(60 * i, 60 * (i + 1), wpm)]
    samples = steady_samples(360)
    report = delivery_report(samples, words, [], duration_s=360)
    assert report.median_wpm == pytest.approx(150, rel=0.02)
    found = [(s.kind, s.start, s.end) for s in report.stretches]
    assert found == [("rushed", 120, 180), ("slow", 240, 300)]
    assert "2:00-3:00 was rushed: 210 words/min against your median 150" in report.notes
    assert "4:00-5:00 was slow: 90 words/min against your median 150" in report.notes


def test_neighbouring_rushed_windows_join_into_one_stretch():
    rates = [140, 140, 200, 200, 140]
    words = [w for i, wpm in enumerate(rates) for w in words_at(60 * i, 60 * (i + 1), wpm)]
    report = delivery_report(steady_samples(300), words, [], duration_s=300)
    (rushed,) = report.stretches
    assert (rushed.kind, rushed.start, rushed.end) == ("rushed", 120, 240)
    assert rushed.value == pytest.approx(200, rel=0.02)


def test_no_rate_findings_from_fewer_than_three_windows():
    words = words_at(0, 60, 150) + words_at(60, 120, 250)
    report = delivery_report(steady_samples(120), words, [], duration_s=120)
    assert not [s for s in report.stretches if s.kind in ("rushed", "slow")]


def test_a_window_mostly_in_long_pauses_went_quiet():
    # Minute 2 holds 30 s of pauses of 2 s or more (50%), minute 4 only 10 s (17%).
    pauses = [Pause(125, 140), Pause(150, 165), Pause(200, 210)]
    words = [w for lo, hi in [(0, 125), (140, 150), (165, 200), (210, 300)] for w in words_at(lo, hi, 150)]
    report = delivery_report(steady_samples(300), words, pauses, duration_s=300)
    silent = [s for s in report.stretches if s.kind == "silent"]
    assert [(s.start, s.end) for s in silent] == [(120, 180)]
    assert silent[0].value == pytest.approx(0.5)
    assert "2:00-3:00 went quiet: 50% of it in long pauses" in report.notes


def test_short_pauses_do_not_make_a_window_quiet():
    pauses = [Pause(t, t + 1.5) for t in range(0, 60, 3)]  # 50% of the minute, in 1.5-s pauses
    report = delivery_report([], words_at(0, 60, 150), pauses, duration_s=60)
    assert not [s for s in report.stretches if s.kind == "silent"]


def test_a_flat_voice_is_monotone():
    report = delivery_report(steady_samples(120, hz=120, spread=2.0), [], [], duration_s=120)
    assert report.monotone
    assert report.pitch_span_st == pytest.approx(2.0, abs=0.1)
    assert report.pitch_hz == pytest.approx(120, rel=0.01)
    assert report.notes[0].startswith("pitch varied over only 2.0 semitones: a monotone delivery")


def test_a_lively_voice_is_not_monotone():
    report = delivery_report(steady_samples(120, hz=120, spread=6.0), [], [], duration_s=120)
    assert not report.monotone
    assert report.pitch_span_st == pytest.approx(6.0, abs=0.1)


def test_a_voice_flat_inside_phrases_but_moving_between_them_is_not_monotone():
    # Each region flat (1 st), but alternating 100 and 160 Hz: 8 semitones apart.
    samples = [sample(t, t + 4, hz=100.0 if i % 2 else 160.0, spread=1.0) for i, t in enumerate(range(0, 120, 5))]
    report = delivery_report(samples, [], [], duration_s=120)
    assert not report.monotone
    assert report.pitch_within_st == pytest.approx(1.0)
    assert report.pitch_between_st == pytest.approx(8.1, abs=0.2)
    assert report.pitch_span_st > 7


def test_pitch_of_one_region_pools_to_its_own_span():
    summary = pitch_summary([sample(0, 30, hz=200.0, spread=5.0)], min_voiced_s=1)
    assert summary.span_st == pytest.approx(5.0, abs=0.01)
    assert summary.median_hz == pytest.approx(200.0, rel=1e-3)


def test_too_little_voicing_leaves_pitch_unjudged():
    samples = [sample(0, 4), sample(5, 9, hz=None)]  # 2.4 s voiced
    report = delivery_report(samples, [], [], duration_s=10)
    assert report.pitch_hz is None and report.pitch_span_st is None
    assert not report.monotone
    assert report.notes[0] == "too little voiced speech to judge pitch"


def test_quiet_stretches_are_found_and_short_ones_ignored():
    samples = steady_samples(120)
    samples[10:12] = [sample(50, 53, db=-32.0), sample(53.5, 55, db=-33.0)]  # 4.5 s, ~12 dB down
    samples[20] = sample(100, 100.5, db=-40.0)  # a half-second "uh"
    report = delivery_report(samples, [], [], duration_s=120)
    quiet = [s for s in report.stretches if s.kind == "quiet"]
    assert [(s.start, s.end) for s in quiet] == [(50, 55)]
    assert quiet[0].value == pytest.approx(12.3, abs=0.3)
    assert report.loudness_db == pytest.approx(-20.0)
    assert "0:50-0:55 was quiet: 12 dB below your usual level (mumbling?)" in report.notes


def test_notes_are_capped_per_kind():
    samples = steady_samples(600)
    for i in range(0, 100, 20):
        samples[i] = sample(5 * i, 5 * i + 4, db=-40.0)
    report = delivery_report(samples, [], [], duration_s=600, options=DeliveryOptions(max_notes_each=3))
    assert sum("was quiet" in n for n in report.notes) == 3
    assert "... and 2 more quiet stretches" in report.notes


def test_json_is_small_rounded_and_serialisable():
    words = words_at(0, 180, 143)
    report = delivery_report(steady_samples(180, spread=5.123456), words, [Pause(10.0, 12.876544)], duration_s=180)
    data = json.loads(json.dumps(report.to_json()))
    assert set(data) == {"rate", "median_wpm", "pitch", "loudness", "stretches", "notes"}
    assert data["pitch"]["span_st"] == round(data["pitch"]["span_st"], 1)
    assert data["rate"][0] == {"start": 0.0, "end": 60.0, "words": 143, "talk_s": 57.123, "wpm": 150.2}
    assert data["pitch"]["monotone"] is False


def test_an_empty_session_reports_nothing():
    report = delivery_report([], [], [], duration_s=0.0)
    assert report.median_wpm is None and report.loudness_db is None and not report.stretches
    assert json.dumps(report.to_json())
