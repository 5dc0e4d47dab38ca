"""Telling the interviewer from the candidate: pure splitting, real voices, and `coach analyze --interviewer`."""

import json

import numpy as np
import pytest

from coach.cli import main
from coach.dashboard.review import transcript_html
from coach.records import CANDIDATE, INTERVIEWER, SpeechRegion, VoiceSpan, VoiceSplit, Word
from coach.report import markdown_report
from coach.session import Session
from coach.transcribe import SpeechChunk
from coach.voices import VoicePrint, candidate_share, measure_voices, split_voices
from conftest import speak, write_wav

CANDIDATE_VOICE = "en-us+m3"
INTERVIEWER_VOICE = "en-us+f2"


def _prints(centre, spans, rng):
    return [VoicePrint(s, e, tuple(centre + rng.normal(0, 0.3, 4))) for s, e in spans]


def test_the_voice_that_talks_more_is_the_candidate():
    rng = np.random.default_rng(1)
    regions = [SpeechRegion(0, 6), SpeechRegion(7, 9), SpeechRegion(10, 22), SpeechRegion(23, 24)]
    low, high = np.zeros(4), np.full(4, 3.0)
    prints = (_prints(high, [(0, 3), (3, 6)], rng) + _prints(low, [(7, 9)], rng)
              + _prints(high, [(10, 13), (13, 16), (16, 19), (19, 22)], rng) + _prints(low, [(23, 24)], rng))
    split = split_voices(prints, regions)
    assert [s.speaker for s in split.spans] == [CANDIDATE, INTERVIEWER, CANDIDATE, INTERVIEWER]
    assert split.separation > 2
    assert split.seconds(INTERVIEWER) == 3 and split.seconds(CANDIDATE) == 18
    assert split.turns(INTERVIEWER) == 2 and split.turns(CANDIDATE) == 2
    twice = VoiceSplit((VoiceSpan(0, 1, INTERVIEWER), VoiceSpan(1.5, 2, INTERVIEWER), VoiceSpan(3, 9, CANDIDATE)), 2.0)
    assert twice.turns(INTERVIEWER) == 1


def test_a_region_goes_to_the_voice_of_most_of_it():
    rng = np.random.default_rng(2)
    regions = [SpeechRegion(0, 9), SpeechRegion(10, 12)]
    prints = _prints(np.zeros(4), [(0, 3), (3, 6)], rng) + _prints(np.full(4, 3.0), [(6, 9), (10, 12)], rng)
    # the 6-9 s piece sounds like the interviewer, but the region is mostly the candidate's turn
    split = split_voices(prints, regions)
    assert [s.speaker for s in split.spans] == [CANDIDATE, INTERVIEWER]


def test_nothing_to_split_keeps_everything_the_candidates():
    regions = [SpeechRegion(0, 2)]
    split = split_voices([VoicePrint(0, 2, (1.0, 2.0))], regions)
    assert split.spans == (VoiceSpan(0, 2, CANDIDATE),) and split.separation == 0
    words = [Word(0.1, 0.5, "hello", 0.9)]
    assert candidate_share(words, regions, [], split) == (words, regions, [])


def test_pieces_without_pitch_are_split_by_timbre_alone():
    rng = np.random.default_rng(3)
    regions = [SpeechRegion(0, 9), SpeechRegion(10, 12)]
    prints = [VoicePrint(s, e, (np.nan, *f[1:])) for s, e, f in
              [(p.start, p.end, p.features) for p in _prints(np.zeros(4), [(0, 3), (3, 6), (6, 9)], rng)
               + _prints(np.full(4, 3.0), [(10, 12)], rng)]]
    assert [s.speaker for s in split_voices(prints, regions).spans] == [CANDIDATE, INTERVIEWER]


def test_words_belong_to_the_span_around_them_or_the_nearest():
    split = VoiceSplit((VoiceSpan(0, 2, CANDIDATE), VoiceSpan(3, 4, INTERVIEWER)), 2.0)
    assert split.speaker_at(1.0) == CANDIDATE and split.speaker_at(3.5) == INTERVIEWER
    assert split.speaker_at(4.2) == INTERVIEWER and split.speaker_at(2.1) == CANDIDATE
    words = [Word(0.5, 0.9, "we", 0.9), Word(3.1, 3.5, "why?", 0.9)]
    said, speaking, _ = candidate_share(words, [SpeechRegion(0, 2), SpeechRegion(3, 4)], [], split)
    assert [w.text for w in said] == ["we"] and speaking == [SpeechRegion(0, 2)]


INTERVIEW = [
    (INTERVIEWER_VOICE, "Design a photo sharing service."),
    (CANDIDATE_VOICE, "Sure. First I want to know how many photos are uploaded each day, and how big they are."),
    (INTERVIEWER_VOICE, "About ten million a day, two megabytes each."),
    (CANDIDATE_VOICE, "So that is twenty terabytes a day of new photos, which goes into object storage, "
                      "with a content delivery network in front for the reads."),
    (INTERVIEWER_VOICE, "What happens when the storage service goes down?"),
    (CANDIDATE_VOICE, "Uploads queue on the client and retry with backoff, and reads are served from the "
                      "content delivery network, so viewers hardly notice."),
]


@pytest.fixture(scope="module")
def interview_audio(tmp_path_factory):
    """The interview as one 16 kHz recording, with each line's (start, end, voice)."""
    folder = tmp_path_factory.mktemp("interview")
    gap = np.zeros(int(0.8 * 16000), dtype=np.float32)
    pieces, lines, t = [gap], [], len(gap) / 16000
    for n, (voice, text) in enumerate(INTERVIEW):
        audio = speak(folder / f"line{n}.wav", text, voice)
        pieces += [audio, gap]
        lines.append((t, t + len(audio) / 16000, voice))
        t += (len(audio) + len(gap)) / 16000
    path = write_wav(folder / "interview.wav", np.concatenate(pieces))
    return path, np.concatenate(pieces), lines


def test_two_real_voices_are_told_apart(interview_audio):
    _, audio, lines = interview_audio
    regions = tuple(SpeechRegion(s, e) for s, e, _ in lines)
    prints = measure_voices(SpeechChunk(0.0, audio, regions))
    split = split_voices(prints, regions)
    expected = [CANDIDATE if voice == CANDIDATE_VOICE else INTERVIEWER for _, _, voice in lines]
    assert [s.speaker for s in split.spans] == expected


def test_analyze_coaches_only_the_candidate_and_keeps_every_word(interview_audio, tmp_path, capsys):
    path, _, lines = interview_audio
    both = tmp_path / "both.json"
    told = tmp_path / "told.json"
    assert main(["analyze", str(path), "--json", str(both), "--no-save"]) == 0
    assert main(["analyze", str(path), "--json", str(told), "--no-save", "--interviewer"]) == 0
    capsys.readouterr()
    one_voice, split = json.loads(both.read_text()), json.loads(told.read_text())
    assert "voices" not in one_voice
    assert [s["speaker"] for s in split["voices"]["spans"]].count(INTERVIEWER) == 3
    assert split["words"] == one_voice["words"]  # nothing the interviewer said is lost, only not coached
    question_at = lines[4][0]
    asked = [f for f in one_voice["flags"] if f["category"] == "failure_mode" and abs(f["start"] - question_at) < 1]
    assert asked, "without --interviewer the interviewer's question counts as the candidate's failure talk"
    assert not [f for f in split["flags"] if abs(f["start"] - question_at) < 1]
    assert split["metrics"]["word_count"] < one_voice["metrics"]["word_count"]
    session = Session.from_json(split)
    assert session.voices.seconds(INTERVIEWER) > 0
    assert Session.from_json(session.to_json()).voices == session.voices
    report = markdown_report(session)
    assert "interviewer's voice was told apart (3 turns" in report
    assert report.count("**Interviewer:**") == 3 and report.count("**Candidate:**") == 3
    page = transcript_html(session)
    assert page.count(">Interviewer:</em>") == 3 and page.count(">Candidate:</em>") == 3


def test_an_uploaded_interview_is_stored_with_its_two_voices(interview_audio, coach_home):
    from coach.dashboard import practice
    from coach.store import SessionStore

    path, _, _ = interview_audio
    with SessionStore() as store:
        saved = practice.analyse_upload(path.read_bytes(), "mock interview.wav", interviewer=True, store=store)
        assert not isinstance(saved, str), saved
        kept = store.session(saved.id)
    assert [s.speaker for s in kept.voices.spans].count(INTERVIEWER) == 3
    assert all(kept.voices.speaker_at(f.start) == CANDIDATE for f in kept.flags)
