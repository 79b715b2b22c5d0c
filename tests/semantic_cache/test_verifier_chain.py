"""The semantic verifier's one interface: a chain of stages, configured by name, built once.

Stage order, the stage and reason on each verdict, per-route chains, and bad configuration
refused in each place it can be written (the setting, the route file, admin).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.forms import modelform_factory

from layercache_site.env import envparsed
from proxy.models import ModelRoute
from proxy.outcomes import Verdict
from proxy.route_config import RouteConfigError, apply_config, parse_config
from proxy.verifier_spec import DEFAULT_VERIFIER, VerifierSpecError, parse_verifier_spec, validate_verifier_spec
from semantic_cache.embedder import HashingTestEmbedder
from semantic_cache.verification.chain import ALL_AGREE, Chain
from semantic_cache.verification.registry import Verifiers, build_chain


class Recording:
    """A stage that returns a fixed decision and records what it was asked."""

    def __init__(self, name: str, decision: bool | None, calls: list[str]) -> None:
        self.name, self.decision, self.calls = name, decision, calls

    def judge(self, query: str, candidate: str) -> Verdict | None:
        self.calls.append(f"{self.name}:{candidate}")
        return None if self.decision is None else Verdict(self.decision, self.name, "fixed")


def test_it_runs_the_stages_in_order_and_the_first_to_decide_names_itself() -> None:
    calls: list[str] = []
    chain = Chain([Recording("one", None, calls), Recording("two", False, calls), Recording("three", True, calls)])
    assert chain.verify("q", ["c"]) == [Verdict(False, "two", "fixed")]
    assert calls == ["one:c", "two:c"]  # the third stage never ran


def test_a_candidate_every_stage_passes_on_is_accepted_by_the_last_stage() -> None:
    calls: list[str] = []
    chain = Chain([Recording("one", None, calls), Recording("two", None, calls)])
    assert chain.verify("q", ["c"]) == [Verdict(True, "two", ALL_AGREE)]


def test_it_gives_one_verdict_per_candidate_in_order() -> None:
    chain = build_chain(("language", "guards"), None)
    verdicts = chain.verify("What is 15% of 80?", ["What is 15% of 80?", "What is 15% of 90?", "What's 15% of 80?"])
    assert [v.accepted for v in verdicts] == [True, False, True]
    assert verdicts[1] == Verdict(False, "guards", "numbers_differ: ['15', '80'] vs ['15', '90']")


def test_the_default_chain_names_the_stage_and_reason_that_turned_a_candidate_away() -> None:
    chain = Verifiers(DEFAULT_VERIFIER, HashingTestEmbedder()).default
    assert chain.names == ("language", "guards", "words")
    opposite, added = chain.verify(
        "How do I zoom in on a PDF?", ["How do I zoom out on a PDF?", "How do I zoom in on a PDF quickly at night?"]
    )
    assert opposite == Verdict(False, "guards", "opposites_differ: zoom in vs zoom out")
    assert added == Verdict(False, "words", "unmatched: -/night")
    (same,) = chain.verify("How do I zoom in on a PDF?", ["how do i zoom in on a pdf"])
    assert same == Verdict(True, "words", ALL_AGREE)


def test_each_route_gets_its_own_chain_built_once_and_blank_means_the_default() -> None:
    verifiers = Verifiers(DEFAULT_VERIFIER, HashingTestEmbedder())
    assert verifiers.for_route("") is verifiers.default
    assert verifiers.for_route("  ") is verifiers.default
    strict = verifiers.for_route("strict")
    assert strict.names == ("strict",)
    assert verifiers.for_route("strict") is strict
    assert verifiers.for_route("language, guards ,words") is verifiers.default  # one chain per list of names
    (verdict,) = strict.verify("What is 15% of 80?", ["What's 15% of 80?"])
    assert verdict == Verdict(False, "strict", "different_words")  # "what's" is not "what is" to it


def test_the_chains_of_one_process_share_one_word_vector_cache() -> None:
    verifiers = Verifiers(DEFAULT_VERIFIER, HashingTestEmbedder())
    other = verifiers.for_route("guards,words")
    assert other.stages[-1].word_vectors is verifiers.default.stages[-1].word_vectors  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "name at least one stage"),
        ("guards,nope", "unknown stage 'nope'"),
        ("guards,,words", "empty stage name"),
        ("guards,guards", "named twice"),
        ("strict,guards", "nothing may follow it"),
        ("guards,language", "'language' must come before"),
        ("words", "put 'guards' before it"),
        ("language,words,guards", "put 'guards' before it"),
    ],
)
def test_it_refuses_a_chain_that_cannot_work(spec: str, message: str) -> None:
    with pytest.raises(VerifierSpecError, match=message):
        parse_verifier_spec(spec)


@pytest.mark.parametrize("spec", ["language,guards,words", "strict", "language,strict", "guards", "Guards, Words"])
def test_it_accepts_the_chains_that_can(spec: str) -> None:
    assert parse_verifier_spec(spec) == tuple(n.strip().lower() for n in spec.split(","))


def test_a_malformed_setting_stops_the_process_with_the_variable_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAYERCACHE_SEMANTIC_VERIFIER", "language,guards,wrods")
    with pytest.raises(ImproperlyConfigured, match="LAYERCACHE_SEMANTIC_VERIFIER: unknown stage 'wrods'"):
        envparsed("LAYERCACHE_SEMANTIC_VERIFIER", DEFAULT_VERIFIER, parse_verifier_spec)
    monkeypatch.delenv("LAYERCACHE_SEMANTIC_VERIFIER")
    assert envparsed("LAYERCACHE_SEMANTIC_VERIFIER", DEFAULT_VERIFIER, parse_verifier_spec) == (
        "language",
        "guards",
        "words",
    )


def test_the_settings_default_is_the_chain_the_guards_and_words_stages_were_measured_with() -> None:
    from django.conf import settings

    assert settings.LAYERCACHE_SEMANTIC_VERIFIER == ("language", "guards", "words")


def test_the_route_file_refuses_an_unknown_stage_naming_route_and_field() -> None:
    text = "routes:\n  - name: gpt\n    model: openai/gpt-4o\n    semantic_verifier: guards,magic\n"
    with pytest.raises(RouteConfigError, match=r"route 'gpt': 'semantic_verifier': unknown stage 'magic'"):
        parse_config(text)


@pytest.mark.django_db
def test_the_route_file_sets_a_routes_chain() -> None:
    apply_config(parse_config("routes:\n  - name: gpt\n    model: openai/gpt-4o\n    semantic_verifier: strict\n"))
    assert ModelRoute.objects.get(name="gpt").semantic_verifier == "strict"


@pytest.mark.django_db
def test_admin_refuses_to_save_a_route_with_an_unknown_stage() -> None:
    form_class: Any = modelform_factory(ModelRoute, fields=["name", "model", "semantic_verifier"])
    form = form_class(data={"name": "gpt", "model": "openai/gpt-4o", "semantic_verifier": "language,guesswork"})
    assert not form.is_valid()
    assert "unknown stage 'guesswork'" in form.errors["semantic_verifier"][0]
    form = form_class(data={"name": "gpt", "model": "openai/gpt-4o", "semantic_verifier": ""})
    assert form.is_valid(), form.errors


def test_the_validator_allows_blank_for_the_default() -> None:
    validate_verifier_spec("")
    with pytest.raises(ValidationError):
        validate_verifier_spec("nope")


def test_the_words_stage_cannot_be_built_without_an_embedder() -> None:
    with pytest.raises(VerifierSpecError, match="needs the embedding model"):
        build_chain(("guards", "words"), None)


@pytest.mark.django_db
def test_the_route_snapshot_carries_the_routes_chain() -> None:
    from proxy.directory import _load_routes

    ModelRoute.objects.create(name="careful", model="openai/gpt-4o", semantic_verifier="strict")
    ModelRoute.objects.create(name="plain", model="openai/gpt-4o")
    routes = _load_routes()
    assert routes["careful"].semantic_verifier == "strict"
    assert routes["plain"].semantic_verifier == ""


def test_the_admin_form_shows_the_field() -> None:
    from django.contrib import admin

    model_admin = admin.site._registry[ModelRoute]
    assert "semantic_verifier" in model_admin.get_form(None).base_fields  # type: ignore[arg-type]
