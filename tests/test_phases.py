"""Phases: evidence decoded into contiguous spans; user marks; the time plan."""

from dataclasses import replace

import numpy as np
import pytest

from coach.analysis.flags import find_flags, load_lexicon
from coach.analysis.phases import (PHASES, DecoderOptions, decode_phases, find_phases, load_phase_cues, parse_marks,
                                   phases_from_marks, sentence_evidence)
from coach.analysis.text import split_sentences, tokenize
from coach.analysis.timing import allocate_time, choose_plan
from coach.errors import ConfigError
from coach.records import PhaseSpan, SpeechRegion
from words import words_from

REQ, EST, HLD, DD, WRAP = range(5)


def spoken_phases(text):
    """The words of ``text`` said in one breath, and the phases found in them (a second of silence after)."""
    words = words_from(text)
    return words, find_phases(words, [SpeechRegion(0, words[-1].end)], duration_s=words[-1].end + 1,
                              cues=load_phase_cues())


def evidence_of(text):
    """What each sentence of ``text``, said in one breath, says about the phases."""
    tokens = tokenize(words_from(text))
    return sentence_evidence(tokens, split_sentences(tokens), load_phase_cues())


def announces(text, phase):
    """Does ``text``, said alone, earn the first-arrival bonus of ``phase``?"""
    return evidence_of(text).arrival[0, phase] > 0


def evidence(*rows):
    out = np.zeros((len(rows), 5))
    for i, (phase, points) in enumerate(rows):
        if phase is not None:
            out[i, phase] = points
    return out


def test_a_one_sentence_digression_does_not_split_a_phase():
    rows = [(DD, 2)] * 6 + [(REQ, 1.0)] + [(DD, 2)] * 6
    assert decode_phases(evidence(*rows), DecoderOptions()) == [DD] * 13


def test_a_sustained_return_to_requirements_is_kept():
    rows = [(HLD, 2)] * 5 + [(REQ, 3)] * 3 + [(DD, 2)] * 5
    assert decode_phases(evidence(*rows), DecoderOptions()) == [HLD] * 5 + [REQ] * 3 + [DD] * 5


def test_the_deep_dive_comes_after_a_design_said_in_its_words():
    # a design of rings and replicas points at the deep dive as much as at the design
    rows = [(REQ, 3)] * 3 + [(DD, 1), (HLD, 1)] * 2 + [(DD, 2)] * 3
    assert decode_phases(evidence(*rows), DecoderOptions()) == [REQ] * 4 + [HLD] * 3 + [DD] * 3
    assert decode_phases(evidence(*rows), DecoderOptions(design_skip=0.0)) == [REQ] * 3 + [DD] * 7


def test_requirements_first_reached_late_are_no_return():
    # a weak candidate opens with a few boxes, then asks their first questions: not a step back
    rows = [(HLD, 1.0)] * 4 + [(REQ, 3)] * 3 + [(EST, 3)] * 2 + [(DD, 3)] * 4
    assert decode_phases(evidence(*rows), DecoderOptions()) == [HLD] * 4 + [REQ] * 3 + [EST] * 2 + [DD] * 4
    # after requirements were discussed, the same brief stretch back to them is a digression
    rows = [(REQ, 3)] * 3 + [(HLD, 3)] * 4 + [(REQ, 1.0)] * 2 + [(HLD, 3)] * 4
    assert decode_phases(evidence(*rows), DecoderOptions()) == [REQ] * 3 + [HLD] * 10


def test_an_estimate_announced_after_an_opening_design_earns_its_announcement():
    # boxes first, then the questions, then "let me do some numbers", then back to the boxes: the opening
    # design is kept, rather than swallowed by requirements so that the estimate comes "in order"
    rows = [(HLD, 2)] * 3 + [(REQ, 3)] * 2 + [(EST, 1.5)] * 2 + [(HLD, 2)] * 3 + [(DD, 2)] * 4
    arrival = np.zeros((len(rows), 5))
    arrival[5, EST] = DecoderOptions().announce_arrival
    assert decode_phases(evidence(*rows), DecoderOptions(), arrival) == [HLD] * 3 + [REQ] * 2 + [EST] * 2 + [HLD] * 3 + [DD] * 4


def test_requirements_reached_late_earn_their_announcement():
    # "I skipped the questions" after a minute of boxes: the opening was the design, not silent requirements
    rows = [(HLD, 1.0)] * 4 + [(REQ, 1.0)] * 3 + [(HLD, 3)] * 4
    arrival = np.zeros((len(rows), 5))
    arrival[4, REQ] = DecoderOptions().announce_arrival
    assert decode_phases(evidence(*rows), DecoderOptions(), arrival)[:4] == [HLD] * 4
    assert evidence_of("Um, wait, I skipped the questions.").arrival[0, REQ] > 0


def test_going_back_to_a_phase_is_evidence_but_no_first_arrival():
    for said in ("So, yeah, back to the boxes.", "Okay, back to the picture.", "Back to the diagram."):
        found = evidence_of(said)
        assert found.points[0, HLD] >= DecoderOptions().announce_weight, said
        assert found.arrival[0, HLD] < DecoderOptions().announce_arrival, said


def test_a_question_never_asked_points_back_at_the_requirements_without_starting_them():
    found = evidence_of("Oh, wait, I didn't really ask.")
    assert found.points[0, REQ] >= DecoderOptions().announce_weight and found.arrival[0, REQ] == 0


def test_sentences_without_evidence_stay_in_the_current_phase():
    rows = [(REQ, 3)] * 2 + [(None, 0)] * 4 + [(EST, 4)] * 2
    labels = decode_phases(evidence(*rows), DecoderOptions())
    assert labels[:6] == [REQ] * 6 and labels[6:] == [EST, EST]


def test_a_first_stay_far_shorter_than_its_plan_gives_way_to_the_phase_around_it():
    # a strong candidate names a deep-dive word in the second sentence of a 10 s-per-sentence design sketch
    rows = [(REQ, 3)] * 3 + [(HLD, 3)] + [(DD, 1)] * 2 + [(DD, 3)] * 6
    bounds_s = np.arange(len(rows) + 1) * 10.0
    untimed = decode_phases(evidence(*rows), DecoderOptions())
    assert untimed == [REQ] * 3 + [HLD] + [DD] * 8
    planned_s = np.array([60.0, 12.0, 60.0, 120.0, 30.0])  # half the design's plan is 30 s, three sentences
    assert decode_phases(evidence(*rows), DecoderOptions(), None, bounds_s, planned_s) == [REQ] * 3 + [HLD] * 3 + [DD] * 6
    # while the session goes on, the phase just begun is shown at once: its stay has not ended
    rows = [(REQ, 3)] * 3 + [(HLD, 3)] * 6 + [(DD, 3)]
    bounds_s = np.arange(len(rows) + 1) * 10.0
    assert decode_phases(evidence(*rows), DecoderOptions(), None, bounds_s, planned_s)[-1] == HLD
    assert decode_phases(evidence(*rows), DecoderOptions(), None, bounds_s, planned_s, ongoing=True)[-1] == DD
    # a return is as short as it is: two late questions after the design are kept
    rows = [(REQ, 3)] * 3 + [(HLD, 3)] * 4 + [(REQ, 5)] * 2 + [(DD, 3)] * 6
    bounds_s = np.arange(len(rows) + 1) * 10.0
    assert decode_phases(evidence(*rows), DecoderOptions(), None, bounds_s, planned_s)[7:10] == [REQ, REQ, DD]


def test_a_first_stay_far_longer_than_its_plan_gives_way_to_the_next_phase_said_within_it():
    # a weak candidate's design words run on for 2.5 minutes of a 40 s plan, the deep dive's words among them
    rows = [(REQ, 3)] * 3 + [(HLD, 1)] * 6 + [(DD, 1), (HLD, 1)] * 6
    bounds_s = np.arange(len(rows) + 1) * 10.0
    planned_s = np.array([30.0, 20.0, 40.0, 120.0, 30.0])
    assert decode_phases(evidence(*rows), DecoderOptions(), None, bounds_s, planned_s) == [REQ] * 3 + [HLD] * 6 + [DD] * 12
    unbounded = DecoderOptions(long_weight=0.0)
    assert decode_phases(evidence(*rows), unbounded, None, bounds_s, planned_s) == [REQ] * 3 + [HLD] * 18


def test_a_phase_begins_at_its_announcement_not_at_an_earlier_mention_of_its_topic():
    rows = [(HLD, 2)] * 2 + [(DD, 3)] + [(HLD, 1)] * 2 + [(DD, 4)] + [(DD, 2)] * 2
    assert decode_phases(evidence(*rows), DecoderOptions())[:5] == [HLD, HLD, DD, DD, DD]
    arrival = np.zeros((len(rows), 5))
    arrival[5, DD] = DecoderOptions().announce_arrival
    assert decode_phases(evidence(*rows), DecoderOptions(), arrival) == [HLD] * 5 + [DD] * 3


def test_only_the_first_arrival_at_a_phase_earns_its_bonus():
    # the wrap-up is announced, its recap mentions the deep dive, then "if I had more time" announces it again:
    # stepping back into the deep dive and re-entering the wrap-up must not pay twice
    rows = [(DD, 2)] * 4 + [(WRAP, 4)] + [(DD, 1)] * 2 + [(WRAP, 4), (WRAP, 1)]
    arrival = np.zeros((len(rows), 5))
    arrival[[4, 7], WRAP] = DecoderOptions().announce_arrival
    assert decode_phases(evidence(*rows), DecoderOptions(), arrival) == [DD] * 4 + [WRAP] * 5


def test_a_garbled_announcement_still_starts_its_phase_where_it_signposts():
    text = (
        "How many users do we have? Do we need search across all the messages? "
        "Let me do some back on the envelope maths. Ten million users times ten requests a day is about "
        "one thousand requests per second."
    )
    words = words_from(text)
    flags = find_flags(words, [], load_lexicon())
    spans = find_phases(words, [SpeechRegion(0, words[-1].end)], duration_s=words[-1].end + 1,
                        cues=load_phase_cues(), flags=flags)
    signpost = next(w.start for w in words if w.text == "Let")
    assert [(s.phase, s.start) for s in spans] == [("requirements", 0.0), ("estimation", signpost)]


def test_an_announcement_asked_as_a_question_proposes_the_phase_and_does_not_start_it():
    words = words_from("Should I dive into the data model next? Okay, let me dive into the data model.")
    tokens = tokenize(words)
    found = sentence_evidence(tokens, split_sentences(tokens), load_phase_cues())
    options = DecoderOptions()
    assert found.arrival[0, DD] == 0 and found.arrival[1, DD] == options.announce_arrival
    asked = evidence_of("Should I dive into the data model next?")  # alone: no announcement after it halves it
    assert found.points[1, DD] - asked.points[0, DD] == options.announce_weight - options.cue_weight
    # the answer given, the sentence after the proposal may start the phase, with half the bonus
    found = evidence_of("Does that work before I go deeper? When two bids arrive together, the first wins.")
    assert found.arrival[0, DD] == 0 and found.arrival[1, DD] == options.announce_arrival / 2


def test_numbers_the_interviewer_answers_with_are_no_estimate():
    words = words_from("How many symbols and member firms? Two thousand symbols, a few hundred members.")
    tokens = tokenize(words)
    sentences = split_sentences(tokens)
    answer = {t.word for t in tokens[sentences[1].first : sentences[1].end]}
    assert sentence_evidence(tokens, sentences, load_phase_cues()).points[1, EST] > 0
    assert sentence_evidence(tokens, sentences, load_phase_cues(), interviewer_words=answer).points[1, EST] == 0


def test_a_check_in_asks_for_a_nod_not_about_the_requirements():
    words = words_from("Is that the kind of thing you wanted? Which regions must we serve?")
    tokens = tokenize(words)
    sentences = split_sentences(tokens)
    flags = find_flags(words, [], load_lexicon())
    assert [f.category for f in flags] == ["check_in"]
    found = sentence_evidence(tokens, sentences, load_phase_cues(), flags)
    assert found.points[0, REQ] == 0 and found.points[1, REQ] > 0


def test_an_announcement_said_inside_a_phase_is_evidence_but_not_its_start():
    words = words_from("To sum up, we shard by user. If I had more time I'd add search.")
    tokens = tokenize(words)
    found = sentence_evidence(tokens, split_sentences(tokens), load_phase_cues())
    options = DecoderOptions()
    assert found.arrival[0, WRAP] == options.announce_arrival and found.arrival[1, WRAP] == 0
    assert found.points[1, WRAP] >= options.announce_weight
    # a requirement remembered mid-design, or the answers played back, point at the requirements
    for text in ("Oh, wait, I didn't really ask about that.", "Actually, wait, I skipped something.",
                 "Playing it back: one currency, no overdrafts, seven years of history."):
        assert evidence_of(text).points[0, REQ] >= options.announce_weight, text


def test_closing_words_start_the_wrap_up():
    words = words_from("So yeah, that's pretty much it. Did I miss anything big?")
    for opening in ("Let me close out with what I'd watch in production.",
                    "So, to sum. Push for most people, pull for celebrities.",  # the recogniser cut "to sum up" at a breath
                    "So yeah, that's it. Load balancer, Redis with the count, Postgres for the orders.",
                    "Quick summary. An SFU, because mesh crushes clients.",
                    "So, in short, a waiting room shapes the spike."):
        assert evidence_of(opening).arrival[0, WRAP] > 0
    assert evidence_of("That's it for the numbers, now the boxes.").arrival[0, WRAP] == 0
    tokens = tokenize(words)
    found = sentence_evidence(tokens, split_sentences(tokens), load_phase_cues())
    assert found.points[0].argmax() == WRAP and found.arrival[0, WRAP] > 0 and found.points[1, WRAP] > 0


def test_a_one_word_announcement_must_be_heard_as_said():
    for text, announced in (("Now some sizing.", True), ("Then the song I posted.", False),
                            ("Um, the scale.", True), ("At the scale of a city it breaks.", False)):
        assert announces(text, EST) == announced, text
    # "zoom" and "some" sound alike: a short announcement needs a word after it to be heard as one
    for text, announced in (("Let me zoom in on the matcher.", True), ("Paste some in your terminal.", False)):
        assert announces(text, DD) == announced, text


def test_going_into_a_topic_announces_the_deep_dive_and_the_number_of_things_is_no_estimate():
    for text, phase, announced in (("Okay, go into the transcoding.", DD, True),
                                   ("I'll go into the matching first.", DD, True),
                                   ("Orders go into Postgres.", DD, False),
                                   ("Okay, the numbers.", EST, True),
                                   ("Um, numbers.", EST, True),
                                   ("Numbers of moves differ by game.", EST, False),
                                   ("One row per slot with the number of spaces taken.", EST, False)):
        assert announces(text, phase) == announced, text


def test_a_probe_of_what_happens_when_proposes_the_deep_dive_and_a_walk_through_does_not():
    probe = evidence_of("So, what happens when somebody with thirty million followers posts? We can't push thirty million inserts.")
    assert probe.arrival[1, DD] > 0
    assert not announces("Walk me through what happens when someone uploads a photo.", DD)


def test_an_area_chosen_for_where_the_real_problems_are_announces_the_deep_dive():
    # as tiny.en wrote "Okay, now the sending pipeline, because that's where the real problems are."
    assert announces("Okay, now we're sending pipeline because that's where the real problems are.", DD)
    assert announces("That's where the hard part is, so let me start with the ledger.", DD)


def test_the_overall_shape_announces_the_design_not_the_deep_dive():
    assert announces("Now the overall shape.", HLD) and not announces("Now the overall shape.", DD)


def test_pretty_much_it_closing_a_sentence_announces_the_wrap_up():
    # "that's" is what a small model loses ("So, yeah, not pretty much it." for "that's pretty much it")
    for text, announced in (("So, yeah, not pretty much it.", True),
                            ("It's pretty much items in a list.", False)):
        assert announces(text, WRAP) == announced, text


def test_that_s_it_announces_the_wrap_up_only_late_in_the_session():
    cues = load_phase_cues()
    tokens = tokenize(words_from("If the phone loses signal right after. That's it. The trip would be stuck waiting."))
    sentences = split_sentences(tokens)
    mid_session = sentence_evidence(tokens, sentences, cues, duration_s=sentences[-1].end_s * 3)
    assert mid_session.arrival[1, WRAP] == 0
    tokens = tokenize(words_from("Load balancer, Redis, Postgres. So yeah. That's it."))
    sentences = split_sentences(tokens)
    at_the_end = sentence_evidence(tokens, sentences, cues, duration_s=sentences[-1].end_s)
    assert at_the_end.arrival[-1, WRAP] > 0


def test_more_time_said_late_begins_the_wrap_up_there_or_a_little_before():
    cues = load_phase_cues()
    # the sentences start at 0, 3.3, 4.5 and 5.1 s; in a 7 s session the last is said late
    tokens = tokenize(words_from("Orders go to Postgres and the stock holds go to Redis. So, server side carts. "
                                 "Conditional holds. If I had more time I'd add search."))
    sentences = split_sentences(tokens)
    late = sentence_evidence(tokens, sentences, cues, duration_s=7.0).arrival[:, WRAP]
    assert late[-1] > 0 and late[1] == late[-1]  # the summary before it may begin the wrap-up instead
    within_a_second = replace(cues, decoder=DecoderOptions(within_reach_s=1.0))
    reach = sentence_evidence(tokens, sentences, within_a_second, duration_s=7.0).arrival[:, WRAP]
    assert reach[1] == 0 and reach[2] > 0
    # said mid-session it is evidence of the wrap-up, not where one begins
    assert sentence_evidence(tokens, sentences, cues, duration_s=100.0).arrival[:, WRAP].max() == 0


def test_a_short_announced_wrap_up_at_the_end_is_kept():
    text = (
        "How many users do we have? Do we need search? Let me do the back of the envelope math. "
        "Ten million users times ten requests a day is about one thousand requests per second. "
        "Let me sketch the high level design. Clients call an API gateway and the service writes to the database. "
        "Let me deep dive into the schema. The primary key is the user id and we partition by region. "
        "If a replica fails we fail over to another one, and retries are idempotent. "
        "So yeah, that's pretty much it."
    )
    words, spans = spoken_phases(text)
    assert spans[-1].phase == "wrap_up" and spans[-1].start == next(w.start for w in words if w.text == "So")


def test_talk_that_points_at_no_phase_stays_in_its_phase_when_the_plan_has_moved_on():
    text = (
        "How many users do we have? Do we need search? "
        "Okay. That keeps it simple for us. Good, I follow. Right, that is fine with me. "
        "Okay, thank you. Alright, that helps a lot. "
        "Ten million users times ten requests a day is about one thousand requests per second."
    )
    words, spans = spoken_phases(text)
    numbers = next(w.start for w in words if w.text == "Ten")
    assert [(s.phase, s.start) for s in spans] == [("requirements", 0.0), ("estimation", numbers)]


def test_find_phases_on_a_spoken_order():
    text = (
        "Before I start, let me clarify the requirements. How many users do we have? Do we need search? "
        "Let me do the back of the envelope math. Ten million users times ten requests a day is about "
        "one thousand requests per second and two terabytes of storage a year. "
        "Let me sketch the high level design. Clients call an API gateway, the gateway calls the service, "
        "and the service writes to the database and a cache. "
        "Let me deep dive into the schema. The primary key is the user id and we partition by region. "
        "If a replica fails we fail over to another one. "
        "To summarize, the main trade-off was consistency against latency. If I had more time I'd add search."
    )
    words, spans = spoken_phases(text)
    assert [s.phase for s in spans] == list(PHASES)
    assert spans[0].start == 0.0 and spans[-1].end == pytest.approx(words[-1].end + 1)
    assert all(a.end == b.start for a, b in zip(spans, spans[1:]))


def test_words_of_a_phase_said_before_it_is_announced_weigh_less():
    design = ("Every node knows the ring, so there is no single point of failure. I'd use consistent hashing with "
              "virtual nodes, and each key is replicated to the next three machines. ")
    announced = evidence_of(design + "Shall I go deeper on conflicts? Two clients can write the same key.")
    unannounced = evidence_of(design)
    assert unannounced.points[1, DD] > 0
    assert announced.points[1, DD] == DecoderOptions().before_announced * unannounced.points[1, DD]


def test_a_design_said_in_deep_dive_words_is_the_design_when_the_deep_dive_is_announced_later():
    # a key-value store's boxes are the ring, the replicas and the storage engine: until "shall I go
    # deeper on conflicts?", that is the high-level design, not a deep dive begun without one
    text = (
        "Let me clarify the requirements first. Do we need range scans? How large are the values? "
        "Let me do the numbers. A hundred thousand writes per second of one kilobyte is a hundred megabytes a second, "
        "about eight terabytes a day. "
        "Every node knows the ring, so there is no single point of failure and no routing tier. "
        "I'd use consistent hashing rather than key ranges, since we don't need scans. "
        "Each machine owns a couple of hundred virtual nodes, so a new one takes small slices from everybody. "
        "Each key lives on the next three machines on the ring, one per zone. "
        "On disk, a log structured merge tree rather than a B tree, because it turns random writes into sequential ones. "
        "Membership is by gossip, since a hundred nodes converge in seconds. "
        "Shall I go deeper on conflicts? "
        "During a partition, two clients can update the same key on opposite sides. "
        "Last writer wins is simple, but clock skew can silently drop a write. "
        "Vector clocks keep both versions for the client to merge, which is more work. "
        "If a replica is down, a neighbour takes the write with a hint and hands it back when it returns. "
        "Anti entropy with Merkle trees repairs what the hints missed. "
    )
    words, spans = spoken_phases(text)
    deeper = next(i for i, w in enumerate(words) if w.text == "Shall")
    assert [s.phase for s in spans] == ["requirements", "estimation", "high_level_design", "deep_dive"]
    assert words[deeper].start < spans[3].start < words[deeper + 10].start


def test_marks():
    marks = parse_marks("0:00=requirements, 5:10=estimation\n8:00=high_level_design,1:02:00=wrap_up")
    assert marks == [(0.0, "requirements"), (310.0, "estimation"), (480.0, "high_level_design"), (3720.0, "wrap_up")]
    spans = phases_from_marks(marks, duration_s=4000, speech=[SpeechRegion(0, 100), SpeechRegion(300, 320)])
    assert [(s.phase, s.start, s.end) for s in spans][:2] == [("requirements", 0.0, 310.0), ("estimation", 310.0, 480.0)]
    assert spans[0].speaking_seconds == 110.0
    with pytest.raises(ConfigError, match="cannot read the mark"):
        parse_marks("five=estimation")
    with pytest.raises(ConfigError, match="unknown phase"):
        phases_from_marks([(0.0, "coffee")], duration_s=10, speech=[])


def test_plans_and_findings():
    assert choose_plan("60", 600) == ("60", 1.0)
    assert choose_plan("auto", 45 * 60)[0] == "45" and choose_plan("auto", 60 * 60)[0] == "60"
    spans = [PhaseSpan("high_level_design", 0, 300, 250), PhaseSpan("requirements", 300, 1200, 800),
             PhaseSpan("deep_dive", 1200, 1500, 280)]
    allocation = allocate_time(spans, session_s=45 * 60, plan="45")
    rows = {r.phase: r for r in allocation.rows}
    assert rows["requirements"].planned_s == 300 and rows["requirements"].ratio == 3.0
    assert rows["requirements"].status == "over" and rows["wrap_up"].status == "missing"
    assert rows["deep_dive"].status == "under"
    text = " | ".join(allocation.findings)
    assert "requirements took 3.0x its budget" in text and "no wrap-up" in text
    assert "started with high-level design before clarifying" in text
    with pytest.raises(ConfigError):
        choose_plan("90", 600)
