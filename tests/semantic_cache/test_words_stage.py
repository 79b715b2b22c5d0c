"""The content-word stage ("words") after the guards: decisions with the REAL model, cache and batching with a fake.

None of these pairs is in semantic_cache/eval_data/: the rules must hold for questions they
were not tuned on. Each decision is checked in both orders, as the guards are.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from semantic_cache.embedder import (
    DEFAULT_EMBEDDING_MODEL,
    Embedder,
    FloatMatrix,
    HashingTestEmbedder,
    load_embedder,
)
from semantic_cache.verification.lexical.checks import guards_agree
from semantic_cache.verification.lexical.result import GuardResult
from semantic_cache.verification.words import check, spelling, tables
from semantic_cache.verification.words import content as words_content
from semantic_cache.verification.words.vectors import WordVectors


@pytest.fixture(scope="module")
def real_embedder(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    return load_embedder(DEFAULT_EMBEDDING_MODEL, tmp_path_factory.mktemp("models"))


# The stage's word-vector cache, emptied around each test.
word_vectors = WordVectors(8192)


def verify(a: str, b: str, embedder: Embedder) -> GuardResult:
    return check.verify(a, b, embedder, word_vectors)


@pytest.fixture(autouse=True)
def empty_word_cache() -> Iterator[None]:
    tables.load()
    word_vectors.clear()
    yield
    word_vectors.clear()


class CountingEmbedder(HashingTestEmbedder):
    """The hashing embedder, recording every batch it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> FloatMatrix:
        self.batches.append(list(texts))
        return super().embed(texts)


# One question asks for something the other does not: an added qualifier, or another thing
# in the same slot. The reason names the words without a counterpart, query's side first.
DIFFERENT = [
    ("What is the population of Brazil?", "What is the population density of Brazil?", "unmatched: -/density"),
    (
        "What is the average salary of a nurse?",
        "What is the average starting salary of a nurse?",
        "unmatched: -/starting",
    ),
    ("How do I delete a tag in git?", "How do I delete only the remote tags in git?", "unmatched: -/only,remote"),
    (
        "What are the side effects of melatonin for kids?",
        "What are the side effects of melatonin?",
        "unmatched: kids/-",
    ),
    ("How do I rename a sheet in Excel?", "How do I rename every sheet in an Excel workbook?", "unmatched: -/workbook"),
    ("What is the melting point of gold?", "What is the boiling point of gold?", "unmatched: melting/boiling"),
    ("How do I grill salmon?", "How do I marinate salmon?", "unmatched: grill/marinate"),
    ("How do I mute a channel in Slack?", "How do I mute a thread in Slack?", "unmatched: channel/thread"),
    ("What is the shipping cost to Canada?", "What is the shipping time to Canada?", "unmatched: cost/time"),
    # Words built from one shared part: close vectors, different things.
    ("How do I clean my keyboard?", "How do I clean my dashboard?", "unmatched: keyboard/dashboard"),
    ("How do I delete a folder in Linux?", "How do I delete a subfolder in Linux?", "unmatched: folder/subfolder"),
    # generic verbs of different groups stay different
    ("How do I create a pull request?", "How do I close a pull request?", "unmatched: create/close"),
    # a kind of question on one side only
    ("How fast does a cheetah run?", "How far does a cheetah run?", "unmatched: fast/far"),
    # an added word that is no field word stays a difference, implied or not
    ("How do I paint a house?", "How do I paint the roof of a house?", "unmatched: -/roof"),
    # a hyphenated qualifier is one content word, whatever its parts are alone
    (
        "What is the average salary for part-time nurses?",
        "What is the average salary for nurses?",
        "unmatched: part-time/-",
    ),
    ("How do I build a real-time chat app?", "How do I build a chat app?", "unmatched: real-time/-"),
    ("What is the tax on short-term rentals?", "What is the tax on rentals?", "unmatched: short-term/-"),
]

# Paraphrases: filler, synonyms, typos, abbreviations, a generic noun added, one kind of
# question asked two ways.
SAME = [
    ("Hi, could you please tell me how to boil rice?", "How do I boil rice?"),
    ("What is the quickest way to learn Spanish?", "What is the fastest way to learn Spanish?"),
    ("What is the largest lake in Canada?", "Which is the biggest lake in Canada?"),
    ("How do I uninstall Zoom on a Mac?", "How can I remove Zoom from my Mac?"),
    ("How do I resize an image in Photoshop?", "how to resise an image in photoshop"),
    ("How do I set an env variable in bash?", "How do I set an environment variable in bash?"),
    ("How do I quit nano?", "How do I quit the nano editor?"),
    ("What year did the Titanic sink?", "When did the Titanic sink?"),
    ("What causes hiccups?", "Why do we get hiccups?"),
    ("How long does it take to charge a Tesla?", "How many hours does it take to charge a Tesla?"),
    # synonym groups of generic verbs
    ("How do I make a bar chart in Matplotlib?", "How can I create a bar chart in Matplotlib?"),
    ("How do I view the crontab of a user?", "How do I see the crontab of a user?"),
    ("How do I turn a tuple into a list?", "How do I convert a tuple into a list?"),
    ("How do I terminate a tmux session?", "How do I kill a tmux session?"),
    ("What is the current time in UTC?", "What is the time now in UTC?"),
    # frames: tips, reasons, purpose, measures, the question noun
    ("tips for writing a eulogy", "How do I write a eulogy?"),
    ("reasons for the decline of the Ottoman Empire", "Why did the Ottoman Empire decline?"),
    ("What is Ansible used for?", "What is the purpose of Ansible?"),
    ("How fast does sound travel in water?", "What is the speed of sound in water?"),
    ("How many people live in Lagos?", "What is the population of Lagos?"),
    ("Which scientist discovered penicillin?", "Who discovered penicillin?"),
    ("What is the capital of Peru?", "Which city is the capital of Peru?"),
    # typos the vectors miss, and a negated privative verb
    ("How do I reset my keybord settings?", "How do I reset my keyboard settings?"),
    ("wich blender is best for smoothies", "Which blender is best for smoothies?"),
    ("How do I rebase without losing my commits?", "How do I rebase but keep my commits?"),
    # misspelt form words, other names for one thing, modal adjectives
    ("whats the diffrence between a lake and a pond", "What is the difference between a lake and a pond?"),
    ("how to calcualte compound interest", "How do I calculate compound interest?"),
    ("regex for a US zip code", "What regular expression can I use for a US zip code?"),
    ("How do I dedupe rows in Excel?", "How do I remove duplicate rows in Excel?"),
    ("Is it possible to freeze cooked rice?", "Can I freeze cooked rice?"),
    ("What is the melting point of lead?", "At what temperature does lead melt?"),
    ("How do I patch a hole in a bike tire?", "How do I fix a hole in a bike tire?"),
    # a field word added that the other side's words imply
    ("How do I round corners with border-radius?", "How do I round corners with border-radius in CSS?"),
    ("How do I check my installed Ruby version?", "How do I check my Ruby version?"),
    ("How do I delete my most recent tweet?", "How do I delete my last tweet?"),
    ("What is the big-O running time of heapsort?", "What is the time complexity of heapsort?"),
    ("How do I apply for a UK visa by post?", "What is the process to apply for a UK visa by post?"),
    # a hyphenated compound said by its parts
    ("What are the long-term effects of caffeine?", "long term effects of caffeine"),
    # requests are made, sent or issued; emphasis; "the best time to" asks when
    ("How do I send a POST request with curl?", "How do I make a POST request with curl?"),
    ("What are the key differences between a crocodile and an alligator?", "crocodile vs alligator difference"),
    ("How do I learn chess as a complete beginner?", "How do I learn chess as a beginner?"),
    ("When should I prune roses?", "What is the best time to prune roses?"),
    # prepositions, light verbs, common slips
    ("How do I cancel a job given its id in Slurm?", "How do I cancel a job by its id in Slurm?"),
    ("How long should I let bread dough rise?", "How long should bread dough rise?"),
    ("is a visa requried for Peru", "Do I need a visa for Peru?"),
    ("whats teh capital of Chile", "What is the capital of Chile?"),
    # tools and short forms read as what they name
    ("how do i plot a df column in pandas", "How do I plot a DataFrame column in pandas?"),
    ("What is gradient descent in ML?", "What is gradient descent in machine learning?"),
    ("How do I delete a pod with kubectl?", "How do I delete a pod in Kubernetes?"),
    ("What is a gerund in English?", "What is a gerund?"),
    # a synonym read as a preposition ("using"), what led to the question, "which season"
    ("How do I see what is listening on port 5432 on macOS?", "How do I see what is using port 5432 on macOS?"),
    ("I forgot my PIN, how do I change it?", "How do I change my PIN?"),
    ("Which season is best for visiting Patagonia?", "What is the best time to visit Patagonia?"),
    ("How many kilomters is a marathon?", "How many kilometers is a marathon?"),
]


@pytest.mark.parametrize(("a", "b", "reason"), DIFFERENT)
def test_it_rejects_content_one_side_lacks_in_both_orders(a: str, b: str, reason: str, real_embedder: Embedder) -> None:
    assert guards_agree(a, b), "the guards already tell these apart: not a test of the verifier"
    result = verify(a, b, real_embedder)
    assert result == GuardResult(False, reason)
    assert not verify(b, a, real_embedder)


@pytest.mark.parametrize(("a", "b"), SAME)
def test_it_lets_paraphrases_through_in_both_orders(a: str, b: str, real_embedder: Embedder) -> None:
    assert verify(a, b, real_embedder) == GuardResult(True)
    assert verify(b, a, real_embedder) == GuardResult(True)


def test_it_agrees_without_embedding_when_every_content_word_is_shared() -> None:
    fake = CountingEmbedder()
    assert verify("How do I boil rice?", "Can you explain how to boil rice, please?", fake)
    assert fake.batches == []


def test_an_added_qualifier_is_a_difference_without_embedding_anything() -> None:
    fake = CountingEmbedder()
    assert verify("What is the GNP of Chile?", "What is the GNP per head of Chile?", fake) == GuardResult(
        False, "unmatched: -/head"
    )
    assert fake.batches == []


def test_an_added_generic_noun_or_light_verb_is_no_difference() -> None:
    fake = CountingEmbedder()
    assert verify("What does the acronym SCUBA stand for?", "What does SCUBA mean?", fake)
    assert verify("How do I take a screenshot on a Chromebook?", "How do I screenshot on a Chromebook?", fake)
    assert fake.batches == []


def test_it_embeds_all_the_words_of_one_check_in_one_batch_and_then_none() -> None:
    fake = CountingEmbedder()
    a, b = "How do I peel a mango quickly?", "What is the fastest way to slice a papaya?"
    verify(a, b, fake)
    assert len(fake.batches) == 1
    assert set(fake.batches[0]) >= {"peel", "mango", "slice", "papaya"}
    verify(a, b, fake)
    verify(b, a, fake)
    assert len(fake.batches) == 1


def test_the_word_cache_forgets_the_least_recently_used_words_first() -> None:
    fake = CountingEmbedder()
    cache = WordVectors(size=3)
    cache.get(fake, ["alpha", "beta", "gamma"])
    cache.get(fake, ["alpha"])  # now the most recently used
    cache.get(fake, ["delta"])
    assert len(cache) == 3
    fake.batches.clear()
    cache.get(fake, ["alpha", "gamma", "delta"])
    assert fake.batches == []
    cache.get(fake, ["beta"])
    assert fake.batches == [["beta"]]


def test_the_word_cache_keeps_models_apart() -> None:
    cache = WordVectors(size=10)
    one, other = CountingEmbedder(), CountingEmbedder()
    other.model_name = "test/another-model"
    cache.get(one, ["mango"])
    cache.get(other, ["mango"])
    assert one.batches == [["mango"]]
    assert other.batches == [["mango"]]


@pytest.mark.parametrize(
    ("a", "b", "alike"),
    [
        ("revrese", "reverse", True),  # two letters swapped
        ("pyton", "python", True),  # one letter missing
        ("env", "environment", True),  # abbreviation
        ("config", "configuration", True),
        ("tall", "fall", False),  # too short to be a typo
        ("ankle", "angle", True),  # spelled alike; the vectors decide (they are far apart)
        ("js", "json", False),  # a two-letter prefix says nothing
    ],
)
def test_it_knows_typos_and_abbreviations(a: str, b: str, alike: bool) -> None:
    assert spelling.spelled_alike(a, b) is alike
    assert spelling.spelled_alike(b, a) is alike


@pytest.mark.parametrize(
    ("a", "b", "typo"),
    [
        ("recieve", "receive", True),  # two letters swapped
        ("enviroment", "environment", True),  # one letter missing
        ("casual", "causal", True),  # spelled alike: the vectors decide (TYPO_FLOOR)
        ("ethanol", "methanol", False),  # another first letter
        ("cart", "card", False),  # too short
    ],
)
def test_it_knows_slips_of_the_keyboard(a: str, b: str, typo: bool) -> None:
    assert spelling.typo(a, b) is typo
    assert spelling.typo(b, a) is typo


def test_misspelt_question_words_are_no_content() -> None:
    assert {"wich", "whta", "wehre"} <= tables.FILLER_TYPOS
    assert "cold" not in tables.FILLER_TYPOS


def test_synonym_groups_match_inflected_words() -> None:
    assert (
        words_content.leftovers(words_content.content("how to build a shed"), words_content.content("making a shed"))
        == []
    )
    assert words_content.leftovers(
        words_content.content("fix the printer"), words_content.content("print the file")
    ) == [
        "fix",
        "printer",
    ]


@pytest.mark.parametrize(
    ("a", "b", "contrasting"),
    [
        ("teaspoon", "tablespoon", True),
        ("keyboard", "dashboard", True),
        ("calorie", "kilocalorie", True),
        ("overbought", "oversold", True),
        ("upgrade", "update", True),
        ("largest", "biggest", False),  # a shared "-est" is no shared part
        ("dictionary", "dictionaries", False),
        ("dehydration", "dehydrated", False),
        ("frequently", "frequency", False),
    ],
)
def test_it_tells_words_built_from_one_shared_part(a: str, b: str, contrasting: bool) -> None:
    assert check.contrasting(a, b) is contrasting
    assert check.contrasting(b, a) is contrasting


def test_it_leaves_what_the_guards_compare_to_the_guards() -> None:
    # Numbers, units and negations are the guards' business, so they are no content words;
    # names are kept aside and left out when the two sides are lined up.
    content = words_content.content("At what temperature in °F does water not boil at 2,000 ft in Denver?")
    assert content.words == ("temperature", "water", "boil", "denver")
    assert content.names == {"denver"}
    # "AWS" on one side only: the guards let it pass (S3 implies it), so it is no difference here.
    a, b = "How do I create a bucket in S3?", "How do I create an AWS S3 bucket?"
    assert guards_agree(a, b)
    assert verify(a, b, CountingEmbedder())


def test_form_word_typos_skip_real_words() -> None:
    assert tables.FORM_WORD_TYPOS["recomended"] == "recommended"
    assert tables.FORM_WORD_TYPOS["substitue"] == "substitute"
    assert "lunch" not in tables.FORM_WORD_TYPOS  # a word, not a slip for "launch"
    assert "crate" not in tables.FORM_WORD_TYPOS


def test_phrases_are_read_as_their_plain_words() -> None:
    assert words_content.rewrite_phrases(("a", "regex", "for", "big", "o")) == (
        "a",
        "regular",
        "expression",
        "for",
        "time",
        "complexity",
    )
    assert words_content.rewrite_phrases(("on", "the", "command", "line")) == ("on", "the", "command")


def test_hyphenated_compounds_are_one_word_unless_filler() -> None:
    content = words_content.content("A step-by-step how-to for low-fat gluten-free muffins")
    assert "low-fat" in content.words
    assert "step-by-step" not in content.words and "how-to" not in content.words
    assert "gluten-free" not in content.words  # the guards read "-free" as a negation
    assert "low" not in content.words and "fat" not in content.words


def test_ml_is_machine_learning_only_as_a_name() -> None:
    assert words_content.content("What is ML?").words == ("machine", "learning")
    assert "machine" not in words_content.content("How much is 5 ml of syrup?").words


def test_short_unit_words_have_no_typos() -> None:
    assert tables.FORM_WORD_TYPOS["farenheit"] == "fahrenheit"
    assert "ponds" not in tables.FORM_WORD_TYPOS  # a word, not a slip for "pounds"
    assert "moths" not in tables.FORM_WORD_TYPOS
