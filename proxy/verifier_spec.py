"""Which semantic verifier a route uses, as configuration: a comma-separated chain of stages.

`LAYERCACHE_SEMANTIC_VERIFIER` (the default chain) and a route's `semantic_verifier` field
(blank = the default) are written in this small language, checked here, below every app, so
settings, the route YAML file and admin refuse a bad value the same way. What each stage does
is in semantic_cache/verification/; this module only knows their names and order rules.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

STAGES = {
    "language": "texts the English rules cannot read (another language or script) are judged strictly",
    "strict": "accepts only the same words (case, accents, punctuation and spacing aside)",
    "guards": "lexical rules: numbers, units, negation, opposites, direction, names, ...",
    "words": "every content word needs a counterpart (word vectors of the embedding model)",
}
DEFAULT_VERIFIER = "language,guards,words"


class VerifierSpecError(ValueError):
    pass


def parse_verifier_spec(text: str) -> tuple[str, ...]:
    """The stage names of `text` ("language,guards,words"), in order, or VerifierSpecError
    saying what is wrong. Stages that could never decide, or would read what they cannot, are
    refused: nothing may follow "strict" (it decides every candidate), "language" must come
    before the stages that read English, and "words" leaves numbers, units, negations and
    names to "guards", so it needs "guards" before it."""
    names = tuple(part.strip().lower() for part in text.split(","))
    if names == ("",):
        raise VerifierSpecError("name at least one stage, e.g. " + DEFAULT_VERIFIER)
    for name in names:
        if not name:
            raise VerifierSpecError(f"empty stage name in {text!r}")
        if name not in STAGES:
            raise VerifierSpecError(f"unknown stage {name!r} in {text!r}; known stages: {', '.join(STAGES)}")
    if len(set(names)) != len(names):
        raise VerifierSpecError(f"a stage is named twice in {text!r}")
    if "strict" in names and names[-1] != "strict":
        raise VerifierSpecError(f"'strict' decides every candidate, so nothing may follow it: {text!r}")
    if "language" in names and any(names.index(n) < names.index("language") for n in ("guards", "words") if n in names):
        raise VerifierSpecError(f"'language' must come before the stages that read English: {text!r}")
    if "words" in names and ("guards" not in names or names.index("guards") > names.index("words")):
        raise VerifierSpecError(
            f"'words' leaves numbers, units, negations and names to 'guards': put 'guards' before it in {text!r}"
        )
    return names


def validate_verifier_spec(value: str) -> None:
    """Django validator for a route's `semantic_verifier`: blank (the default chain) or a valid chain."""
    if not value.strip():
        return
    try:
        parse_verifier_spec(value)
    except VerifierSpecError as exc:
        raise ValidationError(str(exc)) from None
