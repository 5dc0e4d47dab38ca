import pytest

from coach.analysis.pauses import find_pauses, think_aloud_metrics
from coach.records import Pause, SpeechRegion, Word


def regions(*spans):
    return [SpeechRegion(a, b) for a, b in spans]


def test_pauses_are_the_gaps_between_regions_at_least_the_threshold():
    speech = regions((1.0, 4.0), (5.0, 9.0), (11.0, 20.0), (32.5, 40.0))
    assert find_pauses(speech, min_pause_s=2.0) == [Pause(9.0, 11.0), Pause(20.0, 32.5)]
    assert find_pauses(speech, min_pause_s=0.5) == [Pause(4.0, 5.0), Pause(9.0, 11.0), Pause(20.0, 32.5)]


def test_leading_and_trailing_silence_are_not_pauses():
    assert find_pauses(regions((10.0, 12.0)), min_pause_s=2.0) == []
    assert find_pauses([], min_pause_s=2.0) == []


def test_metrics_over_the_talk_span():
    speech = regions((10.0, 40.0), (45.0, 70.0), (82.0, 130.0))
    words = [Word(10.0 + i, 10.5 + i, "w", 0.9) for i in range(240)]
    pauses = find_pauses(speech)
    m = think_aloud_metrics(speech, words, pauses, duration_s=150.0)
    assert m["talk_span_s"] == 120.0
    assert m["speech_s"] == 103.0
    assert m["speaking_ratio"] == pytest.approx(103 / 120, abs=1e-4)
    assert m["words_per_minute"] == 120.0  # 240 words over 2 minutes
    assert m["articulation_wpm"] == pytest.approx(240 / (103 / 60), abs=0.1)
    assert m["pause_count"] == 2
    assert m["longest_pause_s"] == 12.0 and m["longest_pause_start"] == 70.0
    # over a 2-minute span: two pauses >= 2 s, two >= 5 s, one >= 10 s -> x5 per 10 minutes
    assert m["pauses_per_10_min"] == {"over_2s": 10.0, "over_5s": 10.0, "over_10s": 5.0}
    assert m["leading_silence_s"] == 10.0 and m["trailing_silence_s"] == 20.0


def test_metrics_without_speech_are_zero_not_errors():
    m = think_aloud_metrics([], [], [], duration_s=60.0)
    assert m["speaking_ratio"] == 0.0 and m["words_per_minute"] == 0.0
    assert m["longest_pause_s"] == 0.0 and m["longest_pause_start"] is None
    assert m["leading_silence_s"] == 60.0
