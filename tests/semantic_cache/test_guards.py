"""False-hit guards: each case is checked in both orders, since the guards must be symmetric."""

from __future__ import annotations

from pathlib import Path

import pytest

from semantic_cache.guards import (
    _SIDES_BY_WORD,
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
    ("What does os.path.join do?", "What does os.path.exists do?", "entities"),
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


# Opposites the near-miss data does not contain: the rules must hold for pairs like these
# in general, not only for the ones the guards were tuned on.
OPPOSITES = [
    # verb + particle, the particle next to the verb or after its object
    ("How do I zoom in on a map?", "How do I zoom out on a map?"),
    ("How do I log in to Gmail?", "How do I log out of Gmail?"),
    ("How do I sign into Slack?", "How do I sign out of Slack?"),
    ("Turn the heating on", "Turn the heating off"),
    ("turn off bluetooth on my phone", "turn on bluetooth on my phone"),
    ("How do I scale up a Kubernetes deployment?", "How do I scale down a Kubernetes deployment?"),
    ("How do I opt in to marketing emails?", "How do I opt out of marketing emails?"),
    ("How to move forward in vim", "How to move backward in vim"),
    # antonym verbs and adjectives, in any inflection
    ("How do I raise the volume on my TV?", "How do I lower the volume on my TV?"),
    ("How do I increase the font size?", "How do I make the font smaller?"),
    ("How do I encrypt a file with gpg?", "How do I decrypt a file with gpg?"),
    ("Compressing a folder on a Mac", "Decompressing a folder on a Mac"),
    ("How do I upload a photo to Instagram?", "How do I download a photo from Instagram?"),
    ("How do I import a CSV into Excel?", "How do I export a CSV from Excel?"),
    ("How do I push to a remote branch?", "How do I pull from a remote branch?"),
    ("How do I mount a USB drive on Linux?", "How do I unmount a USB drive on Linux?"),
    ("How do I start a docker container?", "How do I stop a docker container?"),
    ("How do I add a column in pandas?", "How do I delete a column in pandas?"),
    ("What's the minimum wage in Texas?", "What's the maximum wage in Texas?"),
    ("Get the oldest file in a folder", "Get the newest file in a folder"),
    ("What should I do before an interview?", "What should I do after an interview?"),
    ("How do I buy Bitcoin?", "How do I sell Bitcoin?"),
    ("How do I win at chess?", "How do I lose at chess?"),
    ("Why is my phone battery draining so fast?", "Why is my phone battery draining so slowly?"),
    ("What's the upper bound of binary search?", "What's the lower bound of binary search?"),
    # un- / dis- / de- / in- and other prefix swaps, listed or not
    ("How to pin a message in Slack", "How to unpin a message in Slack"),
    ("Why do cats like water?", "Why do cats dislike water?"),
    ("How do I activate a virtualenv?", "How do I deactivate a virtualenv?"),
    ("How do I select all cells?", "How do I deselect all cells?"),
    ("Is this a valid email address?", "Is this an invalid email address?"),
    ("Are strings mutable in Python?", "Are strings immutable in Python?"),
    ("What is a case-sensitive search?", "What is a case-insensitive search?"),
    ("Is the list non-empty?", "Is the list empty?"),
    ("What is upstream in git?", "What is downstream in git?"),
    ("Why is my model overfitting?", "Why is my model underfitting?"),
    ("What is pre-order traversal?", "What is post-order traversal?"),
    # a phrasal verb against a single word
    ("How do I enable the firewall?", "How do I turn off the firewall?"),
    ("How do I raise the volume?", "How do I turn the volume down?"),
]

# The same relation read the other way round.
REVERSED = [
    ("Convert Celsius to Fahrenheit", "Convert Fahrenheit to Celsius"),
    ("Convert a string to an int in Go", "Convert an int to a string in Go"),
    ("Convert strings to ints", "Convert an int to a string"),
    ("Translate this from English to French", "Translate this from French to English"),
    ("Flights from London to Paris", "Flights from Paris to London"),
    ("How many cups are in a liter?", "How many liters are in a cup?"),
    ("Is Python faster than Java?", "Is Java faster than Python?"),
    ("Convert PDF -> Word", "Convert Word -> PDF"),
    ("Convert to JSON from YAML", "Convert JSON to YAML"),
    ("Count from 1 to 10", "Count from 10 to 1"),
]

# Paraphrases that use words from the opposite lists: same-side synonyms, words both texts
# share, a noun that happens to be on the other side, and the same direction said differently.
SAME_SIDE = [
    ("How do I raise the volume on my TV?", "How do I increase the volume on my TV?"),
    ("How do I make the font bigger?", "How do I increase the font size?"),
    ("How do I reduce my electricity bill?", "How can I lower my electricity bill?"),
    ("How do I delete a file in Linux?", "How can I remove a file on Linux?"),
    ("How do I kill a process?", "How can I terminate a process?"),
    ("How do I quit vim?", "How do I exit vim?"),
    ("How do I turn on dark mode?", "How do I enable dark mode?"),
    ("How do I turn off bluetooth on my phone?", "How do I disable bluetooth on my phone?"),
    ("How do I zoom in on a PDF?", "How can I zoom into a PDF?"),
    ("How do I log in to Gmail?", "How can I sign in to Gmail?"),
    ("Turn on the light in the kitchen", "Switch the kitchen light on"),
    ("How do I find out my IP in Linux?", "How do I check my IP in Linux?"),
    ("How do I unzip a file on Linux?", "How do I extract a zip file on Linux?"),
    ("What are the benefits of exercise?", "What are the advantages of exercising?"),
    ("How do I speed up my laptop?", "How can I make my laptop faster?"),
    ("What's the difference between push and pull in git?", "git pull vs push: what is the difference?"),
    ("Convert a list to a set in Python", "Turn a Python list into a set"),
    ("How far away is the Moon from the Earth?", "What is the distance from the Earth to the Moon?"),
    ("How do I copy files to my PC from my phone?", "How do I copy files from my phone to my PC?"),
    ("What's 5 feet in cm?", "Convert 5 ft to centimeters"),
]


@pytest.mark.parametrize(("a", "b"), OPPOSITES)
def test_it_blocks_opposite_pairs_in_both_orders(a: str, b: str) -> None:
    forward, backward = guards_agree(a, b), guards_agree(b, a)
    assert not forward
    assert not backward
    assert "opposite" in forward.reason


@pytest.mark.parametrize(("a", "b"), REVERSED)
def test_it_blocks_a_reversed_direction_in_both_orders(a: str, b: str) -> None:
    forward, backward = guards_agree(a, b), guards_agree(b, a)
    assert not forward
    assert not backward
    assert "direction" in forward.reason


@pytest.mark.parametrize(("a", "b"), SAME_SIDE)
def test_it_lets_same_side_synonyms_and_shared_words_through(a: str, b: str) -> None:
    forward, backward = guards_agree(a, b), guards_agree(b, a)
    assert forward, forward.reason
    assert backward, backward.reason


def test_a_word_both_texts_share_does_not_count_as_a_side() -> None:
    # "decrease" is in both, so only "increase" differs, and it has nothing to oppose.
    assert guards_agree("Should I increase or decrease the dose?", "When should I decrease the dose?")


def test_it_names_the_words_that_differ() -> None:
    assert guards_agree("How do I zoom in on a PDF?", "How do I zoom out on a PDF?").reason == (
        "opposites differ: zoom in vs zoom out"
    )
    assert guards_agree("Convert Celsius to Fahrenheit", "Convert Fahrenheit to Celsius").reason == (
        "direction differs: celsius to fahrenheit vs fahrenheit to celsius"
    )


def test_no_word_sits_on_both_sides_of_one_opposite_pair() -> None:
    # Generated verb forms could collide ("lower" + "s" on one side, "lowers" on the other).
    for word, memberships in _SIDES_BY_WORD.items():
        pairs = [pair for pair, _ in memberships]
        assert len(pairs) == len(set(pairs)), word


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
