"""Coverage of the FIRED requirements and of a named problem's key points, on hand-built transcripts."""

from pathlib import Path

import pytest

from coach.analysis.coverage import (
    FIRED,
    SCOPE_FALLBACK,
    SCOPE_PHASE,
    SCOPE_SESSION,
    CoverageItem,
    Evidence,
    find_problem,
    fired_coverage,
    load_coverage,
    problem_coverage,
)
from coach.errors import ConfigError
from coach.records import PhaseSpan, Word

STEP = 0.4  # seconds per word


@pytest.fixture(scope="module")
def lexicon():
    return load_coverage()


def say(text: str, start: float = 0.0) -> list[Word]:
    """Words as Whisper gives them: punctuation attached, one every STEP seconds from ``start``."""
    return [Word(start + i * STEP, start + (i + 1) * STEP - 0.05, w, 0.9) for i, w in enumerate(text.split())]


def covered(items: list[CoverageItem]) -> set[str]:
    return {item.id for item in items if item.covered}


def by_id(items: list[CoverageItem]) -> dict[str, CoverageItem]:
    return {item.id: item for item in items}


# --- FIRED ------------------------------------------------------------------------------------


def test_requirements_about_users_and_latency_cover_estimation_and_resilience(lexicon):
    words = say("Let me ask first. How many users do we expect per day? And what latency is acceptable for a lookup?")
    phases = [PhaseSpan("requirements", 0.0, words[-1].end + 1.0)]
    items = fired_coverage(words, phases, lexicon)
    assert [item.id for item in items] == list(FIRED)
    assert covered(items) == {"estimation", "resilience"}
    assert all(item.scope == SCOPE_PHASE for item in items)
    estimation = by_id(items)["estimation"]
    assert estimation.evidence == (Evidence("How many users do we expect per day?", words[4].start, words[11].end),)
    assert by_id(items)["functional"].evidence == ()
    assert by_id(items)["interface"].hint  # the "asks" line, for a report to show what is missing


def test_only_the_requirements_phase_counts(lexicon):
    asked = say("Should we support group chats? Is it a mobile app?")
    later = say("Mobile clients connect over websockets in every region.", start=60.0)
    phases = [PhaseSpan("requirements", 0.0, 30.0), PhaseSpan("deep_dive", 30.0, 90.0)]
    items = fired_coverage(asked + later, phases, lexicon)
    assert covered(items) == {"functional", "interface"}
    assert [e.start for e in by_id(items)["interface"].evidence] == [asked[5].start]  # not the deep-dive mention


def test_two_requirements_spans_both_count(lexicon):
    first = say("Do we need read receipts?")
    second = say("Is this one region or global?", start=100.0)
    phases = [
        PhaseSpan("requirements", 0.0, 10.0),
        PhaseSpan("high_level_design", 10.0, 95.0),
        PhaseSpan("requirements", 95.0, 120.0),
    ]
    assert covered(fired_coverage(first + second, phases, lexicon)) == {"functional", "deployment"}


def test_without_a_requirements_phase_the_first_fifth_counts(lexicon):
    early = say("Is it multi region?")  # 0-1.6 s
    late = say("The public API has two endpoints.", start=50.0)  # inside the session's last 80%
    words = early + late
    items = fired_coverage(words, [PhaseSpan("high_level_design", 0.0, 60.0)], lexicon, duration_s=60.0)
    assert covered(items) == {"deployment"}
    assert all(item.scope == SCOPE_FALLBACK for item in items)
    # with no duration the session ends with its last word (52.4 s); 20% of it still excludes 50 s
    assert covered(fired_coverage(words, [], lexicon)) == {"deployment"}


def test_a_feature_question_about_a_guarantee_is_not_functional(lexicon):
    phases = [PhaseSpan("requirements", 0.0, 100.0)]
    guarantee = fired_coverage(say("Do we need strong consistency?"), phases, lexicon)
    assert covered(guarantee) == {"resilience"}
    feature = fired_coverage(say("Do we need typing indicators?"), phases, lexicon)
    assert covered(feature) == {"functional"}


def test_common_words_do_not_pass_for_fired_terms(lexicon):
    # "could" sounds like "cloud", "reasons" is two letters from "regions", "the rest" is not REST
    words = say("We could do that for two reasons. I will cover the rest of it later.")
    assert covered(fired_coverage(words, [PhaseSpan("requirements", 0.0, 100.0)], lexicon)) == set()


def test_a_plural_the_lexicon_lists_in_the_singular_is_found(lexicon):
    # "region" matches "regions," by spelling distance, which an exact-text index would not offer
    words = say("Do users live across many regions, or one?")
    assert "deployment" in covered(fired_coverage(words, [PhaseSpan("requirements", 0.0, 100.0)], lexicon))


# --- problem key points -----------------------------------------------------------------------


def test_rate_limiter_points_said_and_not_said(lexicon):
    words = say(
        "I'd use a token bucket, per user. If the limiter is unreachable we fail open, so traffic still flows."
    )
    items = problem_coverage("rate-limiter", words, lexicon)
    assert covered(items) == {"token_bucket", "fail_open_vs_closed"}
    assert by_id(items)["distributed_redis"].covered is False
    assert all(item.scope == SCOPE_SESSION for item in items)
    assert by_id(items)["token_bucket"].evidence[0].text == "I'd use a token bucket, per user."


def test_mishearings_of_a_tiny_model_still_count(lexicon):
    words = say("The right limiter uses a taken bucket. Counters live in read this, close to the gateway.")
    assert covered(problem_coverage("rate-limiter", words, lexicon)) >= {"token_bucket", "distributed_redis"}
    payment = say("Every request carries an iDame potency key.")
    assert "idempotency" in covered(problem_coverage("payment-system", payment, lexicon))
    autocomplete = say("Each node of the tree holds the top queries.")  # "trie", as the model writes it
    assert "trie" in covered(problem_coverage("search-autocomplete", autocomplete, lexicon))


def test_look_alike_words_do_not_cover_a_point(lexicon):
    # "latency" is two letters from "potency", "caching" from "hashing", "wondering" from "ordering"
    assert not covered(problem_coverage("payment-system", say("Latency must stay low."), lexicon))
    url = say("We add caching in front of the database.")
    assert "short_url_generation" not in covered(problem_coverage("url-shortener", url, lexicon))
    chat = say("I'm wondering about the hard part.")
    assert not covered(problem_coverage("chat-system", chat, lexicon))


def test_one_redirect_code_alone_is_not_the_301_vs_302_choice(lexicon):
    items = by_id(problem_coverage("url-shortener", say("For redirects we return a 301."), lexicon))
    assert items["redirection"].covered and not items["301_vs_302"].covered
    items = by_id(problem_coverage("url-shortener", say("A 302 rather than a 301 keeps the clicks."), lexicon))
    assert items["301_vs_302"].covered and items["analytics"].covered


def test_a_point_named_only_to_set_it_aside_is_not_covered(lexicon):
    aside = say("I'm not sure, I don't know about analytics. Custom aliases are out of scope.")
    assert not covered(problem_coverage("url-shortener", aside, lexicon))
    counted = say("I'm not sure, but we count the clicks per link in a separate store.")
    assert "analytics" in covered(problem_coverage("url-shortener", counted, lexicon))


def test_evidence_is_at_most_three_sentences_in_time_order(lexicon):
    words = say("We hash ring it. " * 5)
    item = by_id(problem_coverage("distributed-cache", words, lexicon))["consistent_hashing"]
    assert [e.text for e in item.evidence] == ["We hash ring it."] * 3
    assert [e.start for e in item.evidence] == [words[0].start, words[4].start, words[8].start]
    assert item.evidence[0].end == words[3].end


def test_no_words_covers_nothing(lexicon):
    assert not covered(fired_coverage([], [], lexicon))
    assert not covered(problem_coverage("news-feed", [], lexicon))


# --- names and the lexicon file ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("rate-limiter", "rate-limiter"),
        ("Rate Limiter", "rate-limiter"),
        ("rate_limiter", "rate-limiter"),
        ("ratelimiter", "rate-limiter"),
        ("TinyURL", "url-shortener"),
        ("bit.ly", "url-shortener"),
        ("Typeahead", "search-autocomplete"),
    ],
)
def test_find_problem(lexicon, name, expected):
    assert find_problem(name, lexicon) == expected


def test_an_unknown_problem_names_the_known_ones(lexicon):
    with pytest.raises(ConfigError, match="known: .*rate-limiter"):
        find_problem("elevator system", lexicon)
    with pytest.raises(ConfigError, match="unknown problem"):
        problem_coverage("elevator-system", say("Hello."), lexicon)


def test_the_default_lexicon_has_every_common_problem(lexicon):
    assert set(lexicon.problems) == {
        "url-shortener", "rate-limiter", "notification-system", "file-storage", "news-feed", "payment-system",
        "chat-system", "search-autocomplete", "distributed-cache",
    }
    assert all(len(problem.points) >= 2 for problem in lexicon.problems.values())
    assert all(item.label and item.hint for item in lexicon.fired)


GOOD_FIRED = "\n".join(f'[fired.{d}]\nlabel = "{d}"\nphrases = ["{d}"]' for d in FIRED)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "coverage.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_small_valid_file_loads(tmp_path):
    path = write(tmp_path, GOOD_FIRED + '\n[problems.elevator]\ntitle = "Elevator"\naliases = ["lift"]\n'
                 '[[problems.elevator.points]]\nlabel = "Scheduling algorithm"\nphrases = ["scan"]\n')
    lexicon = load_coverage(path)
    assert find_problem("Lift", lexicon) == "elevator"
    assert lexicon.problems["elevator"].points[0].id == "scheduling_algorithm"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[fired.functional\nlabel = 1", "cannot read"),
        (GOOD_FIRED.replace("[fired.deployment]", "[fired.deploy]"), "missing deployment"),
        (GOOD_FIRED + '\n[problems.x]\ntitle = "X"\n', "at least one"),
        (GOOD_FIRED + '\n[problems.x]\ntitle = "X"\n[[problems.x.points]]\nlabel = "P"\nphrases = []\n', "phrase"),
        (GOOD_FIRED + '\n[problems.x]\ntitle = "X"\n[[problems.x.points]]\nlabel = "P"\nphrases = ["{nope}"]\n',
         "unknown vocabulary"),
        (GOOD_FIRED + '\n[problems.x]\ntitle = "X"\naliases = ["y"]\n[[problems.x.points]]\nlabel = "P"\n'
         'phrases = ["p"]\n[problems.y]\ntitle = "Y"\n[[problems.y.points]]\nlabel = "Q"\nphrases = ["q"]\n',
         "also a name"),
        (GOOD_FIRED + "\n[extras]\nfoo = 1\n", "unknown section"),
    ],
)
def test_a_malformed_file_is_a_config_error(tmp_path, text, reason):
    with pytest.raises(ConfigError, match=reason):
        load_coverage(write(tmp_path, text))


def test_a_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_coverage(tmp_path / "absent.toml")
