"""The language stage: text the English rules cannot read is judged strictly, never misread.

The questions in other languages here are written for these tests; none is in
semantic_cache/eval_data/. The English side uses every text of the labelled sets.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proxy.outcomes import Verdict
from proxy.verifier_spec import DEFAULT_VERIFIER
from semantic_cache.embedder import DEFAULT_EMBEDDING_MODEL, Embedder, load_embedder
from semantic_cache.verification.language import Readability, readability
from semantic_cache.verification.registry import Verifiers
from semantic_cache.verification.strict import normalised_words

EVAL_DATA = Path(__file__).resolve().parents[2] / "semantic_cache" / "eval_data"
KM_IN_A_MILE = "¿Cuántos kilómetros hay en una milla?"
MILES_IN_A_KM = "¿Cuántas millas hay en un kilómetro?"


@pytest.fixture(scope="module")
def real_embedder(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    return load_embedder(DEFAULT_EMBEDDING_MODEL, tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def verifiers(real_embedder: Embedder) -> Verifiers:
    return Verifiers(DEFAULT_VERIFIER, real_embedder)


def test_a_spanish_question_and_its_reversed_conversion_are_a_miss(verifiers: Verifiers) -> None:
    (verdict,) = verifiers.default.verify(KM_IN_A_MILE, [MILES_IN_A_KM])
    assert verdict == Verdict(False, "language", "different_words: query not English (vocabulary)")
    (verdict,) = verifiers.default.verify(MILES_IN_A_KM, [KM_IN_A_MILE])
    assert not verdict.accepted


def test_without_the_language_stage_the_english_rules_misread_that_pair(verifiers: Verifiers) -> None:
    # The fault this stage fixes: "kilómetros" is no unit and "en" no connector to the rules.
    (verdict,) = verifiers.chain("guards,words").verify(KM_IN_A_MILE, [MILES_IN_A_KM])
    assert verdict.accepted


def test_the_same_question_written_another_way_still_hits(verifiers: Verifiers) -> None:
    (verdict,) = verifiers.default.verify(KM_IN_A_MILE, ["cuantos KILOMETROS hay en una milla"])
    assert verdict == Verdict(True, "language", "same_words: query not English (vocabulary)")


def test_an_english_query_against_a_foreign_candidate_is_judged_strictly(verifiers: Verifiers) -> None:
    (verdict,) = verifiers.default.verify("How many kilometres are in a mile?", [KM_IN_A_MILE])
    assert verdict == Verdict(False, "language", "different_words: candidate not English (vocabulary)")


def test_english_pairs_go_on_to_the_english_rules(verifiers: Verifiers) -> None:
    (verdict,) = verifiers.default.verify("How many kilometers are in a mile?", ["How many miles are in a kilometer?"])
    assert verdict.stage == "guards"


@pytest.mark.parametrize(
    "text",
    [
        KM_IN_A_MILE,
        "¿Cómo convierto grados Celsius a Fahrenheit?",
        "como invertir una lista en python",
        "Wie viele Kilometer hat eine Meile?",
        "Wie kann ich eine Liste in Python umkehren?",
        "Combien de kilomètres y a-t-il dans un mile ?",
        "Comment inverser une liste en Python ?",
        "Quanti chilometri ci sono in un miglio?",
        "Como posso inverter uma lista em Python?",
        "Hur många kilometer är en mil?",
        "Jak odwrócić listę w Pythonie?",
    ],
)
def test_it_cannot_read_latin_script_text_in_other_languages(text: str) -> None:
    assert readability(text) == Readability(False, "vocabulary")


@pytest.mark.parametrize(
    "text",
    [
        "如何在Python中反转列表？",
        "Python でリストを逆順にする方法",
        "Как перевернуть список в Python?",
        "Τι ώρα είναι τώρα στην Αθήνα;",
    ],
)
def test_it_cannot_read_other_scripts(text: str) -> None:
    assert readability(text) == Readability(False, "script")


@pytest.mark.parametrize(
    "text",
    [
        "nginx force https redirect",
        "tcp vs udp",
        "How do I make a café latte at home?",
        "What's the population of São Paulo?",
        "kubectl show runing pods in a namespace",
    ],
)
def test_english_with_names_terms_accents_and_typos_is_readable(text: str) -> None:
    assert readability(text).readable


def test_every_english_text_of_the_labelled_sets_is_readable() -> None:
    texts = {
        text
        for path in sorted(EVAL_DATA.glob("*.jsonl"))
        for row in map(json.loads, path.read_text().splitlines())
        for text in (row["a"], row["b"])
    }
    assert len(texts) > 3000
    assert [t for t in texts if not readability(t).readable] == []


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("¿Cuántos kilómetros hay en una milla?", "cuantos kilometros hay en una milla", True),
        ("Grüße aus Köln", "GRÜSSE aus Koln", True),  # casefold makes "ß" "ss"
        ("Grüße aus Köln", "Grüße aus Bonn", False),
        ("如何在Python中反转列表？", "如何在Python中反转列表", True),
        ("Wie viele Kilometer hat eine Meile?", "Wie viele Meilen hat ein Kilometer?", False),
        ("a  b\tc", "A B C!", True),
    ],
)
def test_the_strict_judgement_sets_aside_only_case_accents_punctuation_and_spacing(a: str, b: str, same: bool) -> None:
    assert (normalised_words(a) == normalised_words(b)) is same
