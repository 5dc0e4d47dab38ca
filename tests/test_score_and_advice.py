"""The rubric score and the top fixes, from hand-built records with known answers."""


from coach.analysis.advice import top_fixes
from coach.analysis.score import score_session
from coach.analysis.timing import allocate_time
from coach.records import Flag, Pause, PhaseSpan
from words import words_from

COMPONENTS = ("load balancer", "api gateway", "cache", "redis", "kafka", "cassandra", "database")


def flag(category, start, text="..."):
    return Flag(category, text, start, start + 2.0)


def test_a_strong_session_scores_high_with_evidence():
    phases = [PhaseSpan("requirements", 0, 300, 250), PhaseSpan("estimation", 300, 480, 150),
              PhaseSpan("high_level_design", 480, 1080, 500), PhaseSpan("deep_dive", 1080, 2280, 1000),
              PhaseSpan("wrap_up", 2280, 2580, 250)]
    words = words_from("Clients hit the load balancer then the API gateway, a cache in Redis, Kafka for events, "
                       "Cassandra as the database. We expect ten million users times twenty requests, about "
                       "two thousand requests per second and four terabytes a year.", start=300)
    flags = ([flag("clarifying_question", t) for t in (10, 40, 70, 100)] + [flag("signpost", 1100), flag("signpost", 1700)]
             + [flag("tradeoff", t) for t in (1200, 1500, 1800, 2300)] + [flag("failure_mode", t) for t in (1300, 1900)]
             + [flag("monitoring", 2000)] + [flag("think_aloud", 1400)])
    allocation = allocate_time(phases, session_s=2580, plan="45")
    score = score_session(words=words, pauses=[], phases=phases, flags=flags, allocation=allocation,
                          components=COMPONENTS, talk_span_s=2580)
    items = {i.id: i for i in score.items}
    assert items["requirements"].points == 5
    assert items["estimation"].points == 5
    assert items["components"].points == 10 and len(items["components"].evidence) >= 6
    assert items["tradeoffs"].points == 10
    assert items["failures"].points == 5
    assert items["time"].points == 5
    assert score.total >= 35 and score.verdict == "ready for interviews"
    assert items["tradeoffs"].evidence[0].start == 1200


def test_reasoning_aloud_weighs_less_than_a_trade_off_and_bare_choices_cost_it():
    phases = [PhaseSpan("high_level_design", 0, 300, 250), PhaseSpan("deep_dive", 300, 600, 250)]
    allocation = allocate_time(phases, session_s=600, plan="auto")

    def tradeoff_points(flags):
        score = score_session(words=words_from("We'll use a cache."), pauses=[], phases=phases, flags=flags,
                              allocation=allocation, components=COMPONENTS, talk_span_s=600)
        return next(i for i in score.items if i.id == "tradeoffs")

    # a weak candidate's assumptions and inferences, and two tools picked without a reason
    item = tradeoff_points([flag("think_aloud", t) for t in (10, 50, 90, 130)] + [flag("unjustified_choice", t) for t in (20, 60)])
    assert item.points == 0 and "4 stretches of reasoning aloud" in item.reason
    assert tradeoff_points([flag("tradeoff", t) for t in (10, 50)]).points == 6


def test_a_weak_session_loses_points_for_what_it_did_not_do():
    phases = [PhaseSpan("high_level_design", 0, 400, 200), PhaseSpan("deep_dive", 400, 600, 100)]
    words = words_from("We'll use a cache.", start=5)
    flags = [flag("unjustified_choice", 5), flag("stuck", 450)]
    pauses = [Pause(100, 118), Pause(200, 212), Pause(300, 306)]
    allocation = allocate_time(phases, session_s=600, plan="auto")
    score = score_session(words=words, pauses=pauses, phases=phases, flags=flags, allocation=allocation,
                          components=COMPONENTS, talk_span_s=600)
    items = {i.id: i for i in score.items}
    assert items["requirements"].points == 0 and "before clarifying" in items["requirements"].reason
    assert items["estimation"].points == 0 and items["tradeoffs"].points == 0
    assert score.verdict == "review the fundamentals first"
    assert score.think_aloud == 100 - 20 - 4 - 10  # per 10 min: two silences >= 10 s, one of 5-10 s, stuck once
    fixes = top_fixes(words=words, pauses=pauses, phases=phases, flags=flags, allocation=allocation.to_json(),
                      score=score.to_json(), delivery={"pitch": {"monotone": False}})
    titles = [f.title for f in fixes]
    assert len(fixes) == 3
    assert "Think out loud through the silences" in titles
    assert "Clarify the requirements before designing" in titles
    silences = next(f for f in fixes if f.title.startswith("Think out loud"))
    assert [m.start for m in silences.moments] == [100, 200, 300]


def test_no_fixes_invented_for_a_clean_session():
    assert top_fixes(words=[], pauses=[], phases=[], flags=[], allocation={"phases": [], "findings": []},
                     score={"items": [{"id": i, "points": m, "max_points": m} for i, m in
                                      (("requirements", 5), ("estimation", 5), ("components", 10), ("depth", 10),
                                       ("tradeoffs", 10), ("failures", 5), ("time", 5))]},
                     delivery={"pitch": {}}) == []


def components_item(text, components=COMPONENTS, part_kinds=("service", "server", "engine")):
    phases = [PhaseSpan("high_level_design", 0, 300, 250)]
    score = score_session(words=words_from(text), pauses=[], phases=phases, flags=[],
                          allocation=allocate_time(phases, session_s=300, plan="auto"), components=components,
                          part_kinds=part_kinds, talk_span_s=300)
    return next(i for i in score.items if i.id == "components")


def test_parts_named_in_the_candidates_own_words_count_once_each():
    item = components_item("Clients join through the room service, which picks a media server. The media servers "
                           "report to the room service. A separate service handles billing, and the pricing engine "
                           "reads from Redis.")
    assert [e.text for e in item.evidence] == ["room service", "media server", "pricing engine", "redis"]
    assert "named 4 distinct system parts" in item.reason
    assert components_item("Clients join through the room service.", part_kinds=()).points == 0


def test_one_part_named_two_ways_counts_once():
    item = components_item("Writes go to Postgres through the API gateway; the PostgreSQL primary has a replica, "
                           "and the gateway checks tokens.", components=("postgres", "postgresql", "api gateway", "gateway"))
    assert [e.text for e in item.evidence] == ["postgres", "api gateway"]
