"""False-hit guards: each case is checked in both orders, since the guards must be symmetric."""

from __future__ import annotations

from pathlib import Path

import pytest

from semantic_cache.guards import (
    DEFAULT_SIMILARITY_THRESHOLD,
    extract_entities,
    extract_numbers,
    guards_agree,
    is_eligible_for_semantic,
)

DIFFERENT = [
    # numbers
    ("What is 15% of 80?", "What is 15% of 90?", "numbers"),
    ("What's new in Python 3.10?", "What's new in Python 3.1?", "numbers"),
    (
        "Give me three tips for public speaking.",
        "Give me 5 tips for public speaking.",
        "numbers",
    ),
    # units
    ("How many kilometers is a marathon?", "How many miles is a marathon?", "units"),
    ("Convert 10GB to MB", "Convert 10GB to KB", "units"),
    # negation
    ("Turn on the light", "Do not turn on the light", "negation"),
    ("Why does my code compile?", "Why doesn't my code compile?", "negation"),
    ("Coffee with sugar please", "Coffee without sugar please", "negation"),
    # opposite pairs
    ("Turn the heating on", "Turn the heating off", "opposites"),
    ("How do I enable dark mode?", "How do I disable dark mode?", "opposites"),
    ("How to increase the font size", "How to decrease the font size", "opposites"),
    ("What to eat before a run", "What to eat after a run", "opposites"),
    ("Find the min of a column", "Find the max of a column", "opposites"),
    (
        "How do I add a user to a group?",
        "How do I remove a user from a group?",
        "opposites",
    ),
    (
        "How do I open a file in Python?",
        "How do I close a file in Python?",
        "opposites",
    ),
    (
        "Is this statement true: cats are mammals",
        "Is this statement false: cats are mammals",
        "opposites",
    ),
    (
        "Answer yes to the prompt in the installer",
        "Answer no to the prompt in the installer",
        "negation",
    ),
    # entities
    ("What is the capital of France?", "What is the capital of Spain?", "entities"),
    ("How do I deploy to AWS?", "How do I deploy to GCP?", "entities"),
    (
        'Translate "good morning" to German',
        'Translate "good night" to German',
        "entities",
    ),
    ("What does os.path.join do?", "What does os.path.split do?", "entities"),
    ("What does max_tokens control?", "What does max_retries control?", "entities"),
    ("How do I use useEffect?", "How do I use useState?", "entities"),
    (
        "How do I reverse a list in python?",
        "How do I reverse a list in javascript?",
        "entities",
    ),
    ("What does git push --force do?", "What does git push --tags do?", "entities"),
]

SAME = [
    ("What is 15% of 80?", "Calculate 15 percent of 80."),
    ("How much is 1,000 dollars in euros?", "How much is $1000 in euros?"),
    ("I have two apples and eat one", "I have 2 apples and eat one"),
    ("Why doesn't my code compile?", "Why won't my code compile?"),
    ("Don't turn on the light", "Do not turn on the light"),
    ("Turn on the light in the kitchen", "Switch the kitchen light on"),
    ("What is the capital of France?", "Which city is France's capital?"),
    ("What is the capital of France?", "capital city of france?"),
    ("Python lists: how do I reverse one?", "How do I reverse a list in Python?"),
    ("HOW DO I EXIT VIM", "how do i exit vim"),
    ("How do I make a cup of green tea?", "What's the right way to brew green tea?"),
    (
        "What is the time complexity of binary search?",
        "What's the big-O of binary search?",
    ),
    ("What do APIs return?", "What does an API return?"),
]


@pytest.mark.parametrize(("a", "b", "kind"), DIFFERENT)
def test_it_tells_near_misses_apart_in_both_orders(a: str, b: str, kind: str) -> None:
    forward, backward = guards_agree(a, b), guards_agree(b, a)
    assert not forward
    assert not backward
    assert kind.rstrip("s") in forward.reason


@pytest.mark.parametrize(("a", "b"), SAME)
def test_it_lets_paraphrases_through_in_both_orders(a: str, b: str) -> None:
    forward, backward = guards_agree(a, b), guards_agree(b, a)
    assert forward, forward.reason
    assert backward, backward.reason
    assert forward.reason == ""


def test_it_reads_number_words_and_thousands_separators() -> None:
    assert extract_numbers("twenty apples and 1,500 pears") == {"20", "1500"}


def test_it_does_not_take_a_capitalised_first_word_for_a_name() -> None:
    assert extract_entities("Where is Lisbon? Tell me.") == {"lisbon"}


def test_it_drops_pluralised_acronyms_to_their_singular() -> None:
    assert "api" in extract_entities("How do REST APIs work?")


@pytest.mark.parametrize("text", ["", "   ", "hi", "thanks!", "ok do it", "yes"])
def test_it_keeps_very_short_turns_out_of_semantic_lookup(text: str) -> None:
    assert not is_eligible_for_semantic(text)


@pytest.mark.parametrize("text", ["What is the capital of France?", "Explain closures in JavaScript."])
def test_it_lets_real_questions_into_semantic_lookup(text: str) -> None:
    assert is_eligible_for_semantic(text)


def test_it_documents_the_default_threshold_where_the_constant_points() -> None:
    doc = Path(__file__).resolve().parents[2] / "docs" / "semantic-threshold.md"
    assert f"`DEFAULT_SIMILARITY_THRESHOLD = {DEFAULT_SIMILARITY_THRESHOLD}`" in doc.read_text()
